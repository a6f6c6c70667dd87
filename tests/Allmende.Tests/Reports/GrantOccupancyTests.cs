using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Reports.FundingReports;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Reports;

/// <summary>A funder's occupancy of the spaces its grant covers: only those spaces, only its own grants, figures without organisations.</summary>
public sealed class GrantOccupancyTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private readonly BookingsWorld _world = new(app);

    private static async Task<JsonElement> ReportAsync(HttpClient client, Guid grant, string query = "from=2027-06-01&to=2027-07-31") =>
        await (await client.GetAsync($"/api/reports/grants/{grant}/occupancy?{query}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

    private static List<(string, decimal, decimal, decimal, string)> Months(JsonElement space) =>
        [.. space.GetProperty("months").EnumerateArray().Append(space.GetProperty("total")).Select(m => (m.GetProperty("month").GetString()!,
            m.GetProperty("openHours").GetDecimal(), m.GetProperty("bookedHours").GetDecimal(), m.GetProperty("noShowHours").GetDecimal(),
            m.GetProperty("utilisation").GetRawText()))];

    [Fact]
    public async Task A_funder_reads_booked_against_opening_hours_per_month_of_only_the_spaces_its_grant_covers()
    {
        var site = await _world.SiteAsync(WeekdaysNineToFive);
        var covered = await _world.SpaceAsync(site);
        var other = await _world.SpaceAsync(site);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(covered, organisation);
        await _world.KnownAsync(other, organisation);
        using var admin = app.AdminClient();
        var funder = await FundingReportsWorld.FunderAsync(admin, "Bezirksamt Mitte");
        var grant = await FundingReportsWorld.GrantAsync(admin, funder, "Raumförderung", 1_000_000,
            new { siteIds = Array.Empty<Guid>(), spaceIds = new[] { covered }, costTypes = new[] { "room-hours" } });
        await BookAsync(admin, covered, organisation, FundingReportsWorld.At("2027-06-07T09:00:00+02:00"), FundingReportsWorld.At("2027-06-07T11:00:00+02:00"))
            .ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, covered, organisation, FundingReportsWorld.At("2027-07-01T13:00:00+02:00"), FundingReportsWorld.At("2027-07-01T17:00:00+02:00"))
            .ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, other, organisation, FundingReportsWorld.At("2027-06-08T09:00:00+02:00"), FundingReportsWorld.At("2027-06-08T17:00:00+02:00"))
            .ShouldHaveStatus(HttpStatusCode.Created);
        using var funderClient = await app.ClientAsync(Roles.Funder, funderId: funder);

        await Eventually.ReachedAsync(async () =>
        {
            var response = await funderClient.GetAsync($"/api/reports/grants/{grant}/occupancy?from=2027-06-01&to=2027-07-31");
            return response.StatusCode == HttpStatusCode.OK && (await response.JsonAsync()).GetProperty("spaces").GetArrayLength() == 1;
        }, "Bookings knows the grant's places and the space");
        var report = await ReportAsync(funderClient, grant);

        report.GetProperty("grantId").GetGuid().ShouldBe(grant);
        var space = report.GetProperty("spaces").EnumerateArray().Single();
        (space.GetProperty("spaceId").GetGuid(), space.GetProperty("siteId").GetGuid()).ShouldBe((covered, site));
        // June 2027 has 22 weekdays, July 22: 176 open hours each.
        Months(space).ShouldBe([("2027-06", 176m, 2m, 0m, "0.0114"), ("2027-07", 176m, 4m, 0m, "0.0227"), ("total", 352m, 6m, 0m, "0.0170")]);
        // Figures only: no organisation (its id or name) is in what a funder reads.
        var body = report.GetRawText();
        body.ShouldNotContain(organisation.ToString());
        body.ShouldNotContain("Initiative");
    }

    [Fact]
    public async Task Another_funders_grant_is_a_404_as_is_an_unknown_one_and_members_are_refused()
    {
        using var admin = app.AdminClient();
        var site = await _world.SiteAsync(WeekdaysNineToFive);
        var funder = await FundingReportsWorld.FunderAsync(admin, "Stiftung Eins");
        var stranger = await FundingReportsWorld.FunderAsync(admin, "Stiftung Zwei");
        var grant = await FundingReportsWorld.GrantAsync(admin, funder, "Hausförderung", 500_000,
            new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } });
        await Eventually.ReachedAsync(async () => (await admin.GetAsync($"/api/reports/grants/{grant}/occupancy?from=2027-06-01&to=2027-06-30")).IsSuccessStatusCode,
            "Bookings knows the grant's places");
        using var strangerClient = await app.ClientAsync(Roles.Funder, funderId: stranger);
        using var member = await app.ClientAsync(Roles.Member);

        await strangerClient.GetAsync($"/api/reports/grants/{grant}/occupancy?from=2027-06-01&to=2027-06-30").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/reports/grants/{Guid.NewGuid()}/occupancy?from=2027-06-01&to=2027-06-30").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.GetAsync($"/api/reports/grants/{grant}/occupancy?from=2027-06-01&to=2027-06-30").ShouldHaveStatus(HttpStatusCode.Forbidden);
        var bad = await admin.GetAsync($"/api/reports/grants/{grant}/occupancy?from=2027-06-31&to=2027-06-01").ShouldHaveStatus(HttpStatusCode.BadRequest);
        (await bad.JsonAsync()).GetProperty("errors").EnumerateObject().Single().Name.ShouldBe("from");
    }
}
