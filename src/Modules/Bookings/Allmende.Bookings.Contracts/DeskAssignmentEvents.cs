namespace Allmende.Bookings.Contracts;

// Fixed desks assigned for months: what Funding charges monthly desk fees for. Published through the
// outbox with the assignment's full data as it is after the change. From and Until are Europe/Berlin
// local dates, both inclusive: the desk is blocked from the start of From to the end of Until.
// Stable type names "bookings.desk-…" (BookingsModule).

/// <summary>A fixed desk is assigned to an organisation (and, if PersonId is set, to one of its people) for [From, Until].</summary>
public sealed record DeskAssigned(
    Guid AssignmentId, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId,
    DateOnly From, DateOnly Until, DateTimeOffset At);

/// <summary>An assignment ends early (or is withdrawn before it began): Until is its new last day; From repeats the first.</summary>
public sealed record DeskAssignmentEnded(
    Guid AssignmentId, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId,
    DateOnly From, DateOnly Until, string Reason, DateTimeOffset At);
