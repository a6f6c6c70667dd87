using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Spaces.Contracts;

namespace Allmende.Bookings.Reactions;

/// <summary>
/// Pure decisions on one booking after a change in another module. Each acts only on a booking that
/// still holds its slot (pending or confirmed) and starts after the change; each decides nothing when
/// the booking already shows its effect (cancelled, or the same flag present), so a redelivered message
/// changes nothing.
/// </summary>
internal static class React
{
    /// <summary>Cancels (never late: the house, not the member, ends the booking); the slot is free again.</summary>
    public static IReadOnlyList<object> Cancel(Booking state, string reason, DateTimeOffset after, DateTimeOffset now) =>
        state.IsFutureAfter(after) ? [new BookingCancelled(state.Id, reason, false, now)] : [];

    /// <summary>Holds for staff to review: status and slot unchanged, the reason shown among the flags.</summary>
    public static IReadOnlyList<object> Hold(Booking state, string reason, DateTimeOffset after, DateTimeOffset now) =>
        state.IsFutureAfter(after) && !state.Flags.Contains(reason, StringComparer.Ordinal) ? [new BookingHeldForReview(state.Id, reason, now)] : [];

    /// <summary>Cancels or holds, as configured.</summary>
    public static IReadOnlyList<object> As(BookingReaction reaction, Booking state, string reason, DateTimeOffset after, DateTimeOffset now) =>
        reaction == BookingReaction.Cancel ? Cancel(state, reason, after, now) : Hold(state, reason, after, now);

    /// <summary>Flags a future booking that no longer lies within the site's (new) opening hours.</summary>
    public static IReadOnlyList<object> FlagOutsideHours(Booking state, IReadOnlyList<OpeningInterval> hours, string reason, DateTimeOffset now) =>
        state.IsFutureAfter(now) && !OpeningHours.IsWithinHours(hours, state.Start, state.End) ? Flag(state, reason, now) : [];

    /// <summary>Flags a future booking a closure [from, to) covers part of.</summary>
    public static IReadOnlyList<object> FlagClosed(Booking state, DateTimeOffset from, DateTimeOffset to, string reason, DateTimeOffset now) =>
        state.IsFutureAfter(now) && OpeningHours.IsClosed(from, to, state.Start, state.End) ? Flag(state, reason, now) : [];

    private static IReadOnlyList<object> Flag(Booking state, string reason, DateTimeOffset now) =>
        state.Flags.Contains(reason, StringComparer.Ordinal) ? [] : [new BookingFlagged(state.Id, reason, now)];
}
