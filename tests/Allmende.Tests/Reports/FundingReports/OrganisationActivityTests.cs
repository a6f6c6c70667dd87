using System.Globalization;
using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Allmende.Tests.Reports.FundingReports.FundingReportsWorld;

namespace Allmende.Tests.Reports.FundingReports;

/// <summary>The real clock moved forward by whatever the test asks; never back (Funding ignores a message older than the last it applied).</summary>
internal sealed class ForwardClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));

    /// <summary>Moves to a few seconds before the next whole minute (a booking's start is a whole minute) and returns that minute.</summary>
    public DateTimeOffset ShortlyBeforeNextMinute(TimeSpan lead)
    {
        var now = GetUtcNow();
        var minute = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        if (minute - now <= lead)
            minute = minute.AddMinutes(1);
        Interlocked.Add(ref _offsetTicks, (minute - lead - now).Ticks);
        return minute;
    }
}

/// <summary>
/// The host of the activity tests: a booking nobody checked in to is released one second after its
/// start (instead of 15 minutes), and its clock can move to just before a whole minute, so that a
/// no-show happens within seconds through the real scheduled release.
/// </summary>
public sealed class OrganisationActivityApp : AllmendeApp
{
    internal ForwardClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Bookings:NoShowReleaseDelay", "00:00:01");
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }
}

/// <summary>
/// The organisation activity report over HTTP on the real database: bookings held, no-shows, late and
/// other cancellations, who paid (to the cent), Berlin days, CSV, access and bad parameters.
/// </summary>
public sealed class OrganisationActivityTests(OrganisationActivityApp app) : IClassFixture<OrganisationActivityApp>
{
    private readonly FundingReportsWorld _world = new(app);

    private static string Url(Guid organisation, string query) => $"/api/funding/reports/organisations/{organisation}?{query}";

    /// <summary>(bookings, minutes, hours, noShows, lateCancellations, cancellations, totalCents, grantsCents, ownShareCents).</summary>
    private static (int, long, decimal, int, int, int, long, long, long) Figures(JsonElement r) =>
        (r.GetProperty("bookings").GetInt32(), r.GetProperty("minutes").GetInt64(), r.GetProperty("hours").GetDecimal(), r.GetProperty("noShows").GetInt32(),
         r.GetProperty("lateCancellations").GetInt32(), r.GetProperty("cancellations").GetInt32(), r.GetProperty("totalCents").GetInt64(),
         r.GetProperty("grantsCents").GetInt64(), r.GetProperty("ownShareCents").GetInt64());

    /// <summary>(payer, grantId, grantName, amountCents) of each payer, grants by name, the own share last.</summary>
    private static List<(string, Guid?, string?, long)> PaidBy(JsonElement r) =>
        [.. r.GetProperty("paidBy").EnumerateArray()
            .Select(p => (p.GetProperty("payer").GetString()!, p.GetProperty("grantId").ValueKind == JsonValueKind.Null ? (Guid?)null : p.GetProperty("grantId").GetGuid(),
                p.GetProperty("grantName").GetString(), p.GetProperty("amountCents").GetInt64()))
            .OrderBy(p => p.Item1 == "organisation").ThenBy(p => p.Item3, StringComparer.Ordinal)];

