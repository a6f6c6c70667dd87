using Allmende.Eventing.Api;
using Allmende.Funding.Grants;

namespace Allmende.Funding.Allocation;

/// <summary>A part of a cost and who pays it.</summary>
internal sealed record Portion(string Payer, Guid? GrantId, Guid? FunderId, string Rule, long AmountCents);

/// <summary>Stable codes of the rule that set an allocation's amount (see Allmende.Funding.Contracts).</summary>
internal static class AllocationRules
{
    public const string Share = "share";
    public const string Cap = "cap";
    public const string Budget = "budget";
    public const string NotCovered = "not-covered";
    public const string OverCap = "over-cap";
    public const string BudgetExhausted = "budget-exhausted";
}

/// <summary>
/// The pure core of allocation: which grants pay how much of a cost, and in what order.
/// Eligible grants go by priority (lower first), then the earlier start, then id. Each pays at most its
/// share of the whole cost, floor(cost × basis points / 10000), and no more than is still unpaid, its
/// cap for the organisation and month allows, and its budget has left. What no grant pays is the
/// organisation's own share, split by why: budgets ran out, caps were reached, or nothing covers it
/// (see ADR 12). The portions always add up to the cost, to the cent.
/// </summary>
internal static class Allocator
{
    /// <param name="first">A grant staff chose for a re-allocation: it goes before the others (if it covers the cost at all).</param>
    public static IReadOnlyList<Portion> Split(CostLine line, OrganisationFacts organisation, IEnumerable<Grant> grants, Guid? first = null)
    {
        if (line.CostCents <= 0)
            return [];
        var eligible = grants.Where(g => g.Covers(line, organisation))
            .OrderBy(g => g.Id == first ? 0 : 1).ThenBy(g => g.Priority).ThenBy(g => g.StartsOn).ThenBy(g => g.Id).ToList();

        var portions = new List<Portion>();
        var remaining = line.CostCents;
        foreach (var grant in eligible)
        {
            var want = Math.Min(ShareOf(line.CostCents, grant.ShareBasisPoints), remaining);
            var capRoom = CapRoom(grant, line);
            var budgetRoom = Math.Max(0, grant.RemainingCents);
            var take = Math.Min(want, Math.Min(capRoom, budgetRoom));
            if (take > 0)
            {
                var rule = take == want ? AllocationRules.Share : capRoom <= budgetRoom ? AllocationRules.Cap : AllocationRules.Budget;
                portions.Add(new Portion(Payers.Grant, grant.Id, grant.FunderId, rule, take));
                remaining -= take;
            }
        }

        // The own share, by why: what budgets would have paid, what caps would have paid, what nothing covers.
        var withoutBudgets = Unpaid(line, eligible, limitBudget: false, limitCap: true);
        var withoutLimits = Unpaid(line, eligible, limitBudget: false, limitCap: false);
        AddOwn(portions, line, AllocationRules.BudgetExhausted, remaining - withoutBudgets);
        AddOwn(portions, line, AllocationRules.OverCap, withoutBudgets - withoutLimits);
        AddOwn(portions, line, AllocationRules.NotCovered, withoutLimits);
        return portions;
    }

    /// <summary>floor(cost × basisPoints / 10000): the grant gets the floor, the organisation the rest.</summary>
    public static long ShareOf(long costCents, int basisPoints) => (long)((Int128)costCents * basisPoints / Grant.AllBasisPoints);

    private static long CapRoom(Grant grant, CostLine line) =>
        grant.CapPerOrganisationMonthCents is { } cap ? Math.Max(0, cap - grant.UsedBy(line.OrganisationId, line.Month)) : long.MaxValue;

    // With greedy filling the unpaid rest is max(0, cost − Σ min(share, limits)), so lifting a limit never raises it.
    private static long Unpaid(CostLine line, IEnumerable<Grant> eligible, bool limitBudget, bool limitCap)
    {
        var remaining = line.CostCents;
        foreach (var grant in eligible)
        {
            var take = Math.Min(ShareOf(line.CostCents, grant.ShareBasisPoints), remaining);
            if (limitCap)
                take = Math.Min(take, CapRoom(grant, line));
            if (limitBudget)
                take = Math.Min(take, Math.Max(0, grant.RemainingCents));
            remaining -= take;
        }
        return remaining;
    }

    private static void AddOwn(List<Portion> portions, CostLine line, string rule, long amount)
    {
        if (amount > 0)
            portions.Add(new Portion(Payers.Organisation, null, null, rule, amount));
    }
}

/// <summary>
/// Builds the events of one unit of work that moves money: reversals and allocations on cost streams,
/// charges, refunds and threshold warnings on grant streams. Pure (no I/O): it starts from the grants
/// as loaded and keeps their state as its own events change them, so several costs in one unit see each
/// other's charges. The caller appends each grant's events at the version it loaded.
/// </summary>
internal sealed class Ledger(IEnumerable<Grant> grants, IReadOnlyList<int> thresholds, Func<Guid> newId)
{
    private readonly Dictionary<Guid, Grant> _grants = grants.ToDictionary(g => g.Id);
    private readonly Dictionary<Guid, List<object>> _grantEvents = [];

