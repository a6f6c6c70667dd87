namespace Allmende.Host.Web.Api;

// The API's JSON as the pages read it: only the fields a page shows. The API's own records stay
// internal to their modules; these are a client's view of them, with no rule in them.

internal sealed record SiteItem(Guid Id, string Name);

internal sealed record SpaceItem(Guid Id, Guid SiteId, string Name, string Kind, int Capacity, IReadOnlyList<string> Accessibility, bool Bookable, bool Retired);

internal sealed record OrganisationItem(Guid Id, string Name, string Status);

internal sealed record ActingItem(Guid OrganisationId, string Role);

internal sealed record PersonItem(Guid Id, string Name, IReadOnlyList<ActingItem> Organisations);

internal sealed record FunderItem(Guid Id, string Name, string Kind);

internal sealed record GrantItem(Guid Id, Guid FunderId, string Name, string Reference, long BudgetCents, DateOnly StartsOn, DateOnly EndsOn,
    int ShareBasisPoints, string Status, long UsedCents, long RemainingCents, IReadOnlyList<int> ThresholdsReached);

internal sealed record BookingItem(Guid Id, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start, DateTimeOffset End,
    int Attendees, string Purpose, string ActionField, string Status, IReadOnlyList<string> Flags, long Version);

internal sealed record TimeSlot(DateTimeOffset Start, DateTimeOffset End);

internal sealed record SpaceFree(Guid SpaceId, string Name, IReadOnlyList<TimeSlot> Free, string? UnavailableBecause);

internal sealed record Availability(IReadOnlyList<SpaceFree> Spaces);

internal sealed record CalendarItem(Guid SpaceId, string SpaceName, DateTimeOffset Start, DateTimeOffset End, string Status, bool Busy,
    Guid? Id, Guid? OrganisationId, int? Attendees, string? Purpose, string? ActionField);

internal sealed record SiteCalendar(string View, DateOnly Date, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<CalendarItem> Bookings);

internal sealed record FeedItem(Guid Id, string Scope, Guid TargetId, string View, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

internal sealed record CreatedFeed(string Url, FeedItem Feed);

internal sealed record OccurrenceItem(DateTimeOffset Start, DateTimeOffset End, Guid? BookingId, string? Status, string? Rule);

internal sealed record SeriesItem(Guid Id, Guid SpaceId, string Purpose, IReadOnlyList<OccurrenceItem> Occurrences);

internal sealed record StatementPayment(string Payer, Guid? GrantId, long AmountCents);

internal sealed record StatementLine(string SourceKind, string CostType, Guid? SpaceId, string? ActionField, DateTimeOffset? Start, DateTimeOffset? End,
    int Minutes, int Attendees, long CostCents, string Status, IReadOnlyList<StatementPayment> PaidBy);

internal sealed record Statement(string Month, long TotalCents, long GrantsCents, long OwnShareCents, IReadOnlyList<StatementLine> Items);

internal sealed record OrganisationRecord(Guid Id, string Name, string Kind, bool NonProfit, string Status, string? StatusReason, long Version,
    ApplicationAddress? Address = null, ApplicationContact? Contact = null);

internal sealed record PlanItem(string Plan, Guid? OrganisationId, DateOnly ValidFrom, DateOnly? ValidUntil);

internal sealed record PersonRecord(Guid Id, string Name, string? Email, string? Phone, bool Erased, IReadOnlyList<ActingItem> Organisations,
    IReadOnlyList<PlanItem> Plans, long Version);

internal sealed record DutyShiftItem(Guid Id, Guid SiteId, DateTimeOffset Start, DateTimeOffset End, string? Note, bool Taken, bool Mine,
    Guid? PersonId, string? CancelledBecause, long Version);

internal sealed record DutyRota(Guid SiteId, DateOnly From, DateOnly To, IReadOnlyList<DutyShiftItem> Shifts);

internal sealed record ApplicationAddress(string? Street, string? PostalCode, string? City);

internal sealed record ApplicationContact(string? Email, string? Phone);

internal sealed record ApplicationOrganisation(string Name, string Kind, bool NonProfit, ApplicationAddress? Address, ApplicationContact? Contact);

internal sealed record ApplicationContactPerson(string Name, string? Email, string? Phone, bool Erased);

internal sealed record ApplicationItem(Guid Id, string Status, ApplicationOrganisation Organisation, ApplicationContactPerson ContactPerson,
    DateTimeOffset SubmittedAt, DateTimeOffset? DecidedAt, string? DeclineReason, Guid? OrganisationId, long Version);

internal sealed record FigureRow(Guid? OrganisationId, Guid? SiteId, string? ActionField, string? Label, string? Name, int Bookings, decimal Hours, long AmountCents);

internal sealed record ReportBudget(long BudgetCents, long AllocatedInPeriodCents, long UsedToDateCents, long RemainingCents);

internal sealed record ReportMonth(string Month, long RemainingCents);

internal sealed record GrantReport(string GrantName, string FunderName, DateOnly From, DateOnly To, int Bookings, decimal Hours, int Organisations,
    long AttendeesReached, long AmountCents, IReadOnlyList<FigureRow> ByOrganisation, IReadOnlyList<FigureRow> ByActionField, IReadOnlyList<FigureRow> BySite,
    ReportBudget Budget, IReadOnlyList<ReportMonth> Months);

internal sealed record AllocationItem(Guid SourceId, string SourceKind, Guid OrganisationId, Guid? SpaceId, string Month, long AmountCents, string Status);

internal sealed record FieldChange(string Field, System.Text.Json.Nodes.JsonNode? From, System.Text.Json.Nodes.JsonNode? To);

internal sealed record HistoryEntry(long Version, string Event, DateTimeOffset RecordedAt, string? Actor, IReadOnlyList<FieldChange> Changes);

internal sealed record HistoryAllocation(string Payer, Guid? GrantId, long AmountCents, string Month, DateTimeOffset? ReversedAt, string? ReversalReason);

internal sealed record BookingHistory(Guid BookingId, IReadOnlyList<HistoryEntry> Events, IReadOnlyList<HistoryAllocation> Allocations);

internal sealed record ProjectionItem(string Name, string Lifecycle, string Status, long EventsBehind, double SecondsBehind, double? RebuildProgress,
    string? Error, string? ErrorEventType);

internal sealed record DeadLetterItem(Guid Id, string MessageType, string Handler, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? FailedAt, string? Error);