    [Fact]
    public async Task A_quarter_counts_held_bookings_and_cancellations_apart_and_who_paid_adds_up_to_the_cent_within_Berlin_days()
    {
        using var admin = app.AdminClient();
        var (site, organisation, other, roomA, roomB, funder, coverage) = await _world.TwoRoomsAsync(admin);
        var culture = await GrantAsync(admin, funder, "Stadtteilkultur", 1_000_000, coverage, share: 6_000);
        var district = await GrantAsync(admin, funder, "Quartiersfonds", 1_000_000, coverage, share: 2_500);

        // 95 min at 25 EUR from midnight on 1 July, Berlin (30 June in UTC): 3958 = 2374 (60 %) + 989 (25 %) + 595 own.
        await _world.BookedAsync(admin, roomA, organisation, "2027-07-01T00:00:00+02:00", "2027-07-01T01:35:00+02:00", 8, "neighbourhood-culture");
        // 120 min at 40 EUR: 8000 = 4800 + 2000 + 1200.
        await _world.BookedAsync(admin, roomB, organisation, "2027-08-10T14:00:00+02:00", "2027-08-10T16:00:00+02:00", 12, "school-and-education");
        // The last hour of 30 September, Berlin: 2500 = 1500 + 625 + 375.
        await _world.BookedAsync(admin, roomA, organisation, "2027-09-30T23:00:00+02:00", "2027-10-01T00:00:00+02:00", 5, "neighbourhood-culture");
        // Outside the quarter by Berlin days: the last hour of June and the first of October.
        await _world.BookedAsync(admin, roomA, organisation, "2027-06-30T23:00:00+02:00", "2027-07-01T00:00:00+02:00", 4, "neighbourhood-culture");
        await _world.BookedAsync(admin, roomA, organisation, "2027-10-01T00:00:00+02:00", "2027-10-01T01:00:00+02:00", 4, "neighbourhood-culture");
        // Cancelled weeks ahead: counted as a cancellation, paid by nobody.
        var cancelled = await _world.BookedAsync(admin, roomA, organisation, "2027-09-01T10:00:00+02:00", "2027-09-01T12:00:00+02:00", 6, "neighbourhood-culture");
        (await CancelAsync(admin, cancelled)).ShouldBeFalse();
        await AllocatedAsync(admin, cancelled, reversed: true);
        // Another organisation's booking in the same rooms is not this one's.
        await _world.BookedAsync(admin, roomB, other, "2027-07-06T10:00:00+02:00", "2027-07-06T11:00:00+02:00", 3, "neighbourhood-culture");

        var report = await JsonAsync(admin, Url(organisation, "from=2027-07-01&to=2027-09-30"));

        report.GetProperty("organisationId").GetGuid().ShouldBe(organisation);
        (report.GetProperty("from").GetString(), report.GetProperty("to").GetString()).ShouldBe(("2027-07-01", "2027-09-30"));
        (report.GetProperty("asOf").ValueKind, report.GetProperty("position").ValueKind).ShouldBe((JsonValueKind.Null, JsonValueKind.Null));
        Figures(report).ShouldBe((3, 275L, 4.58m, 0, 0, 1, 14_458L, 12_288L, 2_170L));
        PaidBy(report).ShouldBe([
            ("grant", district, "Quartiersfonds", 3_614L), ("grant", culture, "Stadtteilkultur", 8_674L), ("organisation", null, null, 2_170L)]);
        PaidBy(report).Sum(p => p.Item4).ShouldBe(report.GetProperty("totalCents").GetInt64());
        report.GetProperty("paidBy").EnumerateArray().Where(p => p.GetProperty("payer").GetString() == "grant")
            .Select(p => p.GetProperty("funderId").GetGuid()).ShouldBe([funder, funder]);

        // Berlin days: midnight on 1 July belongs to 1 July; 30 June's last hour and 1 October's first to those days.
        Figures(await JsonAsync(admin, Url(organisation, "from=2027-07-01&to=2027-07-01"))).ShouldBe((1, 95L, 1.58m, 0, 0, 0, 3_958L, 3_363L, 595L));
        Figures(await JsonAsync(admin, Url(organisation, "from=2027-06-30&to=2027-06-30"))).ShouldBe((1, 60L, 1m, 0, 0, 0, 2_500L, 2_125L, 375L));
        Figures(await JsonAsync(admin, Url(organisation, "from=2027-10-01&to=2027-10-01"))).ShouldBe((1, 60L, 1m, 0, 0, 0, 2_500L, 2_125L, 375L));
        Figures(await JsonAsync(admin, Url(other, "from=2027-07-01&to=2027-09-30"))).ShouldBe((1, 60L, 1m, 0, 0, 0, 4_000L, 3_400L, 600L));

        var csvResponse = await admin.GetAsync(Url(organisation, "from=2027-07-01&to=2027-09-30&format=csv")).ShouldHaveStatus(HttpStatusCode.OK);
        csvResponse.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        (await csvResponse.Content.ReadAsStringAsync()).Split('\n').Where(l => !l.StartsWith("paid-by,", StringComparison.Ordinal)).ShouldBe([
            "section,key,measure,value",
            $"organisation,{organisation},from,2027-07-01",
            $"organisation,{organisation},to,2027-09-30",
            "report,,asOf,",
            "report,,position,",
            "total,,bookings,3",
            "total,,minutes,275",
            "total,,hours,4.58",
            "total,,noShows,0",
            "total,,lateCancellations,0",
            "total,,cancellations,1",
            "total,,totalCents,14458",
            "total,,grantsCents,12288",
            "total,,ownShareCents,2170",
            "",
        ]);
        var paidRows = (await csvResponse.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("paid-by,", StringComparison.Ordinal)).ToList();
        paidRows.Count.ShouldBe(5);
        paidRows.ShouldContain($"paid-by,{culture},grantName,Stadtteilkultur");
        paidRows.ShouldContain($"paid-by,{culture},amountCents,8674");
        paidRows.ShouldContain($"paid-by,{district},grantName,Quartiersfonds");
        paidRows.ShouldContain($"paid-by,{district},amountCents,3614");
        paidRows[^1].ShouldBe("paid-by,organisation,amountCents,2170");
    }

