namespace Allmende.Bookings.Bookings;

// The private events of a booking's stream "booking-<id>". Stored names "bookings.booking.<kebab>"
// (BookingEventNames); never rename one. Instants are UTC; At is when the decision was taken.

internal interface IBookingEvent
{
    Guid BookingId { get; }
}

/// <summary>
/// A member (or staff for them) asked for a space. WholeSpace: the booking takes the whole space
/// (room, hall, fixed desk), else Attendees places of a flexible-desk area. ApprovalDueBy: set when
/// staff must approve; the request expires then if undecided. SeriesId: the recurring series it is an
/// occurrence of (Series/), null for a single booking and in events written before series existed.
/// AdvisorId: the person an appointment with an advisor books besides the room (Advice/, ADR 19); the slot
/// guard keeps that person from two places at once. Null for every other booking.
/// </summary>
internal sealed record BookingRequested(
    Guid BookingId,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Attendees,
    string Purpose,
    string ActionField,
    bool WholeSpace,
    DateTimeOffset? ApprovalDueBy,
    DateTimeOffset At,
    Guid? SeriesId = null,
    Guid? AdvisorId = null) : IBookingEvent;

internal sealed record BookingApproved(Guid BookingId, DateTimeOffset At) : IBookingEvent;

internal sealed record BookingRejected(Guid BookingId, string Reason, DateTimeOffset At) : IBookingEvent;

/// <summary>Nobody decided on the request by its ApprovalDueBy: it releases its slot.</summary>
internal sealed record BookingApprovalExpired(Guid BookingId, DateTimeOffset At) : IBookingEvent;

/// <summary>The booking holds its space (directly when no approval is needed, or after approval).</summary>
internal sealed record BookingConfirmed(Guid BookingId, DateTimeOffset At) : IBookingEvent;

internal sealed record BookingCheckedIn(Guid BookingId, DateTimeOffset At) : IBookingEvent;

internal sealed record BookingCompleted(Guid BookingId, DateTimeOffset At) : IBookingEvent;

/// <summary>Late: cancelled after the late-cancellation deadline before the start.</summary>
internal sealed record BookingCancelled(Guid BookingId, string Reason, bool Late, DateTimeOffset At) : IBookingEvent;

/// <summary>Nobody checked in within the release delay after the start.</summary>
internal sealed record BookingMarkedNoShow(Guid BookingId, DateTimeOffset At) : IBookingEvent;

/// <summary>
/// Staff found the no-show wrong (people were there but could not check in): the booking counts as
/// used (completed) from now on. Its slot stays released: whatever took it meanwhile keeps it.
/// </summary>
internal sealed record BookingNoShowUndone(Guid BookingId, string Reason, DateTimeOffset At) : IBookingEvent;

/// <summary>Moved to a new time range, with the same guarantees as a new booking; ApprovalDueBy anew while pending.</summary>
internal sealed record BookingRescheduled(Guid BookingId, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset? ApprovalDueBy, DateTimeOffset At) : IBookingEvent;

/// <summary>
/// Held for staff to review after something changed elsewhere (e.g. the organisation was suspended):
/// the booking keeps its status and its slot and shows the reason among its flags.
/// </summary>
internal sealed record BookingHeldForReview(Guid BookingId, string Reason, DateTimeOffset At) : IBookingEvent;

/// <summary>Flagged for staff (e.g. the site closed or its hours shrank over it); status and slot unchanged.</summary>
internal sealed record BookingFlagged(Guid BookingId, string Reason, DateTimeOffset At) : IBookingEvent;

internal static class BookingEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(BookingRequested), "bookings.booking.requested"),
        (typeof(BookingApproved), "bookings.booking.approved"),
        (typeof(BookingRejected), "bookings.booking.rejected"),
        (typeof(BookingApprovalExpired), "bookings.booking.approval-expired"),
        (typeof(BookingConfirmed), "bookings.booking.confirmed"),
        (typeof(BookingCheckedIn), "bookings.booking.checked-in"),
        (typeof(BookingCompleted), "bookings.booking.completed"),
        (typeof(BookingCancelled), "bookings.booking.cancelled"),
        (typeof(BookingMarkedNoShow), "bookings.booking.marked-no-show"),
        (typeof(BookingNoShowUndone), "bookings.booking.no-show-undone"),
        (typeof(BookingRescheduled), "bookings.booking.rescheduled"),
        (typeof(BookingHeldForReview), "bookings.booking.held-for-review"),
        (typeof(BookingFlagged), "bookings.booking.flagged"),
        (typeof(Quotas.BookingQuotaApplied), "bookings.booking.quota-applied"),
        (typeof(Quotas.BookingQuotaReturned), "bookings.booking.quota-returned"),
    ];
}
