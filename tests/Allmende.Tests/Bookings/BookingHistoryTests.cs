using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>A booking's history: every event, who acted, what changed from what to what.</summary>
public sealed class BookingHistoryTests(AllmendeApp app) : IClassFixture<AllmendeApp>
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

    private static string Iso(DateTimeOffset instant) => JsonSerializer.Serialize(instant.ToUniversalTime()).Trim('"');
}
