using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Reports.FundingReports.FundingReportsWorld;

namespace Allmende.Tests.Reports.FundingReports;

/// <summary>
/// The funder report and the organisation activity as of a past instant (byte-identical whatever
/// happens later, also after a rebuild) and rebuilt from the log (the same current figures).
/// </summary>
public sealed class FundingReportsAsOfTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private readonly FundingReportsWorld _world = new(app);

    private const string Quarter = "period=quarter&from=2027-07-01";

    private const string Days = "from=2027-07-01&to=2027-09-30";

    private static string GrantUrl(Guid grant, string query) => $"/api/funding/reports/grants/{grant}?{query}";

    private static string ActivityUrl(Guid organisation, string query) => $"/api/funding/reports/organisations/{organisation}?{query}";

    [Fact]
    public async Task Asked_as_of_a_past_instant_both_reports_are_byte_identical_after_later_bookings_a_cancellation_a_budget_increase_and_a_rebuild()
    {
        using var admin = app.AdminClient();
        var site = await _world.Bookings.SiteAsync();
        var organisation = await _world.Bookings.OrganisationAsync();
        var room = await _world.RoomAsync(site, 2_500, organisation);
        var grant = await GrantAsync(admin, await FunderAsync(admin), "Stadtteilkultur", 100_000,
            new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } });
        var first = await _world.BookedAsync(admin, room, organisation, "2027-07-05T10:00:00+02:00", "2027-07-05T12:00:00+02:00", 8, "neighbourhood-culture");
        await _world.BookedAsync(admin, room, organisation, "2027-07-06T10:00:00+02:00", "2027-07-06T11:00:00+02:00", 12, "school-and-education");
        await _world.SettledAsync();
        await Task.Delay(50);
        var asked = Instant(DateTimeOffset.UtcNow);
        string[] urls =
        [
            GrantUrl(grant, $"{Quarter}&asOf={asked}"), GrantUrl(grant, $"{Quarter}&asOf={asked}&format=csv"), GrantUrl(grant, $"{Quarter}&asOf={asked}&format=html"),
            ActivityUrl(organisation, $"{Days}&asOf={asked}"), ActivityUrl(organisation, $"{Days}&asOf={asked}&format=csv"),
        ];
        var then = new List<string>();
        foreach (var url in urls)
            then.Add(await BodyAsync(admin, url));

        await _world.BookedAsync(admin, room, organisation, "2027-07-07T10:00:00+02:00", "2027-07-07T13:00:00+02:00", 20, "neighbourhood-culture");
        await CancelAsync(admin, first);
        await AllocatedAsync(admin, first, reversed: true);
        await IncreaseBudgetAsync(admin, grant, 50_000);

        foreach (var (url, body) in urls.Zip(then))
            (await BodyAsync(admin, url)).ShouldBe(body, url);
        var grantThen = JsonDocument.Parse(then[0]).RootElement;
        grantThen.GetProperty("position").GetInt64().ShouldBePositive();
        (grantThen.GetProperty("bookings").GetInt32(), grantThen.GetProperty("amountCents").GetInt64(), grantThen.GetProperty("budget").GetProperty("budgetCents").GetInt64())
            .ShouldBe((2, 7_500L, 100_000L));
        var activityThen = JsonDocument.Parse(then[3]).RootElement;
        (activityThen.GetProperty("bookings").GetInt32(), activityThen.GetProperty("cancellations").GetInt32(), activityThen.GetProperty("totalCents").GetInt64())
            .ShouldBe((2, 0, 7_500L));
        then[2].ShouldContain("<!DOCTYPE html>");

        // What changed since shows in the current reports: the cancelled booking's 5000 out, the new 7500 in, the budget raised.
        var grantNow = await JsonAsync(admin, GrantUrl(grant, Quarter));
        (grantNow.GetProperty("bookings").GetInt32(), grantNow.GetProperty("amountCents").GetInt64(), grantNow.GetProperty("budget").GetProperty("budgetCents").GetInt64(),
            grantNow.GetProperty("budget").GetProperty("remainingCents").GetInt64()).ShouldBe((2, 10_000L, 150_000L, 140_000L));
        var activityNow = await JsonAsync(admin, ActivityUrl(organisation, Days));
        (activityNow.GetProperty("bookings").GetInt32(), activityNow.GetProperty("cancellations").GetInt32(), activityNow.GetProperty("totalCents").GetInt64())
            .ShouldBe((2, 1, 10_000L));

        await RebuildReportsAsync(admin);
        foreach (var (url, body) in urls.Zip(then))
            (await BodyAsync(admin, url)).ShouldBe(body, $"after the rebuild: {url}");
    }

    [Fact]
    public async Task Rebuilding_the_report_projection_from_the_log_gives_the_same_current_reports()
    {
        using var admin = app.AdminClient();
        var (site, organisation, other, roomA, roomB, funder, coverage) = await _world.TwoRoomsAsync(admin);
        var culture = await GrantAsync(admin, funder, "Stadtteilkultur", 10_000, coverage, share: 6_000);
        var district = await GrantAsync(admin, funder, "Quartiersfonds", 1_000_000, coverage, share: 2_500);
        await _world.BookedAsync(admin, roomA, organisation, "2027-07-05T10:00:00+02:00", "2027-07-05T11:35:00+02:00", 8, "neighbourhood-culture");
        var moved = await _world.BookedAsync(admin, roomB, organisation, "2027-08-10T14:00:00+02:00", "2027-08-10T15:00:00+02:00", 12, "school-and-education");
        var cancelled = await _world.BookedAsync(admin, roomA, organisation, "2027-09-01T10:00:00+02:00", "2027-09-01T12:00:00+02:00", 6, "neighbourhood-culture");
        await _world.BookedAsync(admin, roomB, other, "2027-09-02T10:00:00+02:00", "2027-09-02T18:00:00+02:00", 30, "neighbourhood-culture");
        // The move: its first line reversed, the 90 minutes allocated anew (95 + 90 + 120 minutes held), before
        // the cancellation, whose refund would otherwise race the move for what is left of the first grant.
        await RescheduleAsync(admin, moved, "2027-08-11T14:00:00+02:00", "2027-08-11T15:30:00+02:00");
        await Eventually.ReachedAsync(async () => (await JsonAsync(admin, ActivityUrl(organisation, Days))).GetProperty("minutes").GetInt64() == 305,
            "the moved booking is allocated anew");
        await CancelAsync(admin, cancelled);
        await AllocatedAsync(admin, cancelled, reversed: true);
        // After Funding's refunds and charges to the grant, or the increase would meet a newer grant version (409).
        await IncreaseBudgetAsync(admin, culture, 5_000);
        string[] urls =
        [
            GrantUrl(culture, Quarter), GrantUrl(culture, $"{Quarter}&format=csv"), GrantUrl(culture, $"{Quarter}&format=html"), GrantUrl(district, Quarter),
            ActivityUrl(organisation, Days), ActivityUrl(organisation, $"{Days}&format=csv"), ActivityUrl(other, Days),
        ];
        var before = new List<string>();
        foreach (var url in urls)
            before.Add(WithoutMadeAt(await BodyAsync(admin, url)));
        // The first grant's 10000 ran short on the other organisation's 8 hours (2226 of 19200) and on the moved booking
        // (2400 of 3600); then it was raised: 2374 + 2226 + 2400 used of 15000.
        var budget = JsonDocument.Parse(before[0]).RootElement.GetProperty("budget");
        (budget.GetProperty("budgetCents").GetInt64(), budget.GetProperty("usedToDateCents").GetInt64(), budget.GetProperty("remainingCents").GetInt64())
            .ShouldBe((15_000L, 7_000L, 8_000L));

        // Without its tables the reports have nothing to read: the rebuild alone brings the figures back.
        await TestPostgres.ExecuteAsync(app.ConnectionString, "truncate funding.report_costs, funding.report_allocations, funding.report_grants");
        await admin.GetAsync(GrantUrl(culture, Quarter)).ShouldHaveStatus(HttpStatusCode.NotFound);
        (await JsonAsync(admin, ActivityUrl(organisation, Days))).GetProperty("totalCents").GetInt64().ShouldBe(0);

        await RebuildReportsAsync(admin);
        foreach (var (url, body) in urls.Zip(before))
            WithoutMadeAt(await BodyAsync(admin, url)).ShouldBe(body, url);
    }

    /// <summary>
    /// A current report says when it was made (now), which no rebuild can keep: that one value is left
    /// out of the comparison. (A report as of an instant was made then, and is compared whole above.)
    /// </summary>
    private static string WithoutMadeAt(string body)
    {
        body = System.Text.RegularExpressions.Regex.Replace(body, "\"madeAt\":\"[^\"]*\"", "\"madeAt\":\"\"");
        body = System.Text.RegularExpressions.Regex.Replace(body, "report,,madeAt,[^\n]*", "report,,madeAt,");
        return System.Text.RegularExpressions.Regex.Replace(body, "<time datetime=\"[^\"]*\">[^<]*</time>", "<time></time>");
    }
}
