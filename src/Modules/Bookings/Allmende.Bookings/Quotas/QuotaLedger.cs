using Allmende.Bookings.Bookings;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Bookings.Quotas;

/// <summary>
/// The quota side of one unit of work on bookings: decides the free/chargeable split of bookings that
/// take a slot and gives free minutes back when they release it, against the month's quota stream as
/// loaded, and writes each touched quota stream once, at the version it was loaded at (or starts it).
/// A concurrent booking of the same organisation and month makes the commit fail
/// (<see cref="IsRace"/>), and the command is decided anew (<see cref="QuotaWrites"/>) or the delivery retried.
/// </summary>
internal sealed class QuotaLedger
{
    private readonly Func<string, object?[], CancellationToken, Task<object?>> _scalar;
    private readonly Dictionary<string, Loaded> _streams = new(StringComparer.Ordinal);

    private QuotaLedger(Func<string, object?[], CancellationToken, Task<object?>> scalar) => _scalar = scalar;

    private sealed class Loaded(long? version, OrganisationMonthQuota state)
    {
        public long? Version { get; } = version;
        public OrganisationMonthQuota State { get; set; } = state;
        public List<object> Pending { get; } = [];
    }

    /// <summary>Reads allowances through the data source (endpoints).</summary>
    public static QuotaLedger Over(NpgsqlDataSource db) => new(async (sql, values, ct) =>
    {
        await using var command = db.CreateCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return await command.ExecuteScalarAsync(ct);
    });

    /// <summary>Reads allowances in a delivery's transaction (handlers).</summary>
    public static QuotaLedger Over(ProjectionContext db) => new(async (sql, values, ct) =>
    {
        await using var command = db.Command(sql, values);
        return await command.ExecuteScalarAsync(ct);
    });

    /// <summary>
    /// An organisation's free minutes in a month: the largest free hours among the plans held for it
    /// on any day of that month (a plan changing mid-month gives the better of the two for the whole
    /// month), times 60; 0 without a plan or with plans staff gave no free hours.
    /// </summary>
    public async Task<int> AllowanceMinutesAsync(Guid organisationId, string month, CancellationToken ct)
    {
        var (first, last) = QuotaMonths.Days(month);
        var hours = await _scalar("""
            select coalesce(max(f.hours_per_month), 0)::int
            from bookings.organisation_plans p join bookings.free_hours f on f.plan = p.plan
            where p.organisation_id = $1 and p.valid_from <= $3 and (p.valid_until is null or p.valid_until >= $2)
            """, [organisationId, first, last], ct);
        return (int)hours! * 60;
    }

    /// <summary>
    /// The booking's events with its quota events added, for <paramref name="decided"/> (a decision's
    /// events on <paramref name="before"/>); the quota streams' events are kept for <see cref="WriteTo"/>.
    /// Given back: free minutes of a booking cancelled in time, rejected, expired, or moved (then decided
    /// anew for the new range). Decided: when a booking takes a slot (requested, or moved), counted in
    /// the month of its start, only where the organisation has an allowance that month.
    /// </summary>
    public async Task<IReadOnlyList<object>> StageAsync(UnitOfWork uow, Booking before, IReadOnlyList<object> decided, DateTimeOffset now,
        CancellationToken ct)
    {
        if (decided.Count == 0)
            return decided;
        var after = before.Fold(decided);
        var moved = decided.Any(e => e is BookingRescheduled);
        var returned = new List<object>();
        if (before.QuotaMonth is { } counted && (moved || GivesBack(after)))
        {
            var quota = await LoadAsync(uow, before.OrganisationId, counted, ct);
            foreach (var e in Record(quota, OrganisationMonthQuota.Return(quota.State, before.OrganisationId, counted, before.Id, now)))
                if (e is QuotaMinutesReturned r)
                    returned.Add(new BookingQuotaReturned(before.Id, counted, r.FreeMinutes, now));
        }

        var applied = new List<object>();
        if (after.HoldsSlot && (moved || decided.Any(e => e is BookingRequested)))
        {
            var month = QuotaMonths.Of(after.Start);
            var allowance = await AllowanceMinutesAsync(after.OrganisationId, month, ct);
            if (allowance > 0)
            {
                var quota = await LoadAsync(uow, after.OrganisationId, month, ct);
                foreach (var e in Record(quota, OrganisationMonthQuota.Take(quota.State, after.OrganisationId, month, after.Id, after.DurationMinutes, allowance, now)))
                    if (e is QuotaMinutesTaken t)
                        applied.Add(new BookingQuotaApplied(after.Id, month, t.FreeMinutes, t.ChargeableMinutes, now));
            }
        }
        if (returned.Count == 0 && applied.Count == 0)
            return decided;

        // Returned before the decision, applied right after the event that took the slot, so the stream reads in order.
        var events = new List<object>(returned);
        foreach (var e in decided)
        {
            events.Add(e);
            if (e is BookingRequested or BookingRescheduled)
                events.AddRange(applied);
        }
        return events;
    }

