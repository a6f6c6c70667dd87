using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Reports.FundingReports.FundingReportsWorld;

namespace Allmende.Tests.Reports.FundingReports;

/// <summary>The funder report over HTTP on the real database: exact figures, Berlin period boundaries, JSON, CSV and HTML, access.</summary>
public sealed class FunderReportTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private readonly FundingReportsWorld _world = new(app);

    /// <summary>
    /// A grant paying all room hours at one site; two rooms (25 and 40 EUR an hour), two organisations.
    /// Q3 2027: 90 min in July (8 people), 120 min in August (12), 60 min ending at midnight on 30 September (5);
    /// a fourth hour starts at 00:00 on 1 October Berlin time (still 30 September in UTC): Q4's.
    /// </summary>
    private async Task<(Guid Grant, Guid Funder, Guid Site, Guid RoomA, Guid RoomB, Guid[] Organisations)> QuarterAsync(string grantName)
    {
        using var admin = app.AdminClient();
        var (site, first, second, roomA, roomB, funder, coverage) = await _world.TwoRoomsAsync(admin);
        var grant = await GrantAsync(admin, funder, grantName, 100_000, coverage);
        await _world.BookedAsync(admin, roomA, first, "2027-07-05T10:00:00+02:00", "2027-07-05T11:30:00+02:00", 8, "neighbourhood-culture");
        await _world.BookedAsync(admin, roomB, second, "2027-08-10T14:00:00+02:00", "2027-08-10T16:00:00+02:00", 12, "school-and-education");
        await _world.BookedAsync(admin, roomA, first, "2027-09-30T23:00:00+02:00", "2027-10-01T00:00:00+02:00", 5, "neighbourhood-culture");
        await _world.BookedAsync(admin, roomA, first, "2027-10-01T00:00:00+02:00", "2027-10-01T01:00:00+02:00", 4, "neighbourhood-culture");
        return (grant, funder, site, roomA, roomB, [first, second]);
    }

    private static List<(string, int, long, decimal, long)> Groups(JsonElement groups, string key) =>
        [.. groups.EnumerateArray().Select(g => (g.GetProperty(key).ToString(), g.GetProperty("bookings").GetInt32(), g.GetProperty("minutes").GetInt64(),
            g.GetProperty("hours").GetDecimal(), g.GetProperty("amountCents").GetInt64()))];

    [Fact]
    public async Task A_quarter_counts_what_the_grant_paid_per_action_field_site_and_space_to_the_cent_within_Berlin_days()
    {
        var (grant, funder, site, roomA, roomB, organisations) = await QuarterAsync("Stadtteilkultur 2027");
        using var admin = app.AdminClient();

        var report = await JsonAsync(admin, $"/api/funding/reports/grants/{grant}?period=quarter&from=2027-08-15");

        (report.GetProperty("period").GetString(), report.GetProperty("from").GetString(), report.GetProperty("to").GetString())
            .ShouldBe(("quarter", "2027-07-01", "2027-09-30"));
        report.GetProperty("funderId").GetGuid().ShouldBe(funder);
        report.GetProperty("grantName").GetString().ShouldBe("Stadtteilkultur 2027");
        report.GetProperty("asOf").ValueKind.ShouldBe(JsonValueKind.Null);
        (report.GetProperty("bookings").GetInt32(), report.GetProperty("minutes").GetInt64(), report.GetProperty("hours").GetDecimal(),
            report.GetProperty("organisations").GetInt32(), report.GetProperty("attendeesReached").GetInt64(), report.GetProperty("amountCents").GetInt64())
            .ShouldBe((3, 270L, 4.5m, 2, 25L, 14_250L)); // 3750 + 8000 + 2500
        Groups(report.GetProperty("byActionField"), "actionField").ShouldBe([
            ("neighbourhood-culture", 2, 150L, 2.5m, 6_250L), ("school-and-education", 1, 120L, 2m, 8_000L)]);
        Groups(report.GetProperty("bySite"), "siteId").ShouldBe([(site.ToString(), 3, 270L, 4.5m, 14_250L)]);
        Groups(report.GetProperty("bySpace"), "spaceId").OrderBy(g => g.Item5).ShouldBe([
            (roomA.ToString(), 2, 150L, 2.5m, 6_250L), (roomB.ToString(), 1, 120L, 2m, 8_000L)]);
        var budget = report.GetProperty("budget");
        (budget.GetProperty("budgetCents").GetInt64(), budget.GetProperty("allocatedInPeriodCents").GetInt64(),
            budget.GetProperty("usedToDateCents").GetInt64(), budget.GetProperty("remainingCents").GetInt64())
            .ShouldBe((100_000L, 14_250L, 16_750L, 83_250L));
        report.GetProperty("months").EnumerateArray().Select(m => (m.GetProperty("month").GetString(), m.GetProperty("remainingCents").GetInt64()))
            .ShouldBe([("2027-07", 96_250L), ("2027-08", 88_250L), ("2027-09", 85_750L)]);
        report.GetProperty("months")[1].GetProperty("minutesByActionField").EnumerateArray()
            .Select(f => (f.GetProperty("actionField").GetString(), f.GetProperty("minutes").GetInt64())).ShouldBe([("school-and-education", 120L)]);
        (report.GetProperty("deskFees").GetProperty("amountCents").GetInt64(), report.GetProperty("cooperativeShares").GetProperty("amountCents").GetInt64())
            .ShouldBe((0L, 0L));

        // The hour from midnight on 1 October (Berlin) is Q4's; 30 September's last hour is September's.
        var q4 = await JsonAsync(admin, $"/api/funding/reports/grants/{grant}?period=quarter&from=2027-11-15");
        (q4.GetProperty("from").GetString(), q4.GetProperty("to").GetString(), q4.GetProperty("minutes").GetInt64(), q4.GetProperty("amountCents").GetInt64())
            .ShouldBe(("2027-10-01", "2027-12-31", 60L, 2_500L));
        var september = await JsonAsync(admin, $"/api/funding/reports/grants/{grant}?period=month&from=2027-09-30");
        (september.GetProperty("from").GetString(), september.GetProperty("bookings").GetInt32(), september.GetProperty("attendeesReached").GetInt64())
            .ShouldBe(("2027-09-01", 1, 5L));
        var custom = await JsonAsync(admin, $"/api/funding/reports/grants/{grant}?period=custom&from=2027-07-06&to=2027-09-30");
        (custom.GetProperty("bookings").GetInt32(), custom.GetProperty("amountCents").GetInt64(), custom.GetProperty("organisations").GetInt32())
            .ShouldBe((2, 10_500L, 2));
        var year = await JsonAsync(admin, $"/api/funding/reports/grants/{grant}?period=year&from=2027-01-01");
        (year.GetProperty("bookings").GetInt32(), year.GetProperty("amountCents").GetInt64(), year.GetProperty("months").GetArrayLength())
            .ShouldBe((4, 16_750L, 12));
        organisations.Length.ShouldBe(2);
    }

    [Fact]
    public async Task Csv_lists_one_figure_a_row_and_the_printable_page_escapes_the_grant_name_and_draws_both_charts()
    {
        var (grant, _, _, _, _, _) = await QuarterAsync("Nachbarschaft <b>&");
        using var admin = app.AdminClient();

        var csvResponse = await admin.GetAsync($"/api/funding/reports/grants/{grant}?period=quarter&from=2027-07-01&format=csv").ShouldHaveStatus(HttpStatusCode.OK);
        csvResponse.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var lines = (await csvResponse.Content.ReadAsStringAsync()).Split('\n');
        lines[0].ShouldBe("section,key,measure,value");
        lines[1].ShouldBe($"grant,{grant},name,Nachbarschaft <b>&");
        lines.ShouldContain("total,,bookings,3");
        lines.ShouldContain("total,,amountCents,14250");
        lines.ShouldContain("action-field,neighbourhood-culture,minutes,150");
        lines.ShouldContain("action-field,school-and-education,amountCents,8000");
        lines.ShouldContain("budget,,remainingCents,83250");
        lines.ShouldContain("month,2027-09,remainingCents,85750");
        lines[^1].ShouldBe("");

        var htmlResponse = await admin.GetAsync($"/api/funding/reports/grants/{grant}?period=quarter&from=2027-07-01&format=html").ShouldHaveStatus(HttpStatusCode.OK);
        htmlResponse.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var html = await htmlResponse.Content.ReadAsStringAsync();
        html.ShouldStartWith("<!DOCTYPE html>");
        html.ShouldContain("<h1>Nachbarschaft &lt;b&gt;&amp;</h1>");
        html.ShouldNotContain("<b>");
        html.ShouldContain("@media print");
        html.ShouldContain("<svg id=\"hours-per-month\"");
        html.ShouldContain("<svg id=\"budget-burn-down\"");
        html.ShouldContain("<polyline");
        html.ShouldContain("<title>August 2027 – Schule und Bildung: 2,0 h</title>");
        html.ShouldContain("<title>September 2027: 857,50 €</title>");
        html.ShouldNotContain("src=");
        html.ShouldNotContain("href=");
    }

    [Fact]
    public async Task The_report_to_file_names_the_funder_grant_sites_spaces_and_organisations_in_German_with_de_DE_numbers()
    {
        var (grant, funder, site, roomA, roomB, organisations) = await QuarterAsync("Engagement-Etage 2027");
        using var admin = app.AdminClient();
        async Task<string> NameOf(string url) => (await JsonAsync(admin, url)).GetProperty("name").GetString()!;
        var (siteName, roomAName, roomBName) = (await NameOf($"/api/sites/{site}"), await NameOf($"/api/spaces/{roomA}"), await NameOf($"/api/spaces/{roomB}"));
        var (firstName, secondName) = (await NameOf($"/api/organisations/{organisations[0]}"), await NameOf($"/api/organisations/{organisations[1]}"));
        var url = $"/api/funding/reports/grants/{grant}?period=quarter&from=2027-07-01";
        // Funding's copy of the site's name travels apart from the bookings: wait for it.
        await Eventually.ReachedAsync(async () => (await JsonAsync(admin, url)).GetProperty("bySite")[0].GetProperty("name").GetString() == siteName,
            "Funding knows the site's name");

        var before = DateTimeOffset.UtcNow;
        var report = await JsonAsync(admin, url);
        report.GetProperty("funderName").GetString().ShouldBe("Stiftung Nachbarschaft");
        report.GetProperty("madeAt").GetDateTimeOffset().ShouldBeInRange(before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        report.GetProperty("byOrganisation").EnumerateArray().Select(o => (o.GetProperty("organisationId").GetGuid(), o.GetProperty("name").GetString()!,
                o.GetProperty("bookings").GetInt32(), o.GetProperty("minutes").GetInt64(), o.GetProperty("hours").GetDecimal(), o.GetProperty("amountCents").GetInt64()))
            .ToList().ShouldBe([.. new[] { (organisations[0], firstName, 2, 150L, 2.5m, 6_250L), (organisations[1], secondName, 1, 120L, 2m, 8_000L) }
                .OrderBy(o => o.Item2, StringComparer.Ordinal).ThenBy(o => o.Item1)]);
        report.GetProperty("byActionField").EnumerateArray().Select(f => (f.GetProperty("actionField").GetString(), f.GetProperty("label").GetString()))
            .ShouldBe([("neighbourhood-culture", "Stadtteilkultur"), ("school-and-education", "Schule und Bildung")]);
        report.GetProperty("bySpace").EnumerateArray().Select(f => (f.GetProperty("spaceId").GetGuid(), f.GetProperty("name").GetString()!))
            .OrderBy(f => f.Item2, StringComparer.Ordinal).ToList()
            .ShouldBe([.. new[] { (roomA, roomAName), (roomB, roomBName) }.OrderBy(f => f.Item2, StringComparer.Ordinal)]);

        var html = await BodyAsync(admin, $"{url}&format=html");
        foreach (var expected in new[]
        {
            "<h1>Engagement-Etage 2027</h1>", "<dt>Fördermittelgeber</dt><dd>Stiftung Nachbarschaft</dd>", "<dd>01.07.2027 – 30.09.2027 (Quartal)</dd>",
            "<dt>Erstellt am</dt>", "<th>Gefördert im Zeitraum</th><td class=\"n\">142,50 €</td>", "<th>Stunden</th><td class=\"n\">4,5 h</td>",
            "<th>Budget</th><td class=\"n\">1.000,00 €</td>", "<h2>Geförderte Organisationen</h2>", "Stadtteilkultur", "Schule und Bildung",
            "@page { size: A4", "section + section { break-before: page; }",
        })
            html.ShouldContain(expected);
        foreach (var name in new[] { siteName, roomAName, roomBName, firstName, secondName })
            html.ShouldContain(System.Net.WebUtility.HtmlEncode(name));
        foreach (var code in new[] { "neighbourhood-culture", "school-and-education", site.ToString(), roomA.ToString(), organisations[0].ToString(), "14250", "4.50" })
            html.ShouldNotContain(code);

        var csv = (await BodyAsync(admin, $"{url}&format=csv")).Split('\n');
        csv.ShouldContain($"funder,{funder},name,Stiftung Nachbarschaft");
        csv.ShouldContain("action-field,neighbourhood-culture,label,Stadtteilkultur");
        csv.ShouldContain($"site,{site},name,{siteName}");
        csv.ShouldContain($"space,{roomB},name,{roomBName}");
        csv.ShouldContain($"organisation,{organisations[1]},name,{secondName}");
        csv.ShouldContain($"organisation,{organisations[1]},amountCents,8000");
        csv.ShouldContain("usage-fees,,amountCents,0");
        csv.ShouldContain(csv.Single(l => l.StartsWith("report,,madeAt,", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_funder_reads_its_own_grants_report_and_gets_404_for_another_funders()
    {
        using var admin = app.AdminClient();
        var mine = await FunderAsync(admin, "Stiftung A");
        var theirs = await FunderAsync(admin, "Stiftung B");
        // Grants of a site nobody books at: they must not take a share of the other tests' bookings.
        var nowhere = new { siteIds = new[] { Guid.NewGuid() }, costTypes = new[] { "room-hours" } };
        var myGrant = await GrantAsync(admin, mine, "A", 10_000, nowhere);
        var theirGrant = await GrantAsync(admin, theirs, "B", 10_000, nowhere);
        using var funder = await app.ClientAsync(Roles.Funder, funderId: mine);
        using var auditor = await app.ClientAsync(Roles.Auditor);
        using var member = await app.ClientAsync(Roles.Member);
        using var anonymous = app.CreateClient();
        const string query = "period=month&from=2027-07-01";

        await funder.GetAsync($"/api/funding/reports/grants/{myGrant}?{query}").ShouldHaveStatus(HttpStatusCode.OK);
        await funder.GetAsync($"/api/funding/reports/grants/{myGrant}?{query}&format=html").ShouldHaveStatus(HttpStatusCode.OK);
        await funder.GetAsync($"/api/funding/reports/grants/{theirGrant}?{query}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await funder.GetAsync($"/api/funding/reports/grants/{theirGrant}?{query}&format=csv").ShouldHaveStatus(HttpStatusCode.NotFound);
        await auditor.GetAsync($"/api/funding/reports/grants/{theirGrant}?{query}").ShouldHaveStatus(HttpStatusCode.OK);
        await member.GetAsync($"/api/funding/reports/grants/{myGrant}?{query}").ShouldHaveStatus(HttpStatusCode.Forbidden);
        await anonymous.GetAsync($"/api/funding/reports/grants/{myGrant}?{query}").ShouldHaveStatus(HttpStatusCode.Unauthorized);
        await admin.GetAsync($"/api/funding/reports/grants/{Guid.NewGuid()}?{query}").ShouldHaveStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_parameters_are_400s_naming_them()
    {
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var grant = await GrantAsync(admin, funder, "G", 10_000, new { siteIds = new[] { Guid.NewGuid() }, costTypes = new[] { "room-hours" } });
        foreach (var (query, field) in new[]
        {
            ("from=2027-07-01", "period"),
            ("period=week&from=2027-07-01", "period"),
            ("period=month", "from"),
            ("period=month&from=01.07.2027", "from"),
            ("period=month&from=2027-07-01&to=2027-07-31", "to"),
            ("period=custom&from=2027-07-01", "to"),
            ("period=custom&from=2027-07-02&to=2027-07-01", "to"),
            ("period=custom&from=2027-07-01&to=2040-07-01", "to"),
            ("period=month&from=2027-07-01&format=pdf", "format"),
            ("period=month&from=2027-07-01&asOf=yesterday", "asOf"),
            ($"period=month&from=2027-07-01&asOf={Instant(DateTimeOffset.UtcNow.AddHours(1))}", "asOf"),
        })
        {
            (await (await admin.GetAsync($"/api/funding/reports/grants/{grant}?{query}")).InvalidFieldsAsync()).ShouldBe([field], query);
        }
    }
}
