namespace Allmende.Spaces.Contracts;

// What other modules may know of spaces (for Bookings and Funding). Published through the outbox in
// the same transaction as the events that caused them; full data, never a diff. Stable type names
// "spaces.space-…" (SpacesModule).
//
// Codes (stable strings):
//   Kind: room, event-hall, fixed-desk, flexible-desk-area, workshop-slot, not-bookable.
//   Accessibility: step-free-access, lift, wide-doors, accessible-toilet, hearing-loop,
//     accessible-parking, tactile-guidance, height-adjustable-tables.
//   OrganisationKinds: initiative, association, social-enterprise, cooperative, company, public-body.
// Money in EUR cents. EffectiveFrom is a Europe/Berlin local date.

/// <summary>Rates from EffectiveFrom on (until the next rate's EffectiveFrom): the cost basis for funding.</summary>
public sealed record SpaceRate(long HourlyRateCents, long MonthlyDeskFeeCents, DateOnly EffectiveFrom);

/// <summary>
/// Who may book and how: durations in minutes (null: no limit), at least LeadTimeMinutes before the
/// start, staff approval needed or not, and the organisation kinds allowed to book.
/// </summary>
public sealed record SpaceBookingRules(
    int? MinDurationMinutes,
    int? MaxDurationMinutes,
    int LeadTimeMinutes,
    bool ApprovalRequired,
    IReadOnlyList<string> OrganisationKinds);

/// <summary>
/// A new space at a site. Places: the number of desk places of a flexible-desk-area (null for other
/// kinds). Bookable: not retired and not of kind not-bookable. Rates: the whole rate schedule, oldest first.
/// </summary>
public sealed record SpaceOpened(
    Guid SpaceId,
    Guid SiteId,
    Guid? FloorId,
    string Name,
    string Kind,
    bool Bookable,
    int Capacity,
    int? Places,
    IReadOnlyList<string> Accessibility,
    IReadOnlyList<string> Equipment,
    IReadOnlyList<SpaceRate> Rates,
    SpaceBookingRules Rules);

/// <summary>The space's details or booking rules changed: the whole space as it is now, as in <see cref="SpaceOpened"/>.</summary>
public sealed record SpaceChanged(
    Guid SpaceId,
    Guid SiteId,
    Guid? FloorId,
    string Name,
    string Kind,
    bool Bookable,
    int Capacity,
    int? Places,
    IReadOnlyList<string> Accessibility,
    IReadOnlyList<string> Equipment,
    IReadOnlyList<SpaceRate> Rates,
    SpaceBookingRules Rules);

/// <summary>
/// New rates from EffectiveFrom on. They replace a rate scheduled for the same day; rates scheduled
/// earlier stay in force until then.
/// </summary>
public sealed record SpaceRatesChanged(Guid SpaceId, Guid SiteId, long HourlyRateCents, long MonthlyDeskFeeCents, DateOnly EffectiveFrom);

/// <summary>The space takes no more bookings from RetiredAt on; it stays in history.</summary>
public sealed record SpaceRetired(Guid SpaceId, Guid SiteId, DateTimeOffset RetiredAt, string? Reason);
