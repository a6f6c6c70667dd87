using Allmende.Bookings.Bookings;

namespace Allmende.Bookings.Quotas;

// A booking's own record of its quota, in its stream "booking-<id>" (names in BookingEventNames).
// A booking of an organisation without an allowance in its month has none of these: all its
// minutes are chargeable, as they always were.

/// <summary>
/// The split decided when the booking took its slot (requested, or moved): FreeMinutes out of the
/// organisation's allowance of Month (Europe/Berlin, "yyyy-MM", the month of the start), the rest chargeable.
/// </summary>
internal sealed record BookingQuotaApplied(Guid BookingId, string Month, int FreeMinutes, int ChargeableMinutes, DateTimeOffset At) : IBookingEvent;

/// <summary>The booking's free minutes went back to Month (cancelled in time, rejected, expired, or moved: decided anew).</summary>
internal sealed record BookingQuotaReturned(Guid BookingId, string Month, int FreeMinutes, DateTimeOffset At) : IBookingEvent;