    public IReadOnlyDictionary<Guid, List<object>> GrantEvents => _grantEvents;

    public IEnumerable<Grant> Grants => _grants.Values;

    /// <summary>Reverses every allocation in force and withdraws the line. Returns the cost's events.</summary>
    public IReadOnlyList<object> Withdraw(Cost cost, string reason, DateTimeOffset at)
    {
        var events = new List<object>();
        if (cost.Line is not { } line)
            return events;
        foreach (var allocation in cost.Active)
        {
            events.Add(new AllocationReversed(allocation.AllocationId, cost.SourceId, reason, at));
            if (allocation.GrantId is { } grantId)
                Add(grantId, new GrantRefunded(grantId, allocation.AllocationId, cost.SourceId, line.OrganisationId, line.Month, allocation.AmountCents, at));
        }
        events.Add(new CostLineWithdrawn(cost.SourceId, reason, at));
        return events;
    }

    /// <summary>
    /// Re-allocation by staff: reverses every allocation in force (the grants get their amounts back),
    /// records the same line again and allocates it by the rules as the grants stand now, the preferred
    /// grant first; a settled cost stays settled (its new allocations are spent at once). Rules (409):
    /// cost-withdrawn (nothing to allocate), not-covered (the preferred grant may not pay this cost).
    /// </summary>
    public IReadOnlyList<object> Reallocate(Cost cost, OrganisationFacts organisation, string reason, Guid? preferred, DateTimeOffset at)
    {
        if (cost.Line is not { } line)
            throw new DomainException("cost-withdrawn", $"Cost {cost.SourceId} is withdrawn: there is nothing to allocate.");
        if (preferred is { } chosen && (!_grants.TryGetValue(chosen, out var grant) || !grant.Covers(line, organisation)))
            throw new DomainException("not-covered", $"Grant {chosen} does not cover this cost (its period, cost types, places or organisations), or is closed.");
        var events = new List<object> { new CostReallocated(cost.SourceId, reason, preferred, at) };
        foreach (var allocation in cost.Active)
        {
            events.Add(new AllocationReversed(allocation.AllocationId, cost.SourceId, reason, at));
            if (allocation.GrantId is { } grantId)
                Add(grantId, new GrantRefunded(grantId, allocation.AllocationId, cost.SourceId, line.OrganisationId, line.Month, allocation.AmountCents, at));
        }
        events.AddRange(Allocate(line, organisation, at, preferred));
        if (cost.Settled)
            events.Add(new CostSettled(cost.SourceId, cost.Outcome ?? "reallocated", true, at));
        return events;
    }

    /// <summary>Records the line and allocates it (<paramref name="first"/>: a grant staff chose, before the others). Returns the cost's events.</summary>
    public IReadOnlyList<object> Allocate(CostLine line, OrganisationFacts organisation, DateTimeOffset at, Guid? first = null)
    {
        var events = new List<object> { new CostLineRecorded(line.SourceId, line, at) };
        foreach (var portion in Allocator.Split(line, organisation, _grants.Values, first))
        {
            var id = newId();
            events.Add(new CostAllocated(id, line.SourceId, portion.Payer, portion.GrantId, portion.FunderId, portion.Rule, portion.AmountCents, at));
            if (portion.GrantId is { } grantId)
                Charge(grantId, id, line, portion.AmountCents, at);
        }
        return events;
    }

    /// <summary>
    /// Records the line and charges all of it to one grant, share and cap aside: a payment for a sponsor's
    /// named purpose is that grant's by definition (ADR 20). Whether the grant may pay it (period, budget)
    /// is decided before; this only moves the money. Returns the cost's events.
    /// </summary>
    public IReadOnlyList<object> PayInFull(CostLine line, Guid grantId, DateTimeOffset at)
    {
        var grant = _grants[grantId];
        var id = newId();
        List<object> events =
        [
            new CostLineRecorded(line.SourceId, line, at),
            new CostAllocated(id, line.SourceId, Payers.Grant, grantId, grant.FunderId, AllocationRules.Share, line.CostCents, at),
        ];
        Charge(grantId, id, line, line.CostCents, at);
        return events;
    }

    private void Charge(Guid grantId, Guid allocationId, CostLine line, long amountCents, DateTimeOffset at)
    {
        Add(grantId, new GrantCharged(grantId, allocationId, line.SourceId, line.OrganisationId, line.Month, amountCents, at));
        var grant = _grants[grantId];
        foreach (var threshold in thresholds.Order())
        {
            if (grant.Reached(threshold) && !grant.ThresholdsReached.Contains(threshold))
                Add(grantId, new GrantBudgetThresholdReached(grantId, threshold, grant.UsedCents, grant.BudgetCents, at));
            grant = _grants[grantId];
        }
    }

    private void Add(Guid grantId, object @event)
    {
        if (!_grantEvents.TryGetValue(grantId, out var list))
            _grantEvents[grantId] = list = [];
        list.Add(@event);
        _grants[grantId] = Grant.Evolve(_grants[grantId], @event);
    }
}
