using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>A booking's history: every event, who acted, what changed from what to what.</summary>
[Collection(BookingsHost.Name)]
public sealed class BookingHistoryTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static async Task<string> ActorAsync(HttpClient client) =>
        (await (await client.GetAsync("/api/access/me").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("actor").GetString()!;

    private static Dictionary<string, (string? From, string? To)> Changes(JsonElement entry) =>
        entry.GetProperty("changes").EnumerateArray().ToDictionary(
            c => c.GetProperty("field").GetString()!,
            c => (Text(c.GetProperty("from")), Text(c.GetProperty("to"))));

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        _ => value.GetRawText(),
    };

    [Fact]
    public async Task The_history_names_every_event_its_actor_and_the_fields_it_changed()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var member = await _world.MemberOfAsync(organisation);
        using var admin = app.AdminClient();
        var start = FutureHour(3);

        var created = await BookAsync(member, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        var moved = await member.SendAsync("PUT", $"/api/bookings/{id}/time", new { start = start.AddHours(1), end = start.AddHours(4) }, created.ETag())
            .ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("POST", $"/api/bookings/{id}/cancel", new { reason = "Heizung defekt" }, moved.ETag()).ShouldHaveStatus(HttpStatusCode.OK);

        var history = await (await member.GetAsync($"/api/bookings/{id}/history").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        history.GetProperty("bookingId").GetGuid().ShouldBe(id);
        history.GetProperty("version").GetInt64().ShouldBe(4);
        var events = history.GetProperty("events").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("event").GetString()).ShouldBe(
            ["bookings.booking.requested", "bookings.booking.confirmed", "bookings.booking.rescheduled", "bookings.booking.cancelled"]);
        events.Select(e => e.GetProperty("version").GetInt64()).ShouldBe([1L, 2L, 3L, 4L]);
        var memberActor = await ActorAsync(member);
        events.Select(e => e.GetProperty("actor").GetString()).ShouldBe([memberActor, memberActor, memberActor, await ActorAsync(admin)]);
        events.Select(e => e.GetProperty("sequence").GetInt64()).ShouldBeInOrder(SortDirection.Ascending);

        // The request shows the booking as it began (all set fields), the confirmation only the status.
        var requested = Changes(events[0]);
        requested["status"].ShouldBe((null, "pending-approval"));
        requested["spaceId"].ShouldBe((null, space.ToString()));
        requested["purpose"].ShouldBe((null, "Nachbarschaftscafé"));
        requested.ShouldNotContainKey("reason");
        Changes(events[1]).ShouldBe(new Dictionary<string, (string?, string?)> { ["status"] = ("pending-approval", "confirmed") });

        Changes(events[2]).ShouldBe(new Dictionary<string, (string?, string?)>
        {
            ["start"] = (Iso(start), Iso(start.AddHours(1))),
            ["end"] = (Iso(start.AddHours(2)), Iso(start.AddHours(4))),
            ["durationMinutes"] = ("120", "180"),
            // No plan, no free hours: every minute is chargeable, and moving the booking says so.
            ["chargeableMinutes"] = ("120", "180"),
        });
        Changes(events[3]).ShouldBe(new Dictionary<string, (string?, string?)>
        {
            ["status"] = ("confirmed", "cancelled"),
            ["reason"] = (null, "Heizung defekt"),
        });
    }

    [Fact]
    public async Task Another_organisations_member_does_not_learn_the_booking_exists()
    {
        var (space, organisation) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        using var stranger = await _world.MemberOfAsync(other);
        using var admin = app.AdminClient();
        var created = await BookAsync(admin, space, organisation, FutureHour(4), FutureHour(4).AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();

        await stranger.GetAsync($"/api/bookings/{id}/history").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/{Guid.NewGuid()}/history").ShouldHaveStatus(HttpStatusCode.NotFound);
        var auditor = await app.ClientAsync(Allmende.Eventing.Api.Roles.Auditor);
        await auditor.GetAsync($"/api/bookings/{id}/history").ShouldHaveStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Funders_whose_grants_paid_part_read_the_history_with_only_their_own_allocations_and_reversals_others_get_404()
    {
        var rooms = new Allmende.Tests.Funding.GrantedRooms(app);
        var (space, site, organisation) = await rooms.RoomWithRateAsync(3_000);
        using var admin = app.AdminClient();
        var first = await rooms.FunderAsync("Bezirksamt Programm");
        var second = await rooms.FunderAsync("Stiftung Nachbarschaft");
        var stranger = await rooms.FunderAsync("Sponsor ohne Zuschuss hier");
        // The first grant pays 40 % of room hours at the site, the second (next in priority) the rest.
        var firstGrant = await GrantAsync(admin, first, site, priority: 1, shareBasisPoints: 4_000);
        var secondGrant = await GrantAsync(admin, second, site, priority: 2, shareBasisPoints: 10_000);
        var start = FutureHour(10);
        var created = await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
        var id = (await created.JsonAsync()).GetProperty("id").GetGuid();
        await Eventually.ReachedAsync(async () => (await AllocationsAsync(admin, id)).Count == 2, "the history shows both allocations");

        // Two hours at 30 EUR: 2400 from the first grant, 3600 from the second; each funder sees only its own part.
        static (string?, Guid, Guid, long, string?, JsonValueKind) Part(JsonElement a) =>
            (a.GetProperty("payer").GetString(), a.GetProperty("grantId").GetGuid(), a.GetProperty("funderId").GetGuid(),
                a.GetProperty("amountCents").GetInt64(), a.GetProperty("month").GetString(), a.GetProperty("reversedAt").ValueKind);
        (await AllocationsAsync(admin, id)).Select(Part).OrderBy(a => a.Item4).ShouldBe([
            ("grant", firstGrant, first, 2_400L, "2027-06", JsonValueKind.Null),
            ("grant", secondGrant, second, 3_600L, "2027-06", JsonValueKind.Null)]);
        using var firstFunder = await app.ClientAsync(Allmende.Eventing.Api.Roles.Funder, funderId: first);
        (await AllocationsAsync(firstFunder, id)).Select(Part).ShouldBe([("grant", firstGrant, first, 2_400L, "2027-06", JsonValueKind.Null)]);
        using var secondFunder = await app.ClientAsync(Allmende.Eventing.Api.Roles.Funder, funderId: second);
        (await AllocationsAsync(secondFunder, id)).Select(Part).ShouldBe([("grant", secondGrant, second, 3_600L, "2027-06", JsonValueKind.Null)]);
        var seenByFirst = await (await firstFunder.GetAsync($"/api/bookings/{id}/history")).Content.ReadAsStringAsync();
        seenByFirst.ShouldNotContain(second.ToString());
        seenByFirst.ShouldNotContain(secondGrant.ToString());
        using var strangerFunder = await app.ClientAsync(Allmende.Eventing.Api.Roles.Funder, funderId: stranger);
        await strangerFunder.GetAsync($"/api/bookings/{id}/history").ShouldHaveStatus(HttpStatusCode.NotFound);

        // Cancelled in good time: both allocations reversed, and the funder still reads what it once paid for.
        await admin.SendAsync("POST", $"/api/bookings/{id}/cancel", new { reason = "Verein hat abgesagt" }, created.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        await Eventually.ReachedAsync(async () => (await AllocationsAsync(admin, id)).All(a => a.GetProperty("reversedAt").ValueKind != JsonValueKind.Null),
            "the history shows the reversals");
        (await AllocationsAsync(firstFunder, id)).Single().GetProperty("reversedAt").ValueKind.ShouldBe(JsonValueKind.String);
        var events = (await (await firstFunder.GetAsync($"/api/bookings/{id}/history")).JsonAsync()).GetProperty("events").EnumerateArray()
            .Select(e => e.GetProperty("event").GetString()).ToList();
        events[^1].ShouldBe("bookings.booking.cancelled");
    }

    private static async Task<List<JsonElement>> AllocationsAsync(HttpClient client, Guid bookingId) =>
        [.. (await (await client.GetAsync($"/api/bookings/{bookingId}/history").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync())
            .GetProperty("allocations").EnumerateArray()];

    private static async Task<Guid> GrantAsync(HttpClient admin, Guid funderId, Guid siteId, int priority, int shareBasisPoints) =>
        (await (await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId, name = $"Raumkosten {priority}", reference = $"REF-{Guid.NewGuid():N}"[..12], budgetCents = 1_000_000,
            startsOn = "2027-01-01", endsOn = "2031-12-31", coverage = new { siteIds = new[] { siteId }, costTypes = new[] { "room-hours" } },
            shareBasisPoints, priority,
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

    private static string Iso(DateTimeOffset instant) => JsonSerializer.Serialize(instant.ToUniversalTime()).Trim('"');
}
