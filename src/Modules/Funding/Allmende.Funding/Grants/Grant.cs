using System.Collections.Immutable;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;

namespace Allmende.Funding.Grants;

// The private events of a grant's stream "grant-<id>". Stored names "funding.grant.<kebab>"; never rename one.
// The grant's stream also holds every charge and refund against its budget: appending them at the
// version read is what keeps two allocations from both spending the last euro (ADR 12).

/// <summary>
/// What a grant pays for. Empty lists mean "any". Sites and spaces limit the grant to costs at those
/// places, for every kind of cost: a space matches if it is listed or its site is; a cost for several
/// spaces (a usage agreement) only if every one of them matches; a cost with no place (share payments,
/// flexible-desk plans) never (ADR 12). CostTypes: room-hours, event-hall-hours, desk-fees,
/// cooperative-shares, usage-fees, purpose-payments (at least one).
/// </summary>
internal sealed record Coverage(
    IReadOnlyList<Guid> SiteIds,
    IReadOnlyList<Guid> SpaceIds,
    IReadOnlyList<string> OrganisationKinds,
    IReadOnlyList<Guid> OrganisationIds,
    bool NonProfitOnly,
    IReadOnlyList<string> CostTypes);

/// <summary>
/// A funder's commitment. ShareBasisPoints: the part of each cost it pays at most (10000 = all, 5000 =
/// half). Priority: lower goes first. CapPerOrganisationMonthCents: at most this per organisation and
/// Berlin month (null: no cap). StartsOn/EndsOn: Berlin dates, both inclusive.
/// </summary>
internal sealed record GrantAwarded(
    Guid GrantId, Guid FunderId, string Name, string Reference, long BudgetCents, DateOnly StartsOn, DateOnly EndsOn,
    Coverage Coverage, int ShareBasisPoints, int Priority, long? CapPerOrganisationMonthCents, DateTimeOffset At);

internal sealed record GrantBudgetIncreased(Guid GrantId, long IncreaseCents, long BudgetCents, string Reason, DateTimeOffset At);

internal sealed record GrantExtended(Guid GrantId, DateOnly EndsOn, DateOnly PreviousEndsOn, string Reason, DateTimeOffset At);

/// <summary>No new costs from now on; what was allocated stays (and may still be reversed).</summary>
internal sealed record GrantClosed(Guid GrantId, string Reason, DateTimeOffset At);

/// <summary>An allocation charged to the budget (committed until its cost settles, then spent).</summary>
internal sealed record GrantCharged(Guid GrantId, Guid AllocationId, Guid SourceId, Guid OrganisationId, DateOnly Month, long AmountCents, DateTimeOffset At);

/// <summary>An allocation reversed: its amount is back in the budget.</summary>
internal sealed record GrantRefunded(Guid GrantId, Guid AllocationId, Guid SourceId, Guid OrganisationId, DateOnly Month, long AmountCents, DateTimeOffset At);

/// <summary>Use (charged minus refunded) reached ThresholdPercent of the budget. Fires again only after use fell below it.</summary>
internal sealed record GrantBudgetThresholdReached(Guid GrantId, int ThresholdPercent, long UsedCents, long BudgetCents, DateTimeOffset At);

internal static class GrantEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(GrantAwarded), "funding.grant.awarded"),
        (typeof(GrantBudgetIncreased), "funding.grant.budget-increased"),
        (typeof(GrantExtended), "funding.grant.extended"),
        (typeof(GrantClosed), "funding.grant.closed"),
        (typeof(GrantCharged), "funding.grant.charged"),
        (typeof(GrantRefunded), "funding.grant.refunded"),
        (typeof(GrantBudgetThresholdReached), "funding.grant.budget-threshold-reached"),
    ];
}

/// <summary>Stable codes of cost types.</summary>
internal static class CostTypes
{
    public const string RoomHours = "room-hours";
    public const string EventHallHours = "event-hall-hours";
    public const string DeskFees = "desk-fees";
    public const string CooperativeShares = "cooperative-shares";
    public const string UsageFees = "usage-fees";

    /// <summary>Payments staff record against a sponsor's grant for its named purpose (a prize, a project); ADR 20.</summary>
    public const string PurposePayments = "purpose-payments";

    public static IReadOnlyList<string> All { get; } = [RoomHours, EventHallHours, DeskFees, CooperativeShares, UsageFees, PurposePayments];
}

