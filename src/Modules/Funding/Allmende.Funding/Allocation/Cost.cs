using System.Collections.Immutable;
using Allmende.Eventing.Streams;
using Allmende.Funding.Common;

namespace Allmende.Funding.Allocation;

/// <summary>
/// What is paid for: a booking's chargeable minutes at the space's hourly rate, a month of a desk, a
/// payment on cooperative shares. Date: the Berlin date the cost belongs to (a booking's start date, the
/// month's first day for fees, the payment's date). UnitCents: the rate applied (per hour, per month,
/// or the payment). Minutes/Attendees are 0 where they do not apply; DeskDays: days of the month a desk
/// (or a usage agreement) was held (fees only). The place: SpaceId (a booking, a fixed desk) or
/// SpaceIds (the spaces of a usage agreement, all at SiteId); none for share payments and flexible-desk
/// plans, which no grant limited by place pays (ADR 12).
/// </summary>
internal sealed record CostLine(
    string CostType,
    string SourceKind,
    Guid SourceId,
    Guid OrganisationId,
    Guid? SiteId,
    Guid? SpaceId,
    string? ActionField,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    DateOnly Date,
    int Minutes,
    int Attendees,
    int DeskDays,
    long UnitCents,
    long CostCents,
    IReadOnlyList<Guid>? SpaceIds = null)
{
    public DateOnly Month => Berlin.MonthOf(Date);

    /// <summary>The spaces the cost is for: the agreement's, or the one space; empty when it has no place.</summary>
    public IReadOnlyList<Guid> Spaces => SpaceIds is { Count: > 0 } list ? list : SpaceId is { } space ? [space] : [];

    // Records compare lists by reference: a line recomputed from the same facts must equal the one in force.
    public bool Equals(CostLine? other) =>
        other is not null && CostType == other.CostType && SourceKind == other.SourceKind && SourceId == other.SourceId
        && OrganisationId == other.OrganisationId && SiteId == other.SiteId && SpaceId == other.SpaceId && ActionField == other.ActionField
        && Start == other.Start && End == other.End && Date == other.Date && Minutes == other.Minutes && Attendees == other.Attendees
        && DeskDays == other.DeskDays && UnitCents == other.UnitCents && CostCents == other.CostCents
        && (SpaceIds ?? []).SequenceEqual(other.SpaceIds ?? []);

    public override int GetHashCode() => HashCode.Combine(SourceId, Date, CostCents, Minutes, SpaceId);
}

/// <summary>Stable codes of what a cost comes from.</summary>
internal static class SourceKinds
{
    public const string Booking = "booking";
    public const string FixedDesk = "fixed-desk";
    public const string FlexibleDeskPlan = "flexible-desk-plan";
    public const string CooperativeShares = "cooperative-shares";
    public const string UsageAgreement = "usage-agreement";
    public const string PurposePayment = "purpose-payment";
}

/// <summary>What grants ask of an organisation: its kind and whether it is non-profit (Funding's copy of Membership's data).</summary>
internal sealed record OrganisationFacts(string? Kind, bool NonProfit);

// The private events of a cost's stream: "booking-cost-<bookingId>", "desk-fee-<source>-<yyyy-MM>",
// "share-payment-<organisation>-<paid cents>". Stored names "funding.cost.<kebab>"; never rename one.

/// <summary>The cost as it is now to be paid (a new booking, or a booking moved: after the old one's reversal).</summary>
internal sealed record CostLineRecorded(Guid SourceId, CostLine Line, DateTimeOffset At);

/// <summary>
/// A part of the recorded line charged to a grant (Payer "grant") or to the organisation itself (Payer
/// "organisation", GrantId null). Rule: see Allmende.Funding.Contracts.
/// </summary>
internal sealed record CostAllocated(Guid AllocationId, Guid SourceId, string Payer, Guid? GrantId, Guid? FunderId, string Rule, long AmountCents, DateTimeOffset At);

/// <summary>An allocation undone in full; the grant gets its amount back.</summary>
internal sealed record AllocationReversed(Guid AllocationId, Guid SourceId, string Reason, DateTimeOffset At);

/// <summary>The line is no longer to be paid (its allocations were reversed just before).</summary>
internal sealed record CostLineWithdrawn(Guid SourceId, string Reason, DateTimeOffset At);

/// <summary>
/// Final: the booking took place (completed), or ended otherwise. Charged: whether its cost stays
/// (completed, and no-shows or late cancellations when configured so) or was withdrawn.
/// What stays moves from committed to spent.
/// </summary>
internal sealed record CostSettled(Guid SourceId, string Outcome, bool Charged, DateTimeOffset At);

/// <summary>
/// Staff re-allocated the cost (a wrong grant, or a grant with budget again): its allocations in force
/// are reversed and the line allocated anew by the rules as they stand, PreferredGrantId (if any) first.
/// The reversals and allocations follow this event in the same append.
/// </summary>
internal sealed record CostReallocated(Guid SourceId, string Reason, Guid? PreferredGrantId, DateTimeOffset At);

internal static class CostEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(CostLineRecorded), "funding.cost.line-recorded"),
        (typeof(CostAllocated), "funding.cost.allocated"),
        (typeof(AllocationReversed), "funding.cost.allocation-reversed"),
        (typeof(CostLineWithdrawn), "funding.cost.line-withdrawn"),
        (typeof(CostSettled), "funding.cost.settled"),
        (typeof(CostReallocated), "funding.cost.reallocated"),
    ];
}

internal static class Payers
{
    public const string Grant = "grant";
    public const string Organisation = "organisation";
}

/// <summary>An allocation still in force.</summary>
internal sealed record ActiveAllocation(Guid AllocationId, string Payer, Guid? GrantId, Guid? FunderId, string Rule, long AmountCents);

/// <summary>A cost as its decisions see it: the line in force and what it is allocated to.</summary>
internal sealed record Cost(Guid SourceId, CostLine? Line, ImmutableList<ActiveAllocation> Active, bool Settled, DateTimeOffset LastChangeAt,
    string? Outcome = null) : IEventSourced<Cost>
{
    public static string BookingStreamId(Guid bookingId) => $"booking-cost-{bookingId:D}";

    public static Cost Initial { get; } = new(Guid.Empty, null, [], false, DateTimeOffset.MinValue);

    public static Cost Evolve(Cost state, object @event) => @event switch
    {
        CostLineRecorded e => state with { SourceId = e.SourceId, Line = e.Line, LastChangeAt = Later(state, e.At) },
        CostAllocated e => state with { SourceId = e.SourceId, Active = state.Active.Add(new ActiveAllocation(e.AllocationId, e.Payer, e.GrantId, e.FunderId, e.Rule, e.AmountCents)) },
        AllocationReversed e => state with { Active = state.Active.RemoveAll(a => a.AllocationId == e.AllocationId) },
        CostLineWithdrawn e => state with { SourceId = e.SourceId, Line = null, LastChangeAt = Later(state, e.At) },
        CostSettled e => state with { SourceId = e.SourceId, Settled = true, Outcome = e.Outcome, LastChangeAt = Later(state, e.At) },
        _ => state,
    };

    private static DateTimeOffset Later(Cost state, DateTimeOffset at) => at > state.LastChangeAt ? at : state.LastChangeAt;
}
