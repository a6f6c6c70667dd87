using Allmende.Bookings.Contracts;
using Allmende.Eventing.Messaging;
using Allmende.Funding.Common;
using Allmende.Funding.Grants;
using Microsoft.Extensions.Options;

namespace Allmende.Funding.Allocation;

/// <summary>What happened to a booking, as one of Bookings' contracts says.</summary>
internal enum BookingChange
{
    Confirmed,
    Changed,
    Completed,
    Cancelled,
    LateCancelled,
    NoShow,
    NoShowUndone,
}

/// <summary>A booking's data as every contract of Bookings carries it (full data, never a diff).</summary>
internal sealed record BookingFacts(Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId, DateTimeOffset Start, DateTimeOffset End,
    int Attendees, string ActionField, int ChargeableMinutes, DateTimeOffset At);

/// <summary>The space as costing needs it: its kind and the hourly rate in force on the booking's Berlin start date.</summary>
internal sealed record SpaceCost(string Kind, long HourlyRateCents);

/// <summary>
/// The cost of a booking follows its life: allocated when confirmed, re-allocated when moved, settled
/// (committed → spent) when completed, reversed when cancelled, and for late cancellations and no-shows
/// kept or reversed as configured. Pure: the handler loads, this decides.
/// </summary>
internal static class BookingCosts
{
    /// <summary>Whether the booking's cost should stand after the change, and the final outcome if the change ends it.</summary>
    public static (bool Charge, string? Outcome) Target(BookingChange change, FundingOptions options) => change switch
    {
        BookingChange.Confirmed or BookingChange.Changed => (true, null),
        BookingChange.Completed => (true, "completed"),
        BookingChange.LateCancelled => (options.ChargeLateCancellations, "late-cancellation"),
        BookingChange.Cancelled => (false, "cancelled"),
        BookingChange.NoShow => (options.ChargeNoShows, "no-show"),
        BookingChange.NoShowUndone => (options.ChargeUndoneNoShows, "completed"),
        _ => throw new ArgumentOutOfRangeException(nameof(change)),
    };

    /// <summary>
    /// Whether the message can change anything: a settled cost is final (a late "confirmed" after the
    /// cancellation changes nothing) except a no-show that staff undid, and a message older than the last
    /// one applied is stale.
    /// </summary>
    public static bool IsStale(Cost cost, BookingChange change, BookingFacts facts) =>
        cost.Settled && !(change == BookingChange.NoShowUndone && cost.Outcome == "no-show") || facts.At < cost.LastChangeAt;

    /// <summary>
    /// The cost line: chargeable minutes at the hourly rate, times the places taken in a flexible-desk
    /// area (its rate is per place), rounded half up to the cent. Event halls are "event-hall-hours",
    /// every other space "room-hours".
    /// </summary>
    public static CostLine Line(BookingFacts b, SpaceCost space)
    {
        var places = space.Kind == "flexible-desk-area" ? Math.Max(1, b.Attendees) : 1;
        var minutes = Math.Max(0, b.ChargeableMinutes);
        var cost = (long)(((Int128)space.HourlyRateCents * places * minutes + 30) / 60);
        return new CostLine(space.Kind == "event-hall" ? CostTypes.EventHallHours : CostTypes.RoomHours, SourceKinds.Booking, b.BookingId,
            b.OrganisationId, b.SiteId, b.SpaceId, b.ActionField, b.Start, b.End, Berlin.DateOf(b.Start), minutes, b.Attendees, 0,
            space.HourlyRateCents, cost);
    }

    /// <summary>
    /// The cost's events for the change: if the line to charge differs from the one in force, the old
    /// one's allocations are reversed and the new one allocated; an ending change settles the cost.
    /// <paramref name="booked"/>: the booking's line though it is not to be charged, given when the cost
    /// has no events yet (see below).
    /// </summary>
    public static IReadOnlyList<object> Decide(Cost cost, BookingChange change, BookingFacts facts, CostLine? line, OrganisationFacts organisation,
        Ledger ledger, FundingOptions options, CostLine? booked = null)
    {
        if (IsStale(cost, change, facts))
            return [];
        var (_, outcome) = Target(change, options);
        var events = new List<object>();
        if (cost.Line != line)
        {
            if (cost.Line is not null)
                events.AddRange(ledger.Withdraw(cost, ReasonOf(change), facts.At));
            if (line is not null)
                events.AddRange(ledger.Allocate(line, organisation, facts.At));
        }
        else if (line is null && outcome is not null && IsNew(cost) && booked is not null)
        {
            // Ended uncharged before Funding recorded it (its confirmation's delivery was still being retried,
            // and is stale once this settles): recorded and withdrawn at once, unallocated, so that reports
            // know the booking and how it ended, as they would had the confirmation come first.
            events.Add(new CostLineRecorded(facts.BookingId, booked, facts.At));
            events.Add(new CostLineWithdrawn(facts.BookingId, ReasonOf(change), facts.At));
        }
        if (outcome is not null)
            events.Add(new CostSettled(facts.BookingId, outcome, line is not null, facts.At));
        return events;
    }