internal sealed record Grant(
    Guid Id, Guid FunderId, string Name, string Reference, long BudgetCents, DateOnly StartsOn, DateOnly EndsOn, Coverage Coverage,
    int ShareBasisPoints, int Priority, long? CapPerOrganisationMonthCents, bool Closed, long UsedCents,
    ImmutableDictionary<(Guid Organisation, DateOnly Month), long> UsedByOrganisationMonth,
    ImmutableSortedSet<int> ThresholdsReached) : IEventSourced<Grant>
{
    public const int AllBasisPoints = 10_000;

    public static string StreamId(Guid id) => $"grant-{id:D}";

    public static Grant Initial { get; } = new(Guid.Empty, Guid.Empty, "", "", 0, default, default,
        new Coverage([], [], [], [], false, []), AllBasisPoints, 0, null, false, 0, ImmutableDictionary<(Guid, DateOnly), long>.Empty, []);

    public bool Exists => Id != Guid.Empty;

    public long RemainingCents => BudgetCents - UsedCents;

    public long UsedBy(Guid organisationId, DateOnly month) => UsedByOrganisationMonth.GetValueOrDefault((organisationId, month));

    public static Grant Evolve(Grant state, object @event) => @event switch
    {
        GrantAwarded e => Initial with
        {
            Id = e.GrantId, FunderId = e.FunderId, Name = e.Name, Reference = e.Reference, BudgetCents = e.BudgetCents, StartsOn = e.StartsOn,
            EndsOn = e.EndsOn, Coverage = e.Coverage, ShareBasisPoints = e.ShareBasisPoints, Priority = e.Priority,
            CapPerOrganisationMonthCents = e.CapPerOrganisationMonthCents,
        },
        GrantBudgetIncreased e => Rearm(state with { BudgetCents = e.BudgetCents }),
        GrantExtended e => state with { EndsOn = e.EndsOn },
        GrantClosed => state with { Closed = true },
        GrantCharged e => state with
        {
            UsedCents = state.UsedCents + e.AmountCents,
            UsedByOrganisationMonth = state.UsedByOrganisationMonth.SetItem((e.OrganisationId, e.Month), state.UsedBy(e.OrganisationId, e.Month) + e.AmountCents),
        },
        GrantRefunded e => Rearm(state with
        {
            UsedCents = state.UsedCents - e.AmountCents,
            UsedByOrganisationMonth = state.UsedByOrganisationMonth.SetItem((e.OrganisationId, e.Month), state.UsedBy(e.OrganisationId, e.Month) - e.AmountCents),
        }),
        GrantBudgetThresholdReached e => state with { ThresholdsReached = state.ThresholdsReached.Add(e.ThresholdPercent) },
        _ => state,
    };

    /// <summary>Whether use has reached <paramref name="percent"/> of the budget (exact, in integers).</summary>
    public bool Reached(int percent) => BudgetCents > 0 && UsedCents * 100 >= BudgetCents * (long)percent;

    // A threshold that use has fallen below (refund, more budget) warns again when reached anew.
    private static Grant Rearm(Grant state) => state with { ThresholdsReached = [.. state.ThresholdsReached.Where(state.Reached)] };

    /// <summary>
    /// A company pays its employees' desks itself (ADR 21): a grant never pays a company's desk fees, so
    /// public money does not stand in for an employer's cost.
    /// </summary>
    public const string CompanyKind = "company";

    /// <summary>Whether this grant may pay for the cost at all (its limits aside).</summary>
    public bool Covers(CostLine line, OrganisationFacts organisation)
    {
        if (Closed || line.Date < StartsOn || line.Date > EndsOn || !Coverage.CostTypes.Contains(line.CostType))
            return false;
        if (Coverage.OrganisationIds.Count > 0 && !Coverage.OrganisationIds.Contains(line.OrganisationId))
            return false;
        if (Coverage.OrganisationKinds.Count > 0 && (organisation.Kind is null || !Coverage.OrganisationKinds.Contains(organisation.Kind)))
            return false;
        if (Coverage.NonProfitOnly && !organisation.NonProfit)
            return false;
        if (line.CostType == CostTypes.DeskFees && organisation.Kind == CompanyKind)
            return false;
        return CoversPlace(line);
    }

    /// <summary>
    /// A grant limited by place pays only costs wholly at its places: every space of the cost listed, or
    /// at a listed site. A cost without a place (a share payment, a flexible-desk plan) is outside every
    /// place, so only grants not limited by place pay it (ADR 12): money never lands on a grant for a
    /// house it was not given for.
    /// </summary>
    public bool CoversPlace(CostLine line)
    {
        if (Coverage.SiteIds.Count == 0 && Coverage.SpaceIds.Count == 0)
            return true;
        var spaces = line.Spaces;
        if (spaces.Count == 0)
            return false;
        var atSite = line.SiteId is { } site && Coverage.SiteIds.Contains(site);
        return atSite || spaces.All(Coverage.SpaceIds.Contains);
    }
}
