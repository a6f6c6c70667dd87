namespace Allmende.Funding.Contracts;

// What other modules (Reporting, the audit export) may know of Funding. Published through the outbox in
// the same transaction as the events that caused them. Stable type names "funding.…" (FundingModule).
//
// Codes (stable strings):
//   CostType: room-hours, event-hall-hours, desk-fees, cooperative-shares, usage-fees, purpose-payments.
//   SourceKind: booking (SourceId = the booking), fixed-desk (SourceId = the desk assignment),
//     flexible-desk-plan (SourceId = the person whose plan it is), cooperative-shares (SourceId = the organisation),
//     usage-agreement (SourceId = the agreement; SpaceId null, SiteId the site of its spaces),
//     purpose-payment (SourceId = the payment for a sponsor's purpose; no place; always one grant, rule "share", the whole sum).
//   Payer: grant (GrantId and FunderId set) or organisation (its own share; both null).
//   Rule: for a grant: "share" (its share in full), "cap" (limited by its cap per organisation and month),
//     "budget" (limited by what was left of its budget); for the organisation's own share: "not-covered"
//     (no grant covers that part), "over-cap" (grants' caps were reached), "budget-exhausted" (grants ran out).
// Money in EUR cents. Month is the first day of the Europe/Berlin month the cost belongs to.

/// <summary>A part of a cost charged to a grant or to the organisation itself.</summary>
public sealed record CostAllocated(
    Guid AllocationId, string CostType, string SourceKind, Guid SourceId,
    string Payer, Guid? GrantId, Guid? FunderId, Guid OrganisationId,
    Guid? SiteId, Guid? SpaceId, string? ActionField, int Minutes, int Attendees,
    DateOnly Month, string Rule, long AmountCents, DateTimeOffset At);

/// <summary>An allocation undone in full (the booking was cancelled, moved or not charged); the same fields as it had.</summary>
public sealed record AllocationReversed(
    Guid AllocationId, string CostType, string SourceKind, Guid SourceId,
    string Payer, Guid? GrantId, Guid? FunderId, Guid OrganisationId,
    Guid? SiteId, Guid? SpaceId, string? ActionField, int Minutes, int Attendees,
    DateOnly Month, string Rule, long AmountCents, string Reason, DateTimeOffset At);

/// <summary>A grant's use (committed and spent) reached a warning threshold (percent of its budget).</summary>
public sealed record GrantBudgetThresholdReached(
    Guid GrantId, Guid FunderId, int ThresholdPercent, long UsedCents, long BudgetCents, DateTimeOffset At);

/// <summary>
/// A grant was awarded for these places: sites and spaces it covers (both empty: every place). Coverage
/// never changes after the award, so this is all another module needs to know where a grant pays.
/// </summary>
public sealed record GrantAwardedForPlaces(Guid GrantId, Guid FunderId, IReadOnlyList<Guid> SiteIds, IReadOnlyList<Guid> SpaceIds, DateTimeOffset At);
