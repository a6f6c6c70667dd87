using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Bookings;

/// <summary>
/// bookings.slots: which booking holds which space when, kept inline in the appending transaction.
/// The table's exclusion constraint makes a double booking of a whole space impossible; its violation
/// becomes the rule "slot-taken" and rolls back the whole unit of work.
/// A flexible-desk area is guarded by <see cref="EnsurePlaceFreeAsync"/>, enlisted in the same
/// transaction. Idempotent by last_seq.
/// A fixed-desk assignment (FixedDesks/) holds its desk the same way, as a whole-space row under its own
/// id for [start of its first day, start of the day after its last) in Berlin: bookings and assignments
/// of one desk exclude each other; ending it early shrinks the range, withdrawing it releases it.
/// A waitlist offer (mode "offer") holds its slot too, under the entry's id: the row is written, not
/// holding, when the entry joins; the offer makes it hold, so nobody else can book the slot while the
/// offer stands; accepting, expiry, withdrawal and the entry's own expiry release it. Releases of
/// offers run first in a batch, so that accepting frees the entry's hold before its booking takes the slot.
/// An appointment's booking (Advice/) names its advisor: the row carries advisor_id, and a second
/// exclusion constraint keeps one advisor from two holding rows that overlap, whichever rooms they are in.
/// </summary>
internal sealed class SlotGuard : IProjection
{
    public const string ConstraintName = "slots_no_double_booking";

    /// <summary>The advisor of an appointment is a guarded resource too (Advice/, ADR 19): one place at a time.</summary>
    public const string AdvisorConstraintName = "slots_no_double_advising";

