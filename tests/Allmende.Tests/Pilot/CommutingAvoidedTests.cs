using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Reports.FundingReports;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Pilot;

/// <summary>
/// The commuting a rural site avoided, through the real host: surveyed persons' desk-days × one-way km × 2,
/// CO2e by means, per Berlin month; for staff by site, for a funder by its own grant; JSON and CSV.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class CommutingAvoidedTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static string Tag(HttpResponseMessage response) => response.Headers.ETag?.Tag ?? throw new ShouldAssertException("No ETag.");

    /// <summary>A person acting for the organisation (a member, so they may answer) with a survey answer, or none.</summary>
    private async Task<Guid> SurveyedAsync(HttpClient admin, Guid organisation, decimal? oneWayKm, string means = "car")
    {
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Pendlerin Land", $"{Guid.NewGuid():N}@land.example");
        var acting = await admin.SendAsync("POST", $"/api/people/{person.Id}/organisations", new { organisationId = organisation, role = "member" }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        if (oneWayKm is { } km)
            await admin.SendAsync("PUT", $"/api/people/{person.Id}/survey", new { oneWayKm = km, means, commutingDaysPerWeek = 5 }, Tag(acting))
                .ShouldHaveStatus(HttpStatusCode.OK);
        return person.Id;
    }

    private static async Task<Guid> DeskAsync(HttpClient admin, Guid desk, Guid organisation, Guid person, string start, string end)
    {
        var body = new { spaceId = desk, organisationId = organisation, personId = person, start = FundingReportsWorld.At(start),
            end = FundingReportsWorld.At(end), attendees = 1, purpose = "Arbeiten am Ort", actionField = "local-economy" };
        return await FundingReportsWorld.IdOf(await admin.SendAsync("POST", "/api/bookings", body).ShouldHaveStatus(HttpStatusCode.Created));
    }

    [Fact]
    public async Task Desk_days_of_surveyed_persons_avoid_their_commute_there_and_back_per_Berlin_month()
    {
        using var admin = app.AdminClient();
        var site = await _world.SiteAsync(AlwaysOpen);
        var desks = await _world.SpaceAsync(site, "flexible-desk-area", capacity: 10, places: 10);
        var room = await _world.SpaceAsync(site);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(desks, organisation);
        await _world.KnownAsync(room, organisation);
        var lena = await SurveyedAsync(admin, organisation, 23.5m, "car");
        var ben = await SurveyedAsync(admin, organisation, 12.0m, "bus");
        var tarek = await SurveyedAsync(admin, organisation, null);

        // Lena: two bookings on 7 June are one desk-day; 30 June 20:00 to 1 July 02:00 is one in each month.
        await DeskAsync(admin, desks, organisation, lena, "2027-06-07T08:00:00+02:00", "2027-06-07T12:00:00+02:00");
        await DeskAsync(admin, desks, organisation, lena, "2027-06-07T13:00:00+02:00", "2027-06-07T17:00:00+02:00");
        await DeskAsync(admin, desks, organisation, lena, "2027-06-30T20:00:00+02:00", "2027-07-01T02:00:00+02:00");
        // Ben: a cancelled booking makes no desk-day, and a room is not a desk.
        var cancelled = await DeskAsync(admin, desks, organisation, ben, "2027-06-08T09:00:00+02:00", "2027-06-08T17:00:00+02:00");
        await FundingReportsWorld.CancelAsync(admin, cancelled);
        await DeskAsync(admin, room, organisation, ben, "2027-06-09T09:00:00+02:00", "2027-06-09T17:00:00+02:00");
        await DeskAsync(admin, desks, organisation, ben, "2027-07-02T09:00:00+02:00", "2027-07-02T17:00:00+02:00");
        // Tarek never answered: his desk-day is counted apart.
        await DeskAsync(admin, desks, organisation, tarek, "2027-07-05T09:00:00+02:00", "2027-07-05T17:00:00+02:00");
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.commute_surveys where person_id = any($1)", new[] { lena, ben }) == 2, "Bookings has the survey figures");

        var report = await (await admin.GetAsync($"/api/reports/commuting-avoided?siteId={site}&from=2027-06&to=2027-07").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

        (report.GetProperty("siteId").GetGuid(), report.GetProperty("from").GetString(), report.GetProperty("to").GetString()).ShouldBe((site, "2027-06", "2027-07"));
        // June: Lena 2 desk-days × 47 km = 94 km, × 154 g = 14.476 kg. July: Lena 47 km (7.238 kg), Ben 24 km × 83 g = 1.992 kg.
        report.GetProperty("months").GetRawText().ShouldBe("""
            [{"month":"2027-06","surveyedPersons":1,"deskDays":2,"kmAvoided":94.0,"co2KgAvoided":14.5,"unsurveyedDeskDays":0,"byMeans":[{"means":"car","deskDays":2,"kmAvoided":94.0,"co2KgAvoided":14.5}]},{"month":"2027-07","surveyedPersons":2,"deskDays":2,"kmAvoided":71.0,"co2KgAvoided":9.2,"unsurveyedDeskDays":1,"byMeans":[{"means":"bus","deskDays":1,"kmAvoided":24.0,"co2KgAvoided":2.0},{"means":"car","deskDays":1,"kmAvoided":47.0,"co2KgAvoided":7.2}]}]
            """.Trim());
        report.GetProperty("total").GetRawText().ShouldBe("""
            {"month":"total","surveyedPersons":2,"deskDays":4,"kmAvoided":165.0,"co2KgAvoided":23.7,"unsurveyedDeskDays":1,"byMeans":[{"means":"bus","deskDays":1,"kmAvoided":24.0,"co2KgAvoided":2.0},{"means":"car","deskDays":3,"kmAvoided":141.0,"co2KgAvoided":21.7}]}
            """.Trim());
        report.GetProperty("factorSource").GetString()!.ShouldStartWith("Umweltbundesamt");
        var body = report.GetRawText();
        foreach (var person in new[] { lena, ben, tarek })
            body.ShouldNotContain(person.ToString());

        var csv = await (await admin.GetAsync($"/api/reports/commuting-avoided?siteId={site}&from=2027-06&to=2027-07&format=csv")
            .ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        csv.ShouldBe("""
            scope,month,means,surveyedPersons,deskDays,kmAvoided,co2KgAvoided,unsurveyedDeskDays
            means,2027-06,car,,2,94.0,14.5,
            month,2027-06,,1,2,94.0,14.5,0
            means,2027-07,bus,,1,24.0,2.0,
            means,2027-07,car,,1,47.0,7.2,
            month,2027-07,,2,2,71.0,9.2,1
            means,total,bus,,1,24.0,2.0,
            means,total,car,,3,141.0,21.7,
            total,total,,2,4,165.0,23.7,1

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_funder_reads_the_commuting_its_grants_sites_avoided_and_nobody_elses()
    {
        using var admin = app.AdminClient();
        var site = await _world.SiteAsync(AlwaysOpen);
        var desks = await _world.SpaceAsync(site, "flexible-desk-area", capacity: 10, places: 10);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(desks, organisation);
        var mia = await SurveyedAsync(admin, organisation, 30.0m, "train");
        await DeskAsync(admin, desks, organisation, mia, "2027-09-06T09:00:00+02:00", "2027-09-06T17:00:00+02:00");
        var funder = await FundingReportsWorld.FunderAsync(admin, "Region Landkreis");
        var stranger = await FundingReportsWorld.FunderAsync(admin, "Stiftung Anderswo");
        var grant = await FundingReportsWorld.GrantAsync(admin, funder, "Coworking auf dem Land", 1_000_000,
            new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } });
        using var funderClient = await app.ClientAsync(Roles.Funder, funderId: funder);
        using var strangerClient = await app.ClientAsync(Roles.Funder, funderId: stranger);
        using var member = await app.ClientAsync(Roles.Member);
        var url = $"/api/reports/grants/{grant}/commuting-avoided?from=2027-09&to=2027-09";

        await Eventually.ReachedAsync(async () =>
        {
            var response = await funderClient.GetAsync(url);
            return response.StatusCode == HttpStatusCode.OK && (await response.JsonAsync()).GetProperty("total").GetProperty("surveyedPersons").GetInt32() == 1;
        }, "Bookings knows the grant's places and the survey");
        var report = await (await funderClient.GetAsync(url).ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

        (report.GetProperty("grantId").GetGuid(), report.GetProperty("siteIds").GetRawText()).ShouldBe((grant, $"[\"{site}\"]"));
        // 30 km × 2 = 60 km by train, × 57 g = 3.42 kg.
        report.GetProperty("total").GetRawText().ShouldBe(
            """{"month":"total","surveyedPersons":1,"deskDays":1,"kmAvoided":60.0,"co2KgAvoided":3.4,"unsurveyedDeskDays":0,"byMeans":[{"means":"train","deskDays":1,"kmAvoided":60.0,"co2KgAvoided":3.4}]}""");
        await strangerClient.GetAsync(url).ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/reports/grants/{Guid.NewGuid()}/commuting-avoided?from=2027-09&to=2027-09").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.GetAsync(url).ShouldHaveStatus(HttpStatusCode.Forbidden);
        await funderClient.GetAsync($"/api/reports/commuting-avoided?siteId={site}&from=2027-09&to=2027-09").ShouldHaveStatus(HttpStatusCode.Forbidden);
        (await (await admin.GetAsync($"/api/reports/commuting-avoided?siteId={site}&from=2027-9&to=2027-08")).InvalidFieldsAsync()).ShouldBe(["from"]);
        (await (await admin.GetAsync($"/api/reports/commuting-avoided?siteId={site}&from=2027-09&to=2027-08")).InvalidFieldsAsync()).ShouldBe(["to"]);
        await admin.GetAsync($"/api/reports/commuting-avoided?siteId={Guid.NewGuid()}&from=2027-09&to=2027-09").ShouldHaveStatus(HttpStatusCode.NotFound);
    }
}
