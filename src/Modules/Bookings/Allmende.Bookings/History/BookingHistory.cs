using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.History;

/// <summary>One field of the booking that an event changed: its value before and after (null: not set).</summary>
internal sealed record FieldChange(string Field, JsonNode? From, JsonNode? To);

/// <summary>
/// One event of a booking's stream as an auditor reads it: when it was recorded, who acted (the
/// principal recorded on the event, e.g. "member:key-…"), under which request (correlation), and
/// which fields of the booking it changed.
/// </summary>
internal sealed record HistoryEntry(
    long Version, long Sequence, string Event, DateTimeOffset RecordedAt, string? Actor, string? CorrelationId,
    IReadOnlyList<FieldChange> Changes);

internal sealed record BookingHistoryResponse(Guid BookingId, long Version, IReadOnlyList<HistoryEntry> Events, IReadOnlyList<BookingAllocation> Allocations);

/// <summary>
/// A booking's full history from its stream: every event, never a summary. What changed is the
/// difference between the booking as the API shows it before and after the event, so the history
/// speaks the same field names as <c>GET /api/bookings/{id}</c>. With it, who paid for the booking: Funding's
/// allocations of its cost (Bookings' copy, <see cref="BookingAllocations"/>), reversed ones included.
/// </summary>
internal static class BookingHistory
{
    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapGet("/{id:guid}/history", Handle)
            .RequireAuthorization(Policies.ReadBookingHistory)
            .WithSummary("Every event of one booking: when, who acted, and which fields changed from what to what; and its allocations to grants " +
                         "and own shares. Members read their organisations' bookings, funders those their grants were allocated parts of")
            .Produces<BookingHistoryResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Handle(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var events = await store.ReadStreamAsync(Booking.StreamId(id), ct: ct);
        if (events.Count == 0)
            throw new NotFoundException("booking", id);
        var state = Booking.Initial.Fold(events.Select(e => e.Data));
        var allocations = await BookingAllocations.OfAsync(db, id, ct);
        if (!MayRead(http.User, state, allocations))
            throw new NotFoundException("booking", id);
        return Results.Ok(new BookingHistoryResponse(id, events[^1].StreamVersion, Entries(events), Shown(http.User, state, allocations)));
    }

    /// <summary>
    /// Admins and auditors read every booking, members their organisations', a funder those one of its
    /// grants was allocated a part of, even if since reversed (it paid, or was to pay, for it). Others: 404.
    /// </summary>
    public static bool MayRead(ClaimsPrincipal user, Booking booking, IReadOnlyList<BookingAllocation> allocations) =>
        user.CanRead(booking.OrganisationId)
        || (user.IsInRole(Roles.Funder) && allocations.Any(a => IsOwn(user, a)));

    /// <summary>
    /// The allocations the caller may see: all of them for those who read the booking's organisation; a
    /// funder only its own grants' parts. Another funder's grant, amount and very existence are that
    /// funder's business (GET of its grant answers 404 too); the audit export shows them as digests.
    /// </summary>
    public static IReadOnlyList<BookingAllocation> Shown(ClaimsPrincipal user, Booking booking, IReadOnlyList<BookingAllocation> allocations) =>
        user.CanRead(booking.OrganisationId) ? allocations : [.. allocations.Where(a => IsOwn(user, a))];

    private static bool IsOwn(ClaimsPrincipal user, BookingAllocation allocation) =>
        user.IsInRole(Roles.Funder) && allocation.FunderId is { } funder && user.Funders().Contains(funder);

    /// <summary>Pure: the entries of a stream's events, in stream order.</summary>
    public static IReadOnlyList<HistoryEntry> Entries(IReadOnlyList<StoredEvent> events)
    {
        var entries = new List<HistoryEntry>(events.Count);
        var before = Booking.Initial;
        JsonObject? shownBefore = null;
        foreach (var e in events)
        {
            var after = Booking.Evolve(before, e.Data);
            var shownAfter = Shown(after);
            entries.Add(new HistoryEntry(e.StreamVersion, e.Sequence, e.EventType, e.RecordedAt, e.Metadata.Actor, e.Metadata.CorrelationId,
                Changes(shownBefore, shownAfter)));
            (before, shownBefore) = (after, shownAfter);
        }
        return entries;
    }

    /// <summary>The fields whose JSON differs, in the order the API shows them; everything is new for the first event.</summary>
    public static IReadOnlyList<FieldChange> Changes(JsonObject? before, JsonObject after)
    {
        var changes = new List<FieldChange>();
        foreach (var (field, to) in after)
        {
            var from = before?[field];
            if (before is null ? to is not null : !JsonNode.DeepEquals(from, to))
                changes.Add(new FieldChange(field, from?.DeepClone(), to?.DeepClone()));
        }
        return changes;
    }

    // The version belongs to the entry, not to the booking's fields.
    private static JsonObject Shown(Booking booking)
    {
        var shown = JsonSerializer.SerializeToNode(BookingResponse.From(booking, 0), EventingJson.Options)!.AsObject();
        shown.Remove("version");
        return shown;
    }
}
