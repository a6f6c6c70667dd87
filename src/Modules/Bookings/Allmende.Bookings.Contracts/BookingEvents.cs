namespace Allmende.Bookings.Contracts;

// What other modules (Funding, Reporting) may know of bookings. Published through the outbox in the
// same transaction as the events that caused them; each record carries the booking's full data as it
// is after the change (never a diff). Stable type names "bookings.booking-…" (BookingsModule).
//
// Start and End are UTC instants, [Start, End). ActionField is one of the stable codes of the
// "Soziale Stadt" action fields (housing-and-living-environment, social-activities-and-infrastructure,
// living-together, school-and-education, local-economy, neighbourhood-culture, sport-and-leisure,
// health-promotion, environment-and-transport, image-and-public-relations).
// ChargeableMinutes: the minutes of [Start, End) beyond the organisation's free allowance, as decided
// when the booking took its slot (free hours per month by membership plan, counted in the Europe/Berlin
// month of the start); every minute for an organisation without an allowance. A cancelled booking
// carries the split it had: whether it is charged at all is the subscriber's rule (see Late); a timely
// cancellation has given its free minutes back to the month.

/// <summary>
/// A booking holds its space from now on: booked without approval, or approved by staff (Approved;
/// false in messages written before it existed).
/// </summary>
public sealed record BookingConfirmed(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, int ChargeableMinutes,
    DateTimeOffset At, bool Approved = false);

/// <summary>Staff turned down a request awaiting approval; it never held its space. Reason: as staff gave it.</summary>
public sealed record BookingRejected(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, string Reason, DateTimeOffset At);

/// <summary>
/// A waitlist entry was offered a slot that came free: the organisation may book it until OfferedUntil.
/// PersonId: who joined the waitlist for the organisation, when known.
/// </summary>
public sealed record WaitlistOfferMade(
    Guid EntryId, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId,
    DateTimeOffset Start, DateTimeOffset End, DateTimeOffset OfferedUntil, DateTimeOffset At);

/// <summary>A confirmed booking moved to a new time range (PreviousStart/PreviousEnd: where it was).</summary>
public sealed record BookingChanged(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, int ChargeableMinutes,
    DateTimeOffset PreviousStart, DateTimeOffset PreviousEnd, DateTimeOffset At);

/// <summary>A confirmed booking was cancelled; Late: after the cancellation deadline before its start.</summary>
public sealed record BookingCancelled(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, int ChargeableMinutes,
    string Reason, bool Late, DateTimeOffset At);

/// <summary>A booking was used (checked in) and completed.</summary>
public sealed record BookingCompleted(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, int ChargeableMinutes,
    DateTimeOffset At);

/// <summary>Nobody checked in within the release delay after the start: the space was released.</summary>
public sealed record BookingNoShow(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, int ChargeableMinutes,
    DateTimeOffset At);

/// <summary>
/// Staff undid a no-show (people were there but nobody checked in): the booking counts as used, like a
/// completed one. Reason: why, as staff gave it. Whether its cost stands is the subscriber's rule.
/// </summary>
public sealed record BookingNoShowUndone(
    Guid BookingId, Guid SpaceId, Guid SiteId, Guid OrganisationId,
    DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, int ChargeableMinutes,
    string Reason, DateTimeOffset At);
