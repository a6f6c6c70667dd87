using Allmende.Bookings.Availability;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Messaging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Bookings.Waitlist;

/// <summary>A booking stopped holding [Start, End) of a space (cancelled, rejected, expired, no-show, moved away). Sent in the releasing transaction.</summary>
internal sealed record SlotReleased(Guid SpaceId, DateTimeOffset Start, DateTimeOffset End);

/// <summary>Fires when an offer's time is up; stale once accepted, withdrawn or offered anew (OfferedUntil differs).</summary>
internal sealed record WaitlistOfferDue(Guid EntryId, DateTimeOffset OfferedUntil);

/// <summary>Fires at an entry's start: an entry still open then expires.</summary>
internal sealed record WaitlistStartDue(Guid EntryId, DateTimeOffset Start);

/// <summary>
/// When a slot frees, the open entries of the space overlapping it are tried in join order. Mode
/// "book": each that now fits (also after the entries booked before it in this pass) is booked for its
/// organisation with the same decision, quota and slot guard as <see cref="RequestBooking"/>; one that
/// a rule now refuses is passed over with that rule; one that does not fit keeps waiting. Mode "offer":
/// each that fits and overlaps no standing offer is offered for the configured time. All in the
/// delivery's transaction: a race with another booking fails it and the delivery tries again.
/// </summary>
internal sealed class SlotReleases(IOptions<BookingsOptions> options, TimeProvider time, NpgsqlDataSource db)
{
    public async Task Handle(SlotReleased message, MessageContext context, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var settings = options.Value;
        var candidates = await OpenEntriesAsync(context, message, now, ct);
        if (candidates.Count == 0)
            return;
        var from = candidates.Min(c => c.Start);
        var to = candidates.Max(c => c.End);
        if (await SlotFit.ReadAsync(context.Database.Connection, context.Database.Transaction, message.SpaceId, from, to, ct) is not { } space)
            return;
        // Standing offers hold their slots in bookings.slots (SlotGuard), so they are among the held ones.
        var held = space.Held;
        var policy = settings.ToPolicy();
        var quota = QuotaLedger.Over(context.Database);
        foreach (var candidate in candidates)
        {
            var current = await context.Work.LoadAsync<WaitlistEntry>(WaitlistEntry.StreamId(candidate.EntryId), ct);
            if (current is null)
                continue;
            var entry = current.State;
            if (!SlotFit.Fits(space.WholeSpace, space.Places, held, entry.Start, entry.End, entry.Attendees))
                continue;
            var taken = new HeldSlot(entry.Start, entry.End, space.WholeSpace ? 1 : entry.Attendees);
            if (settings.Waitlist == WaitlistMode.Offer)
            {
                if (entry.Status != WaitlistStatus.Waiting)
                    continue;
                var offered = Waitlisting.Offer(entry, settings.WaitlistOfferValidFor, now);
                context.Work.Append(current.StreamId, current.Version, offered);
                var until = ((WaitlistOffered)offered[0]).OfferedUntil;
                context.Work.Schedule(new WaitlistOfferDue(entry.Id, until), until);
                context.Work.Publish(new Contracts.WaitlistOfferMade(entry.Id, entry.SpaceId, entry.SiteId, entry.OrganisationId, entry.PersonId,
                    entry.Start, entry.End, until, now));
                // An offered range counts as taken for the rest of this pass: one offer at a time per slot.
                held = [.. held, taken];
                continue;
            }

            var house = await HouseSnapshot.LoadAsync(db, entry.SpaceId, entry.OrganisationId, entry.Start, entry.End, ct);
            var bookingId = Guid.CreateVersion7();
            IReadOnlyList<object> booking;
            try
            {
                booking = RequestBooking.Decide(Booking.Initial, entry.BookingCommand(bookingId), house, policy, now);
            }
            catch (DomainException refused)
            {
                context.Work.Append(current.StreamId, current.Version, Waitlisting.PassOver(entry, refused.Rule, now));
                continue;
            }
            booking = await quota.StageAsync(context.Work, Booking.Initial, booking, now, ct);
            context.Work.StartStream("booking", Booking.StreamId(bookingId), booking);
            BookingWrites.Stage(context.Work, Booking.Initial, booking, policy);
            context.Work.Append(current.StreamId, current.Version, Waitlisting.Booked(entry, bookingId, now));
            held = [.. held, taken];
        }
        quota.WriteTo(context.Work);
    }

    public async Task Handle(WaitlistOfferDue message, MessageContext context, CancellationToken ct)
    {
        var current = await context.Work.LoadAsync<WaitlistEntry>(WaitlistEntry.StreamId(message.EntryId), ct);
        if (current is null)
            return;
        var events = Waitlisting.ExpireOffer(current.State, message.OfferedUntil, time.GetUtcNow());
        if (events.Count == 0)
            return;
        context.Work.Append(current.StreamId, current.Version, events);
        // The slot it was offered is still free (nobody held it): the next entry gets its turn.
        context.Work.Send(new SlotReleased(current.State.SpaceId, current.State.Start, current.State.End));
    }

    public async Task Handle(WaitlistStartDue message, MessageContext context, CancellationToken ct)
    {
        var current = await context.Work.LoadAsync<WaitlistEntry>(WaitlistEntry.StreamId(message.EntryId), ct);
        if (current is null)
            return;
        var events = Waitlisting.ExpireAtStart(current.State, time.GetUtcNow());
        if (events.Count > 0)
            context.Work.Append(current.StreamId, current.Version, events);
    }

    private sealed record Candidate(Guid EntryId, DateTimeOffset Start, DateTimeOffset End);

    /// <summary>Waiting entries of the space overlapping the freed range and starting later than now, by join order.</summary>
    private static async Task<List<Candidate>> OpenEntriesAsync(MessageContext context, SlotReleased message, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            select entry_id, starts_at, ends_at from bookings.waitlist
            where space_id = $1 and status = 'waiting' and starts_at < $3 and ends_at > $2 and starts_at > $4
            order by joined_seq
            """, message.SpaceId, message.Start, message.End, now);
        var entries = new List<Candidate>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            entries.Add(new Candidate(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        return entries;
    }
}
