using System.Globalization;
using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Reports;

/// <summary>The occupancy report over HTTP on the real database: minutes per space and bucket, DST days, closures, as-of answers, rebuilds, access.</summary>
public sealed class OccupancyReportTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    private static async Task<Guid> BookedAsync(HttpClient admin, Guid space, Guid organisation, string start, string end) =>
        (await (await BookAsync(admin, space, organisation, At(start), At(end)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

    private static async Task<JsonElement> ReportAsync(HttpClient client, string query) =>
        await (await SettledAsync(client, query)).JsonAsync();

    /// <summary>
    /// The report, asked again as the API tells clients to while an as-of instant is not settled yet
    /// (409 not-yet-settled: the daemon has not passed it, e.g. behind events written just now); any
    /// other answer but 200 fails at once.
    /// </summary>
    private static async Task<HttpResponseMessage> SettledAsync(HttpClient client, string query)
    {
        HttpResponseMessage response = null!;
        await Eventually.ReachedAsync(async () =>
        {
            response = await client.GetAsync($"/api/reports/occupancy?{query}");
            return response.StatusCode != HttpStatusCode.Conflict || !(await response.Content.ReadAsStringAsync()).Contains("\"not-yet-settled\"", StringComparison.Ordinal);
        }, "the instant asked is settled");
        return await Task.FromResult(response).ShouldHaveStatus(HttpStatusCode.OK);
    }

    private static JsonElement SpaceOf(JsonElement report, Guid space) =>
        report.GetProperty("spaces").EnumerateArray().Single(s => s.GetProperty("spaceId").GetGuid() == space);

    /// <summary>(bucket, open, booked, unused, utilisation as written) of each bucket.</summary>
    private static List<(string, long, long, long, string)> Figures(JsonElement buckets) =>
        [.. buckets.EnumerateArray().Select(b => (b.GetProperty("bucket").GetString()!, b.GetProperty("openMinutes").GetInt64(),
            b.GetProperty("bookedMinutes").GetInt64(), b.GetProperty("unusedMinutes").GetInt64(), b.GetProperty("utilisation").GetRawText()))];

    [Fact]
    public async Task A_week_at_a_site_open_weekdays_nine_to_five_gives_exact_minutes_per_space_and_day_with_a_closure_and_a_cancellation()
    {
        var site = await _world.SiteAsync(WeekdaysNineToFive);
        var room = await _world.SpaceAsync(site);
        var hall = await _world.SpaceAsync(site);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(room, organisation);
        await _world.KnownAsync(hall, organisation);
        using var admin = app.AdminClient();
        await BookedAsync(admin, room, organisation, "2027-06-07T09:00:00+02:00", "2027-06-07T11:00:00+02:00");
        await BookedAsync(admin, room, organisation, "2027-06-08T10:00:00+02:00", "2027-06-08T12:00:00+02:00");
        await BookedAsync(admin, hall, organisation, "2027-06-10T13:00:00+02:00", "2027-06-10T17:00:00+02:00");
        var cancelled = await BookedAsync(admin, room, organisation, "2027-06-11T09:00:00+02:00", "2027-06-11T17:00:00+02:00");
        await admin.SendAsync("POST", $"/api/bookings/{cancelled}/cancel", new { reason = "fällt aus" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("POST", $"/api/sites/{site}/closures", new { firstDay = "2027-06-09", lastDay = "2027-06-09", reason = "Wasserschaden" },
            SpacesHttp.ETag(await admin.GetAsync($"/api/sites/{site}").ShouldHaveStatus(HttpStatusCode.OK))).ShouldHaveStatus(HttpStatusCode.Created);

        var week = $"siteId={site}&from=2027-06-07&to=2027-06-13";
        await Eventually.ReachedAsync(async () => SpaceOf(await ReportAsync(admin, week), room).GetProperty("buckets")[2].GetProperty("openMinutes").GetInt64() == 0,
            "the report knows the closure");
        var report = await ReportAsync(admin, week);

        report.GetProperty("by").GetString().ShouldBe("day");
        report.GetProperty("asOf").ValueKind.ShouldBe(JsonValueKind.Null);
        Figures(SpaceOf(report, room).GetProperty("buckets")).ShouldBe([
            ("2027-06-07", 480, 120, 0, "0.2500"), ("2027-06-08", 480, 120, 0, "0.2500"), ("2027-06-09", 0, 0, 0, "null"),
            ("2027-06-10", 480, 0, 0, "0.0000"), ("2027-06-11", 480, 0, 0, "0.0000"), ("2027-06-12", 0, 0, 0, "null"), ("2027-06-13", 0, 0, 0, "null")]);
        Figures(SpaceOf(report, hall).GetProperty("buckets"))[3].ShouldBe(("2027-06-10", 480, 240, 0, "0.5000"));
        Figures(JsonDocument.Parse($"[{SpaceOf(report, room).GetProperty("total").GetRawText()}]").RootElement)
            .ShouldBe([("total", 1920, 240, 0, "0.1250")]);
        Figures(JsonDocument.Parse($"[{report.GetProperty("site").GetProperty("total").GetRawText()}]").RootElement)
            .ShouldBe([("total", 3840, 480, 0, "0.1250")]);

        var weekdays = await ReportAsync(admin, week + "&by=weekday");
        Figures(SpaceOf(weekdays, room).GetProperty("buckets")).ShouldBe([
            ("monday", 480, 120, 0, "0.2500"), ("tuesday", 480, 120, 0, "0.2500"), ("wednesday", 0, 0, 0, "null"), ("thursday", 480, 0, 0, "0.0000"),
            ("friday", 480, 0, 0, "0.0000"), ("saturday", 0, 0, 0, "null"), ("sunday", 0, 0, 0, "null")]);

        var hours = Figures(SpaceOf(await ReportAsync(admin, week + "&by=hour-of-day"), room).GetProperty("buckets"));
        hours.Count.ShouldBe(24);
        hours[8].ShouldBe(("08:00", 0, 0, 0, "null"));
        hours[9].ShouldBe(("09:00", 240, 60, 0, "0.2500"));
        hours[10].ShouldBe(("10:00", 240, 120, 0, "0.5000"));
        hours[11].ShouldBe(("11:00", 240, 60, 0, "0.2500"));
        hours[16].ShouldBe(("16:00", 240, 0, 0, "0.0000"));

        Figures(SpaceOf(await ReportAsync(admin, week + "&by=week"), room).GetProperty("buckets")).ShouldBe([("2027-W23", 1920, 240, 0, "0.1250")]);
        Figures(SpaceOf(await ReportAsync(admin, $"siteId={site}&from=2027-05-31&to=2027-06-13&by=month"), room).GetProperty("buckets"))
            .ShouldBe([("2027-05", 480, 0, 0, "0.0000"), ("2027-06", 3840, 240, 0, "0.0625")]); // 1–4 and 7–11 June, less the closed Wednesday
    }

    [Fact]
    public async Task An_always_open_site_has_1500_open_minutes_on_the_autumn_DST_day_and_1380_on_the_spring_one()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var site = await SiteOfAsync(admin, space);
        await BookedAsync(admin, space, organisation, "2027-10-31T00:00:00+02:00", "2027-10-31T04:00:00+01:00");

        Figures(SpaceOf(await ReportAsync(admin, $"siteId={site}&from=2026-10-25&to=2026-10-25"), space).GetProperty("buckets"))
            .ShouldBe([("2026-10-25", 1500, 0, 0, "0.0000")]);
        Figures(SpaceOf(await ReportAsync(admin, $"siteId={site}&from=2027-03-28&to=2027-03-28"), space).GetProperty("buckets"))
            .ShouldBe([("2027-03-28", 1380, 0, 0, "0.0000")]);
        Figures(SpaceOf(await ReportAsync(admin, $"siteId={site}&from=2027-10-31&to=2027-10-31"), space).GetProperty("buckets"))
            .ShouldBe([("2027-10-31", 1500, 300, 0, "0.2000")]);

        var hours = Figures(SpaceOf(await ReportAsync(admin, $"siteId={site}&from=2027-10-31&to=2027-10-31&by=hour-of-day"), space).GetProperty("buckets"));
        hours[1].ShouldBe(("01:00", 60, 60, 0, "1.0000"));
        hours[2].ShouldBe(("02:00", 120, 120, 0, "1.0000")); // the repeated hour
        hours[4].ShouldBe(("04:00", 60, 0, 0, "0.0000"));
        Figures(SpaceOf(await ReportAsync(admin, $"siteId={site}&from=2027-03-28&to=2027-03-28&by=hour-of-day"), space).GetProperty("buckets"))[2]
            .ShouldBe(("02:00", 0, 0, 0, "null")); // the hour that does not exist
    }

    [Fact]
    public async Task Asked_as_of_a_past_instant_the_report_is_byte_identical_after_later_bookings_cancellations_and_rebuilds()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var site = await SiteOfAsync(admin, space);
        var query = $"siteId={site}&from=2027-07-05&to=2027-07-11";
        await ReportAsync(admin, query); // the site's history is there
        await Task.Delay(50);
        var beforeBooking = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        var first = await BookedAsync(admin, space, organisation, "2027-07-05T10:00:00+02:00", "2027-07-05T12:00:00+02:00");
        // "Known" means settled by the projection daemon (ADR 14): wait until it has passed the booking.
        var head = await TestPostgres.ScalarAsync(app.ConnectionString, "select max(seq_id) from marten.mt_events");
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select coalesce(max(position), 0) from eventing.knowledge_horizon") >= head, "the knowledge horizon passes the booking");
        await Task.Delay(50);
        var asked = DateTimeOffset.UtcNow;

        var json = await BodyAsync(admin, $"{query}&asOf={Instant(asked)}");
        var csv = await BodyAsync(admin, $"{query}&asOf={Instant(asked)}&format=csv");
        var earlier = await ReportAsync(admin, $"{query}&asOf={Instant(beforeBooking)}");

        await BookedAsync(admin, space, organisation, "2027-07-06T10:00:00+02:00", "2027-07-06T16:00:00+02:00");
        await admin.SendAsync("POST", $"/api/bookings/{first}/cancel", new { reason = "verschoben" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);

        (await BodyAsync(admin, $"{query}&asOf={Instant(asked)}")).ShouldBe(json);
        (await BodyAsync(admin, $"{query}&asOf={Instant(asked)}&format=csv")).ShouldBe(csv);
        var then = JsonDocument.Parse(json).RootElement;
        then.GetProperty("position").GetInt64().ShouldBePositive();
        SpaceOf(then, space).GetProperty("total").GetProperty("bookedMinutes").GetInt64().ShouldBe(120);
        SpaceOf(earlier, space).GetProperty("total").GetProperty("bookedMinutes").GetInt64().ShouldBe(0);
        SpaceOf(await ReportAsync(admin, query), space).GetProperty("total").GetProperty("bookedMinutes").GetInt64().ShouldBe(360);
        csv.Split('\n')[0].ShouldBe("scope,spaceId,space,kind,places,bucket,openMinutes,bookedMinutes,unusedMinutes,utilisation");

        foreach (var projection in new[] { "bookings.report-bookings", "bookings.report-house", "eventing.knowledge-horizon" })
            (await admin.PostAsync($"/api/admin/projections/{projection}/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.ReachedAsync(async () =>
        {
            var status = (await (await admin.GetAsync("/api/admin/projections")).JsonAsync()).EnumerateArray()
                .Single(p => p.GetProperty("name").GetString() == "eventing.knowledge-horizon");
            return status.GetProperty("status").GetString() == "running" && status.GetProperty("eventsBehind").GetInt64() == 0;
        }, "the knowledge horizon has replayed the log");
        (await BodyAsync(admin, $"{query}&asOf={Instant(asked)}")).ShouldBe(json);
        (await BodyAsync(admin, $"{query}&asOf={Instant(asked)}&format=csv")).ShouldBe(csv);
    }

    [Fact]
    public async Task Csv_comes_with_format_csv_or_an_Accept_header_and_lists_the_site_after_its_spaces()
    {
        var (space, _) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var site = await SiteOfAsync(admin, space);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/reports/occupancy?siteId={site}&from=2026-10-25&to=2026-10-25");
        request.Headers.Accept.ParseAdd("text/csv");
        var response = await admin.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n');
        lines[1].ShouldStartWith($"space,{space},");
        lines[1].ShouldEndWith(",room,1,2026-10-25,1500,0,0,0.0000");
        lines[3].ShouldBe("site,,,,,2026-10-25,1500,0,0,0.0000");
        lines[5].ShouldBe("");
    }

    [Fact]
    public async Task Bad_parameters_are_400s_naming_them_and_an_unknown_site_is_404()
    {
        using var admin = app.AdminClient();
        var site = await _world.SiteAsync();
        foreach (var (query, field) in new[]
        {
            ("from=2027-01-01&to=2027-01-02", "siteId"),
            ($"siteId=nope&from=2027-01-01&to=2027-01-02", "siteId"),
            ($"siteId={site}&from=01.01.2027&to=2027-01-02", "from"),
            ($"siteId={site}&from=2027-01-02&to=2027-01-01", "to"),
            ($"siteId={site}&from=2027-01-01&to=2028-01-02", "to"),
            ($"siteId={site}&from=2027-01-01&to=2027-01-02&by=year", "by"),
            ($"siteId={site}&from=2027-01-01&to=2027-01-02&format=xml", "format"),
            ($"siteId={site}&from=2027-01-01&to=2027-01-02&asOf=yesterday", "asOf"),
            ($"siteId={site}&from=2027-01-01&to=2027-01-02&asOf={Instant(DateTimeOffset.UtcNow.AddHours(1))}", "asOf"),
        })
        {
            (await (await admin.GetAsync($"/api/reports/occupancy?{query}")).InvalidFieldsAsync()).ShouldBe([field], query);
        }
        await admin.GetAsync($"/api/reports/occupancy?siteId={Guid.NewGuid()}&from=2027-01-01&to=2027-01-02").ShouldHaveStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Admins_and_auditors_read_the_report_members_and_funders_may_not()
    {
        var site = await _world.SiteAsync();
        var url = $"/api/reports/occupancy?siteId={site}&from=2027-01-01&to=2027-01-02";
        await Eventually.ReachedAsync(async () => (await app.AdminClient().GetAsync(url)).StatusCode == HttpStatusCode.OK, "the site reaches the report");
        using var auditor = await app.ClientAsync(Roles.Auditor);
        using var member = await app.ClientAsync(Roles.Member);
        using var funder = await app.ClientAsync(Roles.Funder);
        using var anonymous = app.CreateClient();
        await auditor.GetAsync(url).ShouldHaveStatus(HttpStatusCode.OK);
        await member.GetAsync(url).ShouldHaveStatus(HttpStatusCode.Forbidden);
        await funder.GetAsync(url).ShouldHaveStatus(HttpStatusCode.Forbidden);
        await anonymous.GetAsync(url).ShouldHaveStatus(HttpStatusCode.Unauthorized);
    }

    private static async Task<string> BodyAsync(HttpClient client, string query) =>
        await (await SettledAsync(client, query)).Content.ReadAsStringAsync();

    /// <summary>
    /// The space's site, once the report lists the space: Bookings records the house's history for
    /// reports in a delivery of its own, which may come after the copies that bookings need.
    /// </summary>
    private static async Task<Guid> SiteOfAsync(HttpClient admin, Guid space)
    {
        var site = (await (await admin.GetAsync($"/api/spaces/{space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("siteId").GetGuid();
        await Eventually.ReachedAsync(async () =>
        {
            var response = await admin.GetAsync($"/api/reports/occupancy?siteId={site}&from=2027-01-01&to=2027-01-01");
            return response.StatusCode == HttpStatusCode.OK
                && (await response.JsonAsync()).GetProperty("spaces").EnumerateArray().Any(s => s.GetProperty("spaceId").GetGuid() == space);
        }, "the report lists the space");
        return site;
    }
}

/// <summary>A host whose projection daemon does not run: the knowledge horizon never passes anything.</summary>
public sealed class WithoutDaemonApp : AllmendeApp
{
    public WithoutDaemonApp() => With("Eventing:RunProjections", "false");
}

public sealed class UnsettledAsOfTests(WithoutDaemonApp app) : IClassFixture<WithoutDaemonApp>
{
    [Fact]
    public async Task As_of_an_instant_the_horizon_has_not_passed_is_409_not_yet_settled()
    {
        var site = await new BookingsWorld(app).SiteAsync();
        using var admin = app.AdminClient();
        var asOf = Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));

        var response = await admin.GetAsync($"/api/reports/occupancy?siteId={site}&from=2027-01-01&to=2027-01-02&asOf={asOf}")
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        (await response.JsonAsync()).GetProperty("rule").GetString().ShouldBe("not-yet-settled");
    }
}