    /// <summary>Whether the cost's stream has no events yet.</summary>
    public static bool IsNew(Cost cost) => cost.SourceId == Guid.Empty;

    private static string ReasonOf(BookingChange change) => change switch
    {
        BookingChange.Changed => "rescheduled",
        BookingChange.Cancelled => "cancelled",
        BookingChange.LateCancelled => "late cancellation not charged",
        BookingChange.NoShow => "no-show not charged",
        BookingChange.NoShowUndone => "undone no-show not charged",
        _ => "re-costed",
    };
}

/// <summary>
/// Allocates and reverses bookings' costs from Bookings' contracts. Each delivery loads the booking's
/// cost stream and the grants concerned, decides, and appends at the versions loaded in the delivery's
/// transaction; a concurrent charge to one of the grants, or a copy not yet known (the space's or
/// organisation's message still on its way), fails the delivery, which is retried.
/// </summary>
[RetryPolicy(MaxAttempts = 12, InitialDelayMilliseconds = 200, MaxDelayMilliseconds = 30_000)]
internal sealed class BookingCostHandlers(IOptions<FundingOptions> options)
{
    public Task Handle(BookingConfirmed m, MessageContext context, CancellationToken ct) =>
        ApplyAsync(context, BookingChange.Confirmed, new(m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.Attendees, m.ActionField, m.ChargeableMinutes, m.At), ct);

    public Task Handle(BookingChanged m, MessageContext context, CancellationToken ct) =>
        ApplyAsync(context, BookingChange.Changed, new(m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.Attendees, m.ActionField, m.ChargeableMinutes, m.At), ct);

    public Task Handle(BookingCompleted m, MessageContext context, CancellationToken ct) =>
        ApplyAsync(context, BookingChange.Completed, new(m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.Attendees, m.ActionField, m.ChargeableMinutes, m.At), ct);

    public Task Handle(BookingCancelled m, MessageContext context, CancellationToken ct) =>
        ApplyAsync(context, m.Late ? BookingChange.LateCancelled : BookingChange.Cancelled,
            new(m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.Attendees, m.ActionField, m.ChargeableMinutes, m.At), ct);

    public Task Handle(BookingNoShow m, MessageContext context, CancellationToken ct) =>
        ApplyAsync(context, BookingChange.NoShow, new(m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.Attendees, m.ActionField, m.ChargeableMinutes, m.At), ct);

    public Task Handle(BookingNoShowUndone m, MessageContext context, CancellationToken ct) =>
        ApplyAsync(context, BookingChange.NoShowUndone, new(m.BookingId, m.SpaceId, m.SiteId, m.OrganisationId, m.Start, m.End, m.Attendees, m.ActionField, m.ChargeableMinutes, m.At), ct);

    private async Task ApplyAsync(MessageContext context, BookingChange change, BookingFacts facts, CancellationToken ct)
    {
        var policy = options.Value;
        var streamId = Cost.BookingStreamId(facts.BookingId);
        var current = await context.Work.LoadAsync<Cost>(streamId, ct);
        var cost = current?.State ?? Cost.Initial;
        if (BookingCosts.IsStale(cost, change, facts))
            return;

        CostLine? line = null;
        CostLine? booked = null;
        var organisation = new OrganisationFacts(null, false);
        if (BookingCosts.Target(change, policy).Charge)
        {
            line = BookingCosts.Line(facts, await SpaceCostAsync(context, facts, ct));
            organisation = await CostWrites.OrganisationAsync(context, facts.OrganisationId, ct)
                ?? throw new InvalidOperationException($"Funding does not know organisation {facts.OrganisationId} yet; retried once Membership's message arrives.");
        }
        else if (BookingCosts.IsNew(cost))
        {
            booked = BookingCosts.Line(facts, await SpaceCostAsync(context, facts, ct));
        }
        var grants = await CostWrites.LoadGrantsAsync(context, line, cost, ct);
        var ledger = new Ledger(grants.Values.Select(g => g.State), policy.Thresholds, Guid.CreateVersion7);
        var events = BookingCosts.Decide(cost, change, facts, line, organisation, ledger, policy, booked);
        CostWrites.Stage(context.Work, "booking-cost", streamId, current?.Version, cost, events, ledger, grants);
    }

    private static async Task<SpaceCost> SpaceCostAsync(MessageContext context, BookingFacts facts, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            select s.kind, coalesce((select r.hourly_rate_cents from funding.space_rates r
                                     where r.space_id = s.space_id and r.effective_from <= $2 order by r.effective_from desc limit 1), 0)
            from funding.spaces s where s.space_id = $1
            """, facts.SpaceId, Berlin.DateOf(facts.Start));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new SpaceCost(reader.GetString(0), reader.GetInt64(1))
            : throw new InvalidOperationException($"Funding does not know space {facts.SpaceId} yet; retried once Spaces' message arrives.");
    }
}
