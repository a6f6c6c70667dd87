using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Funding.Recurring;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Funding;

/// <summary>A usage agreement (the city pays the floor's monthly fee) through the API: made, amended, charged once a month in arrears, on the grant of that floor.</summary>
public sealed class UsageAgreementTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private static Task<Guid> IdOf(HttpResponseMessage created) => GrantedRooms.IdOf(created);

    [Fact]
    public async Task A_floors_monthly_fee_is_charged_once_per_month_pro_rata_to_the_grant_that_covers_all_its_spaces()
    {
        var (roomA, site, city) = await new GrantedRooms(app).RoomWithRateAsync(1_500);
        using var admin = app.AdminClient();
        var roomB = await IdOf(await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId = site, name = $"Gruppenraum {Guid.NewGuid():N}"[..20], kind = "room", capacity = 10, rates = new { hourlyRateCents = 1_500, monthlyDeskFeeCents = 0 },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from funding.spaces where space_id = $1", roomB) == 1, "Funding knows the second room");
        var funder = await IdOf(await admin.SendAsync("POST", "/api/funding/funders", new
        {
            name = "Sozialbehörde Musterstadt", kind = "public-authority", contact = new { office = "Referat Engagement" },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        async Task<Guid> Grant(string name, int priority, object coverage) => await IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name, reference = $"REF-{Guid.NewGuid():N}"[..12], budgetCents = 100_000_000, startsOn = "2027-01-01", endsOn = "2031-12-31",
            coverage, priority,
        }).ShouldHaveStatus(HttpStatusCode.Created));
        // The one-room grant goes first but covers only part of the floor: it pays none of the floor's fee.
        var oneRoom = await Grant("Nur Raum A", 0, new { spaceIds = new[] { roomA }, costTypes = new[] { "usage-fees" } });
        var floor = await Grant("Engagement-Etage", 1, new { siteIds = new[] { site }, costTypes = new[] { "usage-fees" } });

        (await (await admin.SendAsync("POST", "/api/funding/usage-agreements", new { organisationId = city, spaceIds = new[] { Guid.NewGuid() }, from = "2027-03-10",
            monthlyFeeCents = 600_000 })).InvalidFieldsAsync()).Order().ShouldBe(["name"]);
        (await (await admin.SendAsync("POST", "/api/funding/usage-agreements", new { organisationId = city, name = "Etage", spaceIds = new[] { Guid.NewGuid() },
            from = "2027-03-10", monthlyFeeCents = 600_000 })).InvalidFieldsAsync()).ShouldBe(["spaceIds"]);
        var made = await admin.SendAsync("POST", "/api/funding/usage-agreements", new
        {
            organisationId = city, name = "Engagement-Etage", spaceIds = new[] { roomA, roomB }, from = "2027-03-10", monthlyFeeCents = 600_000,
        }).ShouldHaveStatus(HttpStatusCode.Created);
        var agreement = await IdOf(made);
        var url = $"/api/funding/usage-agreements/{agreement}";

        var thisMonth = DateTime.UtcNow;
        var ended = new DateOnly(thisMonth.Year, thisMonth.Month, 1).AddMonths(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await admin.SendAsync("POST", $"{url}/amendments", new { effectiveFrom = "2027-05-01", monthlyFeeCents = 620_000, reason = "Index" })
            .ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("POST", $"{url}/amendments", new { effectiveFrom = "2027-05-01", monthlyFeeCents = 620_000, reason = "Index" }, "\"7\"")
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        (await (await admin.SendAsync("POST", $"{url}/amendments", new { effectiveFrom = ended, monthlyFeeCents = 620_000, reason = "rückwirkend" }, made.ETag()))
            .RuleAsync()).ShouldBe("month-charged");
        (await (await admin.SendAsync("POST", $"{url}/amendments", new { effectiveFrom = "2027-05-02", monthlyFeeCents = 620_000, reason = "Index" }, made.ETag()))
            .InvalidFieldsAsync()).ShouldBe(["effectiveFrom"]);
        var amended = await admin.SendAsync("POST", $"{url}/amendments", new { effectiveFrom = "2027-05-01", monthlyFeeCents = 620_000, reason = "Index" },
            made.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        var terms = (await amended.JsonAsync()).GetProperty("terms").EnumerateArray()
            .Select(t => (t.GetProperty("effectiveFrom").GetString(), t.GetProperty("monthlyFeeCents").GetInt64(), t.GetProperty("spaceIds").GetArrayLength())).ToList();
        terms.ShouldBe([("2027-03-01", 600_000L, 2), ("2027-05-01", 620_000L, 2)]);
        var listed = (await (await admin.GetAsync($"/api/funding/usage-agreements?organisationId={city}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync())
            .GetProperty("items").EnumerateArray().Select(a => (a.GetProperty("id").GetGuid(), a.GetProperty("name").GetString(), a.GetProperty("siteId").GetGuid(),
                a.GetProperty("from").GetString(), a.GetProperty("monthlyFeeCents").GetInt64())).ToList();
        listed.ShouldBe([(agreement, "Engagement-Etage", site, "2027-03-10", 620_000L)]);

        var march = new DateOnly(2027, 3, 1);
        for (var fired = 0; fired < 2; fired++)
        {
            var due = app.Store.Begin(EventMetadata.System);
            due.Schedule(new MonthEnded(march), DateTimeOffset.UtcNow);
            await due.CommitAsync();
        }
        await Eventually.ReachedAsync(async () =>
            await WolverineEnvelopes.HandledAsync(app.DataSource, "funding.usage-fee-due", "agreementId", agreement) == 2, "both usage fees due are handled");

        var allocations = (await (await admin.GetAsync($"/api/funding/allocations?sourceId={agreement}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync())
            .GetProperty("items").EnumerateArray().Select(a => (a.GetProperty("grantId").GetGuid(), a.GetProperty("costType").GetString(),
                a.GetProperty("month").GetString(), a.GetProperty("deskDays").GetInt32(), a.GetProperty("amountCents").GetInt64(), a.GetProperty("status").GetString()))
            .ToList();
        allocations.ShouldBe([(floor, "usage-fees", "2027-03", 22, 425_806L, "spent")]); // 600000 × 22 / 31 days, half up
        (await (await admin.GetAsync($"/api/funding/grants/{oneRoom}")).JsonAsync()).GetProperty("usedCents").GetInt64().ShouldBe(0);

        var statement = await (await admin.GetAsync($"/api/funding/statements/{city}?month=2027-03").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        var item = statement.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("sourceKind").GetString() == "usage-agreement");
        (item.GetProperty("sourceId").GetGuid(), item.GetProperty("costType").GetString(), item.GetProperty("siteId").GetGuid(),
            string.Join(" ", item.GetProperty("spaceIds").EnumerateArray().Select(s => s.GetGuid()).Order()), item.GetProperty("costCents").GetInt64(),
            item.GetProperty("paidBy").EnumerateArray().Select(p => (p.GetProperty("grantId").GetGuid(), p.GetProperty("amountCents").GetInt64())).Single())
            .ShouldBe((agreement, "usage-fees", site, string.Join(" ", new[] { roomA, roomB }.Order()), 425_806L, (floor, 425_806L)));

        // The grant's report for March counts the fee, at the floor's site and for the city.
        var report = await (await admin.GetAsync($"/api/funding/reports/grants/{floor}?period=month&from=2027-03-01").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (report.GetProperty("usageFees").GetProperty("fees").GetInt32(), report.GetProperty("usageFees").GetProperty("amountCents").GetInt64(),
            report.GetProperty("amountCents").GetInt64(), report.GetProperty("bySite")[0].GetProperty("siteId").GetGuid(),
            report.GetProperty("bySite")[0].GetProperty("amountCents").GetInt64(), report.GetProperty("byOrganisation")[0].GetProperty("organisationId").GetGuid(),
            report.GetProperty("byOrganisation")[0].GetProperty("amountCents").GetInt64())
            .ShouldBe((1, 425_806L, 425_806L, site, 425_806L, city, 425_806L));

        var end = await admin.SendAsync("POST", $"{url}/end", new { until = "2027-02-01", reason = "zu früh" }, amended.ETag());
        (await end.RuleAsync()).ShouldBe("before-start");
        var endedNow = await admin.SendAsync("POST", $"{url}/end", new { until = "2027-06-15", reason = "Umzug" }, amended.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        (await endedNow.JsonAsync()).GetProperty("until").GetString().ShouldBe("2027-06-15");
    }
}
