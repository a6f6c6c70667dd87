using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Funding;

/// <summary>
/// Money lands only on grants that cover it, and staff can put it right (ADR 12): share payments stay off
/// grants limited to a house; a cost re-allocated to another grant (reversal and new allocation, with a
/// reason, If-Match); a budget increase lists the costs that fell through, and staff re-allocate them.
/// </summary>
public sealed class MoneyOnTheRightGrantTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private static Task<Guid> IdOf(HttpResponseMessage created) => GrantedRooms.IdOf(created);

    private static async Task<Guid> FunderAsync(HttpClient admin) =>
        await IdOf(await admin.SendAsync("POST", "/api/funding/funders", new
        {
            name = "Sozialbehörde Musterstadt", kind = "public-authority", contact = new { office = "Referat Engagement" }, reportingPeriod = "quarterly",
        }).ShouldHaveStatus(HttpStatusCode.Created));

    private static async Task<Guid> GrantAsync(HttpClient admin, Guid funder, string name, long budget, int priority, object coverage) =>
        await IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name, reference = $"REF-{Guid.NewGuid():N}"[..12], budgetCents = budget,
            startsOn = "2027-01-01", endsOn = "2031-12-31", coverage, priority,
        }).ShouldHaveStatus(HttpStatusCode.Created));

    private static async Task<JsonElement[]> AllocationsAsync(HttpClient client, string query) =>
        [.. (await (await client.GetAsync($"/api/funding/allocations?{query}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync())
            .GetProperty("items").EnumerateArray()];

    private static (string Payer, Guid? Grant, string Rule, long Amount, string Status, string? Reason) Row(JsonElement a) =>
        (a.GetProperty("payer").GetString()!, a.GetProperty("grantId").ValueKind == JsonValueKind.Null ? null : a.GetProperty("grantId").GetGuid(),
            a.GetProperty("rule").GetString()!, a.GetProperty("amountCents").GetInt64(), a.GetProperty("status").GetString()!,
            a.GetProperty("reversalReason").GetString());

    private static async Task<long> UsedAsync(HttpClient admin, Guid grant) =>
        (await (await admin.GetAsync($"/api/funding/grants/{grant}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("usedCents").GetInt64();

    [Fact]
    public async Task A_share_payment_is_never_paid_by_a_grant_limited_to_a_house_but_by_one_not_limited_by_place()
    {
        var (_, site, organisation) = await new GrantedRooms(app).RoomWithRateAsync(0);
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var house = await GrantAsync(admin, funder, "Etage im Haus", 100_000_000, 1, new { siteIds = new[] { site }, costTypes = new[] { "cooperative-shares" } });
        var shares = await GrantAsync(admin, funder, "Genossenschaftsanteile", 100_000_000, 2,
            new { organisationIds = new[] { organisation }, costTypes = new[] { "cooperative-shares" } });

        var work = app.Store.Begin(EventMetadata.System);
        work.Publish(new Allmende.Membership.Contracts.CooperativeSharePaymentRecorded(organisation, new DateOnly(2027, 2, 1), 5_000_000, 5_000_000, 10_000_000));
        await work.CommitAsync();

        await Eventually.ReachedAsync(async () => (await AllocationsAsync(admin, $"sourceId={organisation}")).Length > 0, "the share payment is allocated");
        (await AllocationsAsync(admin, $"sourceId={organisation}")).Select(Row).ShouldBe([("grant", shares, "share", 5_000_000L, "spent", null)]);
        (await UsedAsync(admin, house), await UsedAsync(admin, shares)).ShouldBe((0L, 5_000_000L));
    }

    [Fact]
    public async Task Staff_move_a_cost_to_another_grant_as_a_reversal_and_a_new_allocation_with_their_reason()
    {
        var (space, site, organisation) = await new GrantedRooms(app).RoomWithRateAsync(2_500);
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var coverage = new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } };
        var first = await GrantAsync(admin, funder, "Erster Topf", 1_000_000, 1, coverage);
        var second = await GrantAsync(admin, funder, "Zweiter Topf", 1_000_000, 2, coverage);
        var elsewhere = await GrantAsync(admin, funder, "Anderes Haus", 1_000_000, 3, new { siteIds = new[] { Guid.NewGuid() }, costTypes = new[] { "room-hours" } });
        var start = FutureHour(120);
        var booking = await IdOf(await BookAsync(admin, space, organisation, start, start.AddMinutes(90)).ShouldHaveStatus(HttpStatusCode.Created));
        await new GrantedRooms(app).AllocatedAsync(booking);
        var allocated = (await AllocationsAsync(admin, $"sourceId={booking}")).Single();
        Row(allocated).ShouldBe(("grant", first, "share", 3_750L, "committed", null));
        var costId = allocated.GetProperty("costId").GetString();
        costId.ShouldBe($"booking-cost-{booking}");
        var url = $"/api/funding/costs/{costId}/reallocation";
        var cost = await admin.GetAsync($"/api/funding/costs/{costId}").ShouldHaveStatus(HttpStatusCode.OK);

        await admin.SendAsync("POST", url, new { reason = "falscher Topf", grantId = second }).ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("POST", url, new { reason = "falscher Topf", grantId = second }, "\"1\"").ShouldHaveStatus(HttpStatusCode.Conflict);
        (await (await admin.SendAsync("POST", url, new { reason = "falsches Haus", grantId = elsewhere }, cost.ETag())).RuleAsync()).ShouldBe("not-covered");
        (await (await admin.SendAsync("POST", url, new { grantId = second }, cost.ETag())).InvalidFieldsAsync()).ShouldBe(["reason"]);
        await admin.GetAsync("/api/funding/costs/grant-" + first).ShouldHaveStatus(HttpStatusCode.NotFound);

        var moved = await admin.SendAsync("POST", url, new { reason = "falscher Topf", grantId = second }, cost.ETag()).ShouldHaveStatus(HttpStatusCode.OK);

        var body = await moved.JsonAsync();
        body.GetProperty("allocations").EnumerateArray().Select(a => (a.GetProperty("grantId").GetGuid(), a.GetProperty("amountCents").GetInt64()))
            .ShouldBe([(second, 3_750L)]);
        (await AllocationsAsync(admin, $"sourceId={booking}&includeReversed=true")).Select(Row).OrderBy(r => r.Status).ShouldBe([
            ("grant", second, "share", 3_750L, "committed", null),
            ("grant", first, "share", 3_750L, "reversed", "falscher Topf"),
        ]);
        (await UsedAsync(admin, first), await UsedAsync(admin, second)).ShouldBe((0L, 3_750L));
        (await TestPostgres.ScalarAsync(app.ConnectionString, """
            select count(*) from marten.mt_events where stream_id = $1 and type in ('funding.cost.reallocated', 'funding.cost.allocation-reversed')
            """, costId!)).ShouldBe(2);
        // The same version again is stale now.
        await admin.SendAsync("POST", url, new { reason = "noch einmal" }, cost.ETag()).ShouldHaveStatus(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task After_a_budget_increase_the_grant_lists_the_costs_that_fell_through_and_staff_re_allocate_them()
    {
        var (space, site, organisation) = await new GrantedRooms(app).RoomWithRateAsync(2_500);
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var grant = await GrantAsync(admin, funder, "Kleiner Topf", 1_000, 1, new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } });
        var start = FutureHour(130);
        var booking = await IdOf(await BookAsync(admin, space, organisation, start, start.AddMinutes(90)).ShouldHaveStatus(HttpStatusCode.Created));
        await new GrantedRooms(app).AllocatedAsync(booking);
        (await AllocationsAsync(admin, $"sourceId={booking}")).Select(Row).OrderBy(r => r.Payer).ShouldBe([
            ("grant", grant, "budget", 1_000L, "committed", null), ("organisation", null, "budget-exhausted", 2_750L, "committed", null)]);

        await admin.SendAsync("POST", $"/api/funding/grants/{grant}/budget-increases", new { amountCents = 10_000, reason = "Aufstockung" },
            (await admin.GetAsync($"/api/funding/grants/{grant}")).ETag()).ShouldHaveStatus(HttpStatusCode.OK);

        // Nothing moves by itself: the grant offers the cost, and staff decide.
        (await AllocationsAsync(admin, $"sourceId={booking}")).Length.ShouldBe(2);
        var offered = (await (await admin.GetAsync($"/api/funding/grants/{grant}/fallen-through").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync())
            .EnumerateArray().Select(c => (c.GetProperty("costId").GetString(), c.GetProperty("sourceId").GetGuid(), c.GetProperty("costCents").GetInt64(),
                c.GetProperty("fallenThroughCents").GetInt64())).ToList();
        offered.ShouldBe([($"booking-cost-{booking}", booking, 3_750L, 2_750L)]);

        var cost = await admin.GetAsync($"/api/funding/costs/booking-cost-{booking}").ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("POST", $"/api/funding/costs/booking-cost-{booking}/reallocation", new { reason = "Budget aufgestockt" }, cost.ETag())
            .ShouldHaveStatus(HttpStatusCode.OK);

        (await AllocationsAsync(admin, $"sourceId={booking}")).Select(Row).ShouldBe([("grant", grant, "share", 3_750L, "committed", null)]);
        (await UsedAsync(admin, grant)).ShouldBe(3_750L);
        (await (await admin.GetAsync($"/api/funding/grants/{grant}/fallen-through")).JsonAsync()).GetArrayLength().ShouldBe(0);
    }
}
