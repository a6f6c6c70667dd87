namespace Allmende.Bookings.Contracts;

/// <summary>
/// Staff counted who came to a date of an organisation's open offer (issue 17, item 2): Attendees people
/// at the booking BookingId, which started at Start. A later count for the same date replaces the earlier
/// one (At orders them). Funding counts it as people reached in the action field, for grants that paid the booking.
/// </summary>
public sealed record OfferAttendanceCounted(
    Guid OfferId, Guid BookingId, Guid OrganisationId, string ActionField, int Attendees, DateTimeOffset Start, DateTimeOffset At);
