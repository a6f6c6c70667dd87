using System.Security.Claims;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Contract = Allmende.Bookings.Contracts;

namespace Allmende.Bookings.Bookings;

/// <summary>Fires at start + no-show delay; stale once the booking moved (Start differs) or someone checked in.</summary>
internal sealed record NoShowCheckDue(Guid BookingId, DateTimeOffset Start);

/// <summary>Fires when a request awaiting approval is due; stale once decided or rescheduled (DueBy differs).</summary>
internal sealed record ApprovalExpiryDue(Guid BookingId, DateTimeOffset DueBy);

/// <summary>
/// What every write of a booking does besides appending its events, in the same transaction: publish
/// the contracts, schedule the no-show check and the approval expiry, tell the waitlist of a freed
/// slot, and guard the places of a flexible-desk area. Scheduled messages are never cancelled; their handlers ignore stale ones.
/// </summary>
internal static class BookingWrites
{
    public static void Stage(UnitOfWork uow, Booking before, IReadOnlyList<object> events, BookingPolicy policy)
    {
        var after = before.Fold(events);
        foreach (var e in events)
        {
            switch (e)
            {
                case BookingRequested { ApprovalDueBy: { } due }:
                    uow.Schedule(new ApprovalExpiryDue(after.Id, due), due);
                    break;
                case BookingConfirmed c:
                    uow.Publish(new Contract.BookingConfirmed(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End,
                        after.Attendees, after.ActionField, after.ChargeableMinutes, c.At, events.Any(a => a is BookingApproved)));
                    uow.Schedule(new NoShowCheckDue(after.Id, after.Start), after.Start + policy.NoShowReleaseDelay);
                    break;
                case BookingRescheduled r when after.Status == BookingStatus.Confirmed:
                    uow.Publish(new Contract.BookingChanged(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End,
                        after.Attendees, after.ActionField, after.ChargeableMinutes, before.Start, before.End, r.At));
                    uow.Schedule(new NoShowCheckDue(after.Id, after.Start), after.Start + policy.NoShowReleaseDelay);
                    break;
                case BookingRescheduled { ApprovalDueBy: { } due } when after.Status == BookingStatus.PendingApproval:
                    uow.Schedule(new ApprovalExpiryDue(after.Id, due), due);
                    break;
                case BookingRejected r:
                    uow.Publish(new Contract.BookingRejected(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End, r.Reason, r.At));
                    break;
                case BookingCancelled c when before.Status == BookingStatus.Confirmed:
                    // Only what was announced as confirmed is announced as cancelled.
                    uow.Publish(new Contract.BookingCancelled(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End,
                        after.Attendees, after.ActionField, after.ChargeableMinutes, c.Reason, c.Late, c.At));
                    break;
                case BookingCompleted c:
                    uow.Publish(new Contract.BookingCompleted(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End,
                        after.Attendees, after.ActionField, after.ChargeableMinutes, c.At));
                    break;
                case BookingMarkedNoShow n:
                    uow.Publish(new Contract.BookingNoShow(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End,
                        after.Attendees, after.ActionField, after.ChargeableMinutes, n.At));
                    break;
                case BookingNoShowUndone u:
                    uow.Publish(new Contract.BookingNoShowUndone(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.Start, after.End,
                        after.Attendees, after.ActionField, after.ChargeableMinutes, u.Reason, u.At));
                    break;
            }
        }
        // A slot freed (not by completion: a used booking's rest is nobody's to wait for): the waitlist gets its turn.
        if (before.HoldsSlot && (!after.HoldsSlot && after.Status != BookingStatus.Completed || events.Any(e => e is BookingRescheduled)))
            uow.Send(new Waitlist.SlotReleased(before.SpaceId, before.Start, before.End));
        if (!after.WholeSpace && after.HoldsSlot && events.Any(e => e is BookingRequested or BookingRescheduled))
            uow.Enlist((db, ct) => SlotGuard.EnsurePlaceFreeAsync(db, after.SpaceId, after.Start, after.End, ct));
    }

    /// <summary>Commits; a double booking refused by the database is the rule "slot-taken" (see <see cref="SlotGuard"/>).</summary>
    public static async Task<IReadOnlyList<StoredEvent>> CommitAsync(UnitOfWork uow, CancellationToken ct)
    {
        try
        {
            return await uow.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ExclusionViolation && e.ConstraintName == SlotGuard.ConstraintName)
        {
            throw new DomainException(BookingRules.SlotTaken, "The space is already booked for part of that time.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ExclusionViolation && e.ConstraintName == SlotGuard.AdvisorConstraintName)
        {
            throw new DomainException(BookingRules.AdvisorTaken, "The advisor has another appointment during part of that time.");
        }
    }

    /// <summary>
    /// The booking as the client last read it, for an update: 428 without If-Match, 404 if unknown or
    /// another organisation's (for members), 409 if it changed since.
    /// </summary>
    public static async Task<StreamState<Booking>> LoadForUpdateAsync(EventStore store, HttpContext http, Guid id, CancellationToken ct)
    {
        var expected = http.Request.ExpectedVersion();
        var current = await store.LoadAsync<Booking>(Booking.StreamId(id), ct: ct);
        // Whoever passes the policy and reads a booking may act on it (members: their organisations').
        if (current is null || !http.User.CanActFor(current.State.OrganisationId))
            throw new NotFoundException("booking", id);
        if (current.Version != expected)
            throw new ConcurrencyException(current.StreamId, expected, current.Version);
        return current;
    }

    /// <summary>Appends a decision's events after the version read, with its quota and everything <see cref="Stage"/> adds; sets the new ETag.</summary>
    public static async Task<IResult> AppendAsync(EventStore store, HttpContext http, StreamState<Booking> current, IReadOnlyList<object> events,
        BookingPolicy policy, CancellationToken ct)
    {
        var version = current.Version;
        if (events.Count > 0)
        {
            // The quota's reads come from the request's services, so that every slice keeps its signature.
            var services = http.RequestServices;
            (version, events) = await QuotaWrites.CommitAsync(store, http.EventMetadata(), services.GetRequiredService<NpgsqlDataSource>(), current,
                current.State.Id, events, policy, services.GetRequiredService<TimeProvider>().GetUtcNow(), ct);
        }
        http.Response.SetETag(version);
        return Results.Ok(BookingResponse.From(current.State.Fold(events), version));
    }

    /// <summary>A member may act only for themselves: the person on a booking is the caller, whatever the body says.</summary>
    public static Guid? PersonFor(ClaimsPrincipal user, Guid? requested) => user.IsAdmin() ? requested : user.PersonId();
}
