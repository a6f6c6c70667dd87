namespace Allmende.Host.Web.Api;

// The Spaces and Funding API's JSON as the staff's management pages read it (sites, spaces, funders,
// grants): a client's view, no rule in it.

internal sealed record AddressView(string Street, string PostalCode, string City);

internal sealed record OpeningView(string Day, string Opens, string Closes);

internal sealed record LeaseView(DateOnly? From, DateOnly? Until);

internal sealed record ClosureView(Guid Id, DateTimeOffset From, DateTimeOffset To, DateOnly? FirstDay, DateOnly? LastDay, string Reason);

internal sealed record SiteSummaryView(Guid Id, string Name, AddressView Address, LeaseView? Lease, long Version);

internal sealed record FloorView(Guid Id, string Name);

internal sealed record SiteView(Guid Id, string Name, AddressView Address, IReadOnlyList<OpeningView> OpeningHours, IReadOnlyList<ClosureView> Closures,
    LeaseView? Lease, long Version, IReadOnlyList<FloorView>? Floors = null);

internal sealed record RateView(long HourlyRateCents, long MonthlyDeskFeeCents, DateOnly EffectiveFrom);

internal sealed record RulesView(int? MinDurationMinutes, int? MaxDurationMinutes, int LeadTimeMinutes, bool ApprovalRequired, IReadOnlyList<string> OrganisationKinds);

internal sealed record SpaceView(Guid Id, Guid SiteId, string Name, string Kind, int Capacity, int? Places, IReadOnlyList<string> Accessibility, bool Bookable,
    RateView? CurrentRates, IReadOnlyList<RateView> Rates, RulesView Rules, bool Retired, long Version,
    Guid? FloorId = null, IReadOnlyList<string>? Equipment = null, DateTimeOffset? RetiredAt = null, string? RetirementReason = null);

internal sealed record GrantDetail(Guid Id, Guid FunderId, string Name, string Reference, long BudgetCents, DateOnly StartsOn, DateOnly EndsOn,
    int ShareBasisPoints, int Priority, string Status, long UsedCents, long RemainingCents, IReadOnlyList<int> ThresholdsReached, long Version);