    /// <summary>Whether <see cref="WriteTo"/> started a quota stream (a month's first booking).</summary>
    public bool StartedStream { get; private set; }

    /// <summary>Appends every touched quota stream once, at the version it was loaded at (or starts it).</summary>
    public void WriteTo(UnitOfWork uow)
    {
        foreach (var (streamId, quota) in _streams)
        {
            if (quota.Pending.Count == 0)
                continue;
            if (quota.Version is { } version)
                uow.Append(streamId, version, quota.Pending);
            else
            {
                uow.StartStream("quota", streamId, quota.Pending);
                StartedStream = true;
            }
        }
        _streams.Clear();
    }

    /// <summary>
    /// Another booking of the same organisation and month committed first: decide anew. A stream that
    /// "already exists" while this unit started a quota stream is that one: the store names the first
    /// stream the unit started when the server does not say which key it was (it hides error details),
    /// and the booking's own new stream, with its fresh UUIDv7, cannot exist already.
    /// </summary>
    public bool IsRace(Exception e) =>
        e is ConcurrencyException { StreamId: var s } && s.StartsWith("quota-", StringComparison.Ordinal)
        || e is StreamAlreadyExistsException && StartedStream;

    private static bool GivesBack(Booking after) =>
        after.Status is BookingStatus.Rejected or BookingStatus.Expired || after.Status == BookingStatus.Cancelled && !after.LateCancellation;

    private async Task<Loaded> LoadAsync(UnitOfWork uow, Guid organisationId, string month, CancellationToken ct)
    {
        var streamId = OrganisationMonthQuota.StreamId(organisationId, month);
        if (!_streams.TryGetValue(streamId, out var quota))
        {
            var stored = await uow.LoadAsync<OrganisationMonthQuota>(streamId, ct);
            quota = new Loaded(stored?.Version, stored?.State ?? OrganisationMonthQuota.Initial);
            _streams[streamId] = quota;
        }
        return quota;
    }

    private static IReadOnlyList<object> Record(Loaded quota, IReadOnlyList<object> events)
    {
        quota.Pending.AddRange(events);
        quota.State = events.Aggregate(quota.State, OrganisationMonthQuota.Evolve);
        return events;
    }
}

/// <summary>
/// Commits a booking's decision from an endpoint with its quota, deciding the quota anew when another
/// booking of the same organisation and month committed in between. Everything else of the decision
/// does not depend on the quota stream, and the booking's own stream is still appended at the version
/// read, so a retry is the whole command again. Such a race is the server's own business (the client
/// named no quota version), so it is retried until it goes through, within bounds: of n bookings racing
/// in lockstep the last one loses up to n - 1 times, and a random pause that grows (capped) with each
/// loss spreads the racers out. Forty attempts, at most about three seconds of pauses in all, carry a
/// burst of 30 bookings of one organisation and month on this machine (QuotaApiTests); a command that
/// still loses then gets the 409 of a concurrent change, which names no stream.
/// </summary>
internal static class QuotaWrites
{
    public const int Attempts = 40;

    /// <summary>The pause before attempt <paramref name="attempt"/> + 1: random up to 2^attempt ms, at most 100 ms.</summary>
    public static TimeSpan Pause(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(100, 1 << Math.Min(attempt, 7)) + 1));

    /// <returns>The booking stream's new version and its events as appended (the decision's with the quota's).</returns>
    public static async Task<(long Version, IReadOnlyList<object> Events)> CommitAsync(
        EventStore store, EventMetadata metadata, NpgsqlDataSource db, StreamState<Booking>? current, Guid bookingId, IReadOnlyList<object> decided,
        BookingPolicy policy, DateTimeOffset now, CancellationToken ct, Action<UnitOfWork>? alsoStage = null)
    {
        var before = current?.State ?? Booking.Initial;
        for (var attempt = 1; ; attempt++)
        {
            var uow = store.Begin(metadata);
            var ledger = QuotaLedger.Over(db);
            var events = await ledger.StageAsync(uow, before, decided, now, ct);
            if (current is null)
                uow.StartStream("booking", Booking.StreamId(bookingId), events);
            else
                uow.Append(current.StreamId, current.Version, events);
            ledger.WriteTo(uow);
            BookingWrites.Stage(uow, before, events, policy);
            alsoStage?.Invoke(uow);
            try
            {
                var stored = await BookingWrites.CommitAsync(uow, ct);
                return (stored.Last(e => e.StreamId == Booking.StreamId(bookingId)).StreamVersion, events);
            }
            catch (Exception e) when (attempt < Attempts && ledger.IsRace(e))
            {
                // Lost the race for this month's free minutes: load the quota stream again and decide anew.
                await Task.Delay(Pause(attempt), ct);
            }
        }
    }
}
