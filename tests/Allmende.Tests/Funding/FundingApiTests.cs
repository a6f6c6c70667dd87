using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Funding.Recurring;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Microsoft.Extensions.DependencyInjection;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Funding;

/// <summary>Funders, grants and allocations through the API and the message bus, on a real PostgreSQL.</summary>
public sealed class FundingApiTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private readonly BookingsWorld _world = new(app);

    private static async Task<Guid> IdOf(HttpResponseMessage created) => (await created.JsonAsync()).GetProperty("id").GetGuid();

    private static async Task<Guid> FunderAsync(HttpClient admin, string name = "Sozialbehörde Musterstadt") =>
        await IdOf(await admin.SendAsync("POST", "/api/funding/funders", new
        {
            name, kind = "public-authority", contact = new { office = "Referat Engagement", email = "engagement@stadt.example" }, reportingPeriod = "quarterly",
        }).ShouldHaveStatus(HttpStatusCode.Created));

    private static async Task<Guid> GrantAsync(HttpClient admin, Guid funder, long budget, int priority, object coverage, int share = 10_000, long? cap = null) =>
        await IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name = $"Grant {priority}", reference = $"REF-{Guid.NewGuid():N}"[..12], budgetCents = budget,
            startsOn = "2027-01-01", endsOn = "2031-12-31", coverage, shareBasisPoints = share, priority, capPerOrganisationMonthCents = cap,
        }).ShouldHaveStatus(HttpStatusCode.Created));

    /// <summary>A room with an hourly rate at a new site, an organisation, both known to Bookings and Funding.</summary>
    private Task<(Guid Space, Guid Site, Guid Organisation)> RoomWithRateAsync(long hourlyRateCents) => new GrantedRooms(app).RoomWithRateAsync(hourlyRateCents);

    private static async Task<JsonElement[]> AllocationsAsync(HttpClient client, string query) =>
        [.. (await (await client.GetAsync($"/api/funding/allocations?{query}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync())
            .GetProperty("items").EnumerateArray()];

    private static async Task<JsonElement[]> WhenAllocatedAsync(HttpClient client, string query, int count, string what)
    {
        await Eventually.ReachedAsync(async () => (await AllocationsAsync(client, query)).Length == count, what);
        return await AllocationsAsync(client, query);
    }

    private static (string Payer, Guid? Grant, string Rule, long Amount) Row(JsonElement a) =>
        (a.GetProperty("payer").GetString()!, a.GetProperty("grantId").ValueKind == JsonValueKind.Null ? null : a.GetProperty("grantId").GetGuid(),
            a.GetProperty("rule").GetString()!, a.GetProperty("amountCents").GetInt64());

    [Fact]
    public async Task A_confirmed_booking_is_allocated_and_its_cancellation_reverses_it()
    {
        var (space, site, organisation) = await RoomWithRateAsync(2_500);
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var grant = await GrantAsync(admin, funder, 1_000_000, 1, new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } }, share: 5_000);

        var start = FutureHour(100);
        var booking = await IdOf(await BookAsync(admin, space, organisation, start, start.AddMinutes(90)).ShouldHaveStatus(HttpStatusCode.Created));

        // 90 minutes at 25 EUR: 3750 cents, half of it from the grant, the rest the organisation's own share.
        var allocated = await WhenAllocatedAsync(admin, $"sourceId={booking}", 2, "the booking is allocated");
        allocated.Select(Row).OrderBy(r => r.Payer).ShouldBe([
            ("grant", grant, "share", 1_875L),
            ("organisation", null, "not-covered", 1_875L),
        ]);
        allocated.ShouldAllBe(a => a.GetProperty("status").GetString() == "committed" && a.GetProperty("month").GetString() == "2027-09");
        var published = await app.AllPublishedAsync<Allmende.Funding.Contracts.CostAllocated>("funding.cost-allocated", "sourceId", booking);
        published.Select(p => (p.Payer, p.AmountCents, p.SpaceId, p.Minutes)).Order().ShouldBe([("grant", 1_875L, (Guid?)space, 90), ("organisation", 1_875L, space, 90)]);

        var statement = await (await admin.GetAsync($"/api/funding/statements/{organisation}?month=2027-09").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (statement.GetProperty("totalCents").GetInt64(), statement.GetProperty("grantsCents").GetInt64(), statement.GetProperty("ownShareCents").GetInt64())
            .ShouldBe((3_750L, 1_875L, 1_875L));

        var etag = SpacesHttp.ETag(await admin.GetAsync($"/api/bookings/{booking}"));
        await admin.SendAsync("POST", $"/api/bookings/{booking}/cancel", new { reason = "Referentin krank" }, etag).ShouldHaveStatus(HttpStatusCode.OK);

        await WhenAllocatedAsync(admin, $"sourceId={booking}", 0, "the allocations are reversed");
        var reversed = await AllocationsAsync(admin, $"sourceId={booking}&includeReversed=true");
        reversed.ShouldAllBe(a => a.GetProperty("status").GetString() == "reversed" && a.GetProperty("reversalReason").GetString() == "cancelled");
        var grantNow = await (await admin.GetAsync($"/api/funding/grants/{grant}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        grantNow.GetProperty("usedCents").GetInt64().ShouldBe(0);
        (await app.AllPublishedAsync<Allmende.Funding.Contracts.AllocationReversed>("funding.allocation-reversed", "sourceId", booking)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_grant_exhausted_mid_month_lets_the_rest_fall_through_to_the_next_grant_and_then_to_the_organisation()
    {
        var (space, site, organisation) = await RoomWithRateAsync(6_000);
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var coverage = new { spaceIds = new[] { space }, costTypes = new[] { "room-hours" } };
        var first = await GrantAsync(admin, funder, 10_000, 1, coverage);
        var second = await GrantAsync(admin, funder, 5_000, 2, coverage);

        // Three two-hour bookings of 120 EUR each in one month: 100 from the first, 50 from the second, 210 the organisation's.
        var bookings = new List<Guid>();
        for (var day = 0; day < 3; day++)
        {
            var start = FutureHour(110 + day);
            bookings.Add(await IdOf(await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)));
            await Eventually.ReachedAsync(async () => (await AllocationsAsync(admin, $"sourceId={bookings[^1]}")).Length > 0, "allocated in turn");
        }

        var all = bookings.SelectMany(b => AllocationsAsync(admin, $"sourceId={b}").Result).ToList();
        all.Sum(a => a.GetProperty("amountCents").GetInt64()).ShouldBe(36_000);
        all.Where(a => Row(a).Grant == first).Sum(a => a.GetProperty("amountCents").GetInt64()).ShouldBe(10_000);
        all.Where(a => Row(a).Grant == second).Sum(a => a.GetProperty("amountCents").GetInt64()).ShouldBe(5_000);
        all.Where(a => Row(a).Rule == "budget-exhausted").Sum(a => a.GetProperty("amountCents").GetInt64()).ShouldBe(21_000);

        var fallen = await (await admin.GetAsync($"/api/funding/fallen-through?organisationId={organisation}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        fallen.GetProperty("items").EnumerateArray().Sum(a => a.GetProperty("amountCents").GetInt64()).ShouldBe(21_000);
        var budget = await (await admin.GetAsync($"/api/funding/grants/{first}/budget?from=2027-09&to=2027-09").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (budget.GetProperty("committedCents").GetInt64(), budget.GetProperty("remainingCents").GetInt64()).ShouldBe((10_000L, 0L));
        budget.GetProperty("warnings").EnumerateArray().Select(w => w.GetProperty("thresholdPercent").GetInt32()).ShouldBe([80, 100]);
        var statement = await (await admin.GetAsync($"/api/funding/statements/{organisation}?month=2027-09").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (statement.GetProperty("totalCents").GetInt64(), statement.GetProperty("grantsCents").GetInt64(), statement.GetProperty("ownShareCents").GetInt64())
            .ShouldBe((36_000L, 15_000L, 21_000L));
    }

    [Fact]
    public async Task The_grants_an_allocation_decides_on_are_read_as_the_fold_of_their_streams_at_the_version_read()
    {
        var (space, site, organisation) = await RoomWithRateAsync(2_500);
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var coverage = new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } };
        // A capped grant first, a half-share grant second: charges, caps per month, refunds and thresholds in both streams.
        var capped = await GrantAsync(admin, funder, 6_000, 1, coverage, cap: 3_000);
        var half = await GrantAsync(admin, funder, 1_000_000, 2, coverage, share: 5_000);
        var bookings = new List<Guid>();
        foreach (var day in new[] { 120, 121, 122, 150 })
        {
            var start = FutureHour(day);
            bookings.Add(await IdOf(await BookAsync(admin, space, organisation, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created)));
            await Eventually.ReachedAsync(async () => (await AllocationsAsync(admin, $"sourceId={bookings[^1]}")).Length > 0, "allocated in turn");
        }
        var cancelled = await admin.GetAsync($"/api/bookings/{bookings[1]}");
        await admin.SendAsync("POST", $"/api/bookings/{bookings[1]}/cancel", new { reason = "abgesagt" }, cancelled.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        await WhenAllocatedAsync(admin, $"sourceId={bookings[1]}", 0, "the cancelled booking's allocations are reversed");

        var dataSource = app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var booking in bookings.Where(b => b != bookings[1]))
        {
            var line = (await app.Store.LoadAsync<Allmende.Funding.Allocation.Cost>(Allmende.Funding.Allocation.Cost.BookingStreamId(booking)))!.State.Line!;
            var read = await Allmende.Funding.Allocation.CostWrites.GrantsAsync(connection, null, [], line, CancellationToken.None);
            read.Keys.Order().ShouldBe(new[] { capped, half }.Order());
            foreach (var (id, grant) in read)
            {
                var folded = (await app.Store.LoadAsync<Allmende.Funding.Grants.Grant>(Allmende.Funding.Grants.Grant.StreamId(id)))!;
                (grant.StreamId, grant.Version).ShouldBe((folded.StreamId, folded.Version));
                grant.State.UsedBy(organisation, line.Month).ShouldBe(folded.State.UsedBy(organisation, line.Month));
                // Everything else, whole (records compare lists by reference, so as JSON).
                Json(grant.State).ShouldBe(Json(folded.State));
            }
        }
        // Not vacuous: 2500 + 500 (capped) in September, 2500 + 500 (budget spent: 80 % and 100 % reached) in October,
        // then September's 500 refunded: 100 % re-armed, 80 % kept.
        var cappedFold = (await app.Store.LoadAsync<Allmende.Funding.Grants.Grant>(Allmende.Funding.Grants.Grant.StreamId(capped)))!;
        cappedFold.State.UsedCents.ShouldBe(5_500);
        cappedFold.State.ThresholdsReached.ShouldBe([80]);

        static string Json(Allmende.Funding.Grants.Grant grant) => JsonSerializer.Serialize(
            grant with { UsedByOrganisationMonth = System.Collections.Immutable.ImmutableDictionary<(Guid, DateOnly), long>.Empty },
            Allmende.Eventing.Storage.EventingJson.Options);
    }

    [Fact]
    public async Task A_funder_reads_only_its_own_funder_and_grants()
    {
        using var admin = app.AdminClient();
        var mine = await FunderAsync(admin, "Stiftung Nachbarschaft");
        var theirs = await FunderAsync(admin, "Wohnungsbaugesellschaft");
        // Of a site nobody books at: grants of this class share a database, and must not pay for other tests' bookings.
        var nowhere = new { siteIds = new[] { Guid.NewGuid() }, costTypes = new[] { "room-hours" } };
        var myGrant = await GrantAsync(admin, mine, 100_000, 1, nowhere);
        var theirGrant = await GrantAsync(admin, theirs, 100_000, 1, nowhere);
        using var funder = await app.ClientAsync(Roles.Funder, funderId: mine);

        await funder.GetAsync($"/api/funding/funders/{mine}").ShouldHaveStatus(HttpStatusCode.OK);
        await funder.GetAsync($"/api/funding/funders/{theirs}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await funder.GetAsync($"/api/funding/grants/{myGrant}").ShouldHaveStatus(HttpStatusCode.OK);
        await funder.GetAsync($"/api/funding/grants/{theirGrant}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await funder.GetAsync($"/api/funding/grants/{theirGrant}/budget").ShouldHaveStatus(HttpStatusCode.NotFound);
        var grants = await (await funder.GetAsync("/api/funding/grants").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        grants.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("id").GetGuid()).ShouldBe([myGrant]);
        var funders = await (await funder.GetAsync("/api/funding/funders").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        funders.GetProperty("items").EnumerateArray().Select(g => g.GetProperty("id").GetGuid()).ShouldBe([mine]);
        await funder.GetAsync($"/api/funding/statements/{Guid.NewGuid()}?month=2027-09").ShouldHaveStatus(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Grants_are_amended_extended_and_closed_with_If_Match_and_bad_input_names_the_fields()
    {
        using var admin = app.AdminClient();
        var funder = await FunderAsync(admin);
        var grant = await GrantAsync(admin, funder, 100_000, 1, new { siteIds = new[] { Guid.NewGuid() }, costTypes = new[] { "desk-fees" } });
        var url = $"/api/funding/grants/{grant}";

        (await (await admin.SendAsync("POST", "/api/funding/grants", new { funderId = Guid.NewGuid(), budgetCents = 0, shareBasisPoints = 0,
            coverage = new { costTypes = new[] { "hugs" } } })).InvalidFieldsAsync())
            .Order().ShouldBe(["budgetCents", "coverage.costTypes[0]", "endsOn", "name", "reference", "shareBasisPoints", "startsOn"]);
        (await (await admin.SendAsync("POST", "/api/funding/grants", new { funderId = Guid.NewGuid(), name = "x", reference = "y", budgetCents = 1,
            startsOn = "2027-01-01", endsOn = "2027-12-31", coverage = new { costTypes = new[] { "desk-fees" } } })).InvalidFieldsAsync()).ShouldBe(["funderId"]);

        await admin.SendAsync("POST", $"{url}/budget-increases", new { amountCents = 50_000, reason = "Aufstockung" })
            .ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("POST", $"{url}/budget-increases", new { amountCents = 50_000, reason = "Aufstockung" }, "\"7\"")
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        var increased = await admin.SendAsync("POST", $"{url}/budget-increases", new { amountCents = 50_000, reason = "Aufstockung" }, "\"1\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        (await increased.JsonAsync()).GetProperty("budgetCents").GetInt64().ShouldBe(150_000);
        (await (await admin.SendAsync("POST", $"{url}/extension", new { endsOn = "2030-01-01", reason = "kürzer" }, increased.ETag())).RuleAsync())
            .ShouldBe("not-an-extension");
        var extended = await admin.SendAsync("POST", $"{url}/extension", new { endsOn = "2032-12-31", reason = "verlängert" }, increased.ETag())
            .ShouldHaveStatus(HttpStatusCode.OK);
        var closed = await admin.SendAsync("POST", $"{url}/close", new { reason = "Programm beendet" }, extended.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        (await closed.JsonAsync()).GetProperty("status").GetString().ShouldBe("closed");
        (await (await admin.SendAsync("POST", $"{url}/close", new { reason = "again" }, closed.ETag())).RuleAsync()).ShouldBe("grant-closed");
        await admin.GetAsync($"/api/funding/grants/{Guid.NewGuid()}").ShouldHaveStatus(HttpStatusCode.NotFound);
        (await (await admin.GetAsync("/api/funding/allocations?month=June")).InvalidFieldsAsync()).ShouldBe(["month"]);
    }

    [Fact]
    public async Task Monthly_desk_fees_are_charged_once_per_month_however_often_the_month_end_fires()
    {
        var (_, site, organisation) = await RoomWithRateAsync(0);
        using var admin = app.AdminClient();
        var desk = await IdOf(await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId = site, name = $"Fester Platz {Guid.NewGuid():N}"[..20], kind = "fixed-desk", capacity = 1,
            rates = new { hourlyRateCents = 0, monthlyDeskFeeCents = 15_000 },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        var funder = await FunderAsync(admin);
        var grant = await GrantAsync(admin, funder, 1_000_000, 1, new { siteIds = new[] { site }, costTypes = new[] { "desk-fees" } });
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from funding.spaces where space_id = $1", desk) == 1, "Funding knows the desk");

        // Assigned from 16 September: half of September's 30 days.
        var assignment = Guid.CreateVersion7();
        var september = new DateOnly(2027, 9, 1);
        var work = app.Store.Begin(EventMetadata.System);
        work.Publish(new Allmende.Bookings.Contracts.DeskAssigned(assignment, desk, site, organisation, null, new DateOnly(2027, 9, 16),
            new DateOnly(2028, 3, 31), DateTimeOffset.UtcNow));
        await work.CommitAsync();
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from funding.desk_assignments where assignment_id = $1", assignment) == 1, "Funding knows the assignment");

        for (var fired = 0; fired < 2; fired++)
        {
            var due = app.Store.Begin(EventMetadata.System);
            due.Schedule(new MonthEnded(september), DateTimeOffset.UtcNow);
            await due.CommitAsync();
        }

        var allocated = await WhenAllocatedAsync(admin, $"sourceId={assignment}", 1, "the desk fee is charged");
        await Eventually.ReachedAsync(async () =>
            await WolverineEnvelopes.HandledAsync(app.DataSource, "funding.desk-fee-due", "sourceId", assignment) == 2, "both deliveries are done");
        allocated = await AllocationsAsync(admin, $"sourceId={assignment}");
        allocated.Select(Row).ShouldBe([("grant", grant, "share", 7_500L)]);
        allocated.Single().GetProperty("status").GetString().ShouldBe("spent");
        allocated.Single().GetProperty("deskDays").GetInt32().ShouldBe(15);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from marten.mt_streams where id like 'monthly-charges-2027-10'"))
            .ShouldBe(1);
    }
}