    public string Name => "bookings.slots";

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(BookingRequested), typeof(BookingRescheduled), typeof(BookingRejected), typeof(BookingApprovalExpired),
        typeof(BookingCancelled), typeof(BookingMarkedNoShow), typeof(BookingCompleted),
        typeof(FixedDesks.DeskAssigned), typeof(FixedDesks.DeskAssignmentEnded),
        typeof(Waitlist.WaitlistJoined), typeof(Waitlist.WaitlistOffered), typeof(Waitlist.WaitlistOfferExpired), typeof(Waitlist.WaitlistBooked),
        typeof(Waitlist.WaitlistWithdrawn), typeof(Waitlist.WaitlistExpired),
    ];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            if (e.Data is Waitlist.IWaitlistEvent w and not (Waitlist.WaitlistJoined or Waitlist.WaitlistOffered))
            {
                batch.BatchCommands.Add(Command("""
                    update bookings.slots set holds = false, last_seq = $2 where booking_id = $1 and last_seq < $2
                    """, w.EntryId, e.Sequence));
            }
        }
        foreach (var e in events)
        {
            var command = e.Data switch
            {
                Waitlist.WaitlistJoined j => Command("""
                    insert into bookings.slots (booking_id, space_id, during, whole_space, places, holds, last_seq)
                    values ($1, $2, tstzrange($3, $4, '[)'), $5, $6, false, $7)
                    on conflict (booking_id) do nothing
                    """, j.EntryId, j.SpaceId, Instant(j.Start), Instant(j.End), j.WholeSpace, j.WholeSpace ? 1 : j.Attendees, e.Sequence),
                Waitlist.WaitlistOffered o => Command("""
                    update bookings.slots set holds = true, last_seq = $2 where booking_id = $1 and last_seq < $2
                    """, o.EntryId, e.Sequence),
                BookingRequested r => Command("""
                    insert into bookings.slots (booking_id, space_id, during, whole_space, places, holds, last_seq, advisor_id)
                    values ($1, $2, tstzrange($3, $4, '[)'), $5, $6, true, $7, $8)
                    on conflict (booking_id) do nothing
                    """, r.BookingId, r.SpaceId, Instant(r.Start), Instant(r.End), r.WholeSpace, r.WholeSpace ? 1 : r.Attendees, e.Sequence,
                    new NpgsqlParameter { Value = (object?)r.AdvisorId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid }),
                BookingRescheduled r => Command("""
                    update bookings.slots set during = tstzrange($2, $3, '[)'), last_seq = $4 where booking_id = $1 and last_seq < $4
                    """, r.BookingId, Instant(r.Start), Instant(r.End), e.Sequence),
                FixedDesks.DeskAssigned a => Command("""
                    insert into bookings.slots (booking_id, space_id, during, whole_space, places, holds, last_seq)
                    values ($1, $2, tstzrange($3, $4, '[)'), true, 1, true, $5)
                    on conflict (booking_id) do nothing
                    """, a.AssignmentId, a.SpaceId, Instant(FixedDesks.DeskDays.StartOf(a.From)), Instant(FixedDesks.DeskDays.EndOf(a.Until)), e.Sequence),
                FixedDesks.DeskAssignmentEnded x => Command("""
                    update bookings.slots
                    set during = case when $2 > lower(during) then tstzrange(lower(during), $2, '[)') else during end,
                        holds = holds and $2 > lower(during), last_seq = $3
                    where booking_id = $1 and last_seq < $3
                    """, x.AssignmentId, Instant(FixedDesks.DeskDays.EndOf(x.Until)), e.Sequence),
                // Every other event it reads ends the booking's hold on the space.
                IBookingEvent b => Command("""
                    update bookings.slots set holds = false, last_seq = $2 where booking_id = $1 and last_seq < $2
                    """, b.BookingId, e.Sequence),
                _ => null,
            };
            if (command is not null)
                batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count == 0)
            return;
        // Two transactions inserting overlapping slots at the same moment can each meet the other's
        // uncommitted row while checking the exclusion constraint and wait for each other: PostgreSQL
        // then aborts one as a deadlock (40P01, a 500) instead of answering slot-taken (seen by the
        // `bookings` benchmark, docs/benchmarks.md). Locking the spaces first, in a fixed order, makes
        // the later one wait for the earlier one's commit and then fail the constraint cleanly.
        // An advisor is locked like a space (their ids never meet a space's): two appointments of one advisor take turns too.
        var taking = events.Select(e => e.Data).OfType<BookingRequested>().Where(r => r.WholeSpace).Select(r => r.SpaceId)
            .Concat(events.Select(e => e.Data).OfType<BookingRequested>().Where(r => r.AdvisorId is not null).Select(r => r.AdvisorId!.Value)).ToArray();
        var moving = events.Select(e => e.Data).OfType<BookingRescheduled>().Select(r => r.BookingId)
            .Concat(events.Select(e => e.Data).OfType<Waitlist.WaitlistOffered>().Select(o => o.EntryId)).ToArray();
        if (taking.Length > 0 || moving.Length > 0)
            batch.BatchCommands.Insert(0, Command($"""
                select pg_advisory_xact_lock(hashtextextended('{Name}:' || space_id::text, 0))
                from (select space_id from unnest($1::uuid[]) as taking(space_id)
                      union
                      select space_id from bookings.slots where booking_id = any($2) and whole_space
                      union
                      select advisor_id from bookings.slots where booking_id = any($2) and advisor_id is not null
                      order by space_id) spaces
                """, taking, moving));
        try
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ExclusionViolation && e.ConstraintName == ConstraintName)
        {
            throw new DomainException(BookingRules.SlotTaken, "The space is already booked (or, a fixed desk, assigned) for part of that time.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ExclusionViolation && e.ConstraintName == AdvisorConstraintName)
        {
            throw new DomainException(BookingRules.AdvisorTaken, "The advisor has another appointment during part of that time.");
        }
    }

    /// <summary>
    /// Empties the table for a rebuild, which replays the log in this same transaction: the double-booking
    /// check moves to its commit, since sequence order may show a slot taken before its release (a release
    /// commits before, but draws its number after, the booking that then takes the slot).
    /// </summary>
    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command(
            $"truncate bookings.slots; set constraints bookings.{ConstraintName} deferred; set constraints bookings.{AdvisorConstraintName} deferred");
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Refuses (rule "no-place-free") when, at any instant of the booking's range, the holding bookings
    /// of its flexible-desk area would take more places than the area has. Runs after the slot row is
    /// written, under a lock of the space's row: concurrent bookings of one area take turns here, and
    /// each counts after the previous one committed (read committed: every statement sees the latest
    /// commits), so parallel requests never overfill the area.
    /// </summary>
    public static async Task EnsurePlaceFreeAsync(ProjectionContext db, Guid spaceId, DateTimeOffset start, DateTimeOffset end, CancellationToken ct)
    {
        int places;
        await using (var lockSpace = db.Command("select coalesce(places, capacity) from bookings.spaces where space_id = $1 for update", spaceId))
            places = await lockSpace.ExecuteScalarAsync(ct) is int p ? p : 0;

        // The most places taken at once within [start, end): a sweep over the starts and ends of the
        // overlapping holds (an end before a start at the same instant, as ranges are half-open).
        await using var count = db.Command("""
            with overlapping as (
                select greatest(lower(during), $2) as s, least(upper(during), $3) as e, places
                from bookings.slots
                where space_id = $1 and holds and not whole_space and during && tstzrange($2, $3, '[)')),
            edges as (
                select s as at, places as delta from overlapping
                union all
                select e, -places from overlapping)
            select coalesce(max(taken), 0)::int from (
                select sum(delta) over (order by at, delta rows between unbounded preceding and current row) as taken from edges) sweep
            """, spaceId, start.ToUniversalTime(), end.ToUniversalTime());
        var taken = (int)(await count.ExecuteScalarAsync(ct))!;
        if (taken > places)
            throw new DomainException(BookingRules.NoPlaceFree, $"The flexible-desk area has {places} places; not enough of them are free for all of that time.");
    }

    private static NpgsqlParameter Instant(DateTimeOffset value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