    [Fact]
    public async Task No_shows_and_late_cancellations_are_counted_apart_from_held_bookings_and_still_charged()
    {
        using var admin = app.AdminClient();
        var site = await _world.Bookings.SiteAsync();
        var organisation = await _world.Bookings.OrganisationAsync();
        var room = await _world.RoomAsync(site, 2_999, organisation);
        var funder = await FunderAsync(admin);
        // These bookings happen now, not in 2027: the grant runs from this year on.
        var grant = await GrantAsync(admin, funder, "Ehrenamt vor Ort", 1_000_000, new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } },
            share: 5_000, startsOn: $"{DateTime.UtcNow.Year - 1}-01-01");

        // Nobody checks in: released one second after the start (a few seconds from now on the moved clock).
        var start = app.Clock.ShortlyBeforeNextMinute(TimeSpan.FromSeconds(4));
        string Iso(DateTimeOffset instant) => instant.ToString("O", CultureInfo.InvariantCulture);
        var noShow = await _world.BookedAsync(admin, room, organisation, Iso(start), Iso(start.AddHours(1)), 8, "neighbourhood-culture");
        var late = await _world.BookedAsync(admin, room, organisation, Iso(start.AddHours(3)), Iso(start.AddHours(4)), 8, "neighbourhood-culture");
        await _world.BookedAsync(admin, room, organisation, Iso(start.AddHours(5)), Iso(start.AddHours(6)), 8, "neighbourhood-culture");
        var early = await _world.BookedAsync(admin, room, organisation, Iso(start.AddDays(2)), Iso(start.AddDays(2).AddHours(1)), 8, "neighbourhood-culture");
        (await CancelAsync(admin, late)).ShouldBeTrue();
        (await CancelAsync(admin, early)).ShouldBeFalse();

        var from = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).DateTime);
        var url = Url(organisation, $"from={from:yyyy-MM-dd}&to={from.AddDays(3):yyyy-MM-dd}");
        await Eventually.ReachedAsync(async () =>
        {
            var r = await JsonAsync(admin, url);
            return (r.GetProperty("noShows").GetInt32(), r.GetProperty("lateCancellations").GetInt32(), r.GetProperty("cancellations").GetInt32()) == (1, 1, 1);
        }, "the no-show is released and both cancellations reach Funding");
        (await (await admin.GetAsync($"/api/bookings/{noShow}")).JsonAsync()).GetProperty("status").GetString().ShouldBe("no-show");

        var report = await JsonAsync(admin, url);
        // Held: the one booking nobody cancelled. Charged (the default): held, no-show and late cancellation, 2999 each:
        // the grant 1499 (50 %, rounded down), the organisation 1500.
        Figures(report).ShouldBe((1, 60L, 1m, 1, 1, 1, 8_997L, 4_497L, 4_500L));
        PaidBy(report).ShouldBe([("grant", grant, "Ehrenamt vor Ort", 4_497L), ("organisation", null, null, 4_500L)]);
    }

    [Fact]
    public async Task Members_read_their_own_organisations_activity_another_is_404_and_funders_are_refused()
    {
        var mine = await _world.Bookings.OrganisationAsync();
        var theirs = await _world.Bookings.OrganisationAsync();
        using var member = await _world.Bookings.MemberOfAsync(mine);
        using var auditor = await app.ClientAsync(Roles.Auditor);
        using var funder = await app.ClientAsync(Roles.Funder);
        using var anonymous = app.CreateClient();
        const string query = "from=2027-07-01&to=2027-07-31";

        (await JsonAsync(member, Url(mine, query))).GetProperty("organisationId").GetGuid().ShouldBe(mine);
        await member.GetAsync(Url(mine, query + "&format=csv")).ShouldHaveStatus(HttpStatusCode.OK);
        await member.GetAsync(Url(theirs, query)).ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.GetAsync(Url(theirs, query + "&format=csv")).ShouldHaveStatus(HttpStatusCode.NotFound);
        await auditor.GetAsync(Url(theirs, query)).ShouldHaveStatus(HttpStatusCode.OK);
        await funder.GetAsync(Url(mine, query)).ShouldHaveStatus(HttpStatusCode.Forbidden);
        await anonymous.GetAsync(Url(mine, query)).ShouldHaveStatus(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Bad_parameters_are_400s_naming_them()
    {
        using var admin = app.AdminClient();
        var organisation = Guid.NewGuid();
        foreach (var (query, field) in new[]
        {
            ("to=2027-07-31", "from"),
            ("from=01.07.2027&to=2027-07-31", "from"),
            ("from=2027-07-01", "to"),
            ("from=2027-07-01&to=2027-31-07", "to"),
            ("from=2027-07-02&to=2027-07-01", "to"),
            ("from=2027-07-01&to=2040-07-01", "to"),
            ("from=2027-07-01&to=2027-07-31&format=html", "format"),
            ("from=2027-07-01&to=2027-07-31&asOf=2027-07-01", "asOf"),
            ($"from=2027-07-01&to=2027-07-31&asOf={Instant(DateTimeOffset.UtcNow.AddHours(1))}", "asOf"),
        })
        {
            (await (await admin.GetAsync(Url(organisation, query))).InvalidFieldsAsync()).ShouldBe([field], query);
        }
    }
}
