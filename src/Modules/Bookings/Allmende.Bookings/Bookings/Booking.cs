using Allmende.Bookings.Quotas;
using Allmende.Eventing.Streams;

namespace Allmende.Bookings.Bookings;

internal enum BookingStatus
{
    None,
    PendingApproval,
    Confirmed,
    Rejected,
    Expired,
    CheckedIn,
    Completed,
    Cancelled,
    NoShow,
}

/// <summary>A booking as its decisions see it.</summary>
internal sealed record Booking(
    Guid Id,
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
    BookingStatus Status,
    DateTimeOffset? ApprovalDueBy,
    DateTimeOffset? CheckedInAt,
    string? Reason,
    bool LateCancellation,
    IReadOnlyList<string> Flags) : IEventSourced<Booking>
{
    public static string StreamId(Guid id) => $"booking-{id:D}";

    public static Booking Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, null, default, default, 0, "", "", true,
        BookingStatus.None, null, null, null, false, []);

    public bool Exists => Status != BookingStatus.None;

    /// <summary>The recurring series this booking is an occurrence of (null: a single booking).</summary>
    public Guid? SeriesId { get; init; }

    /// <summary>Holds its slot: pending approval, confirmed or in use.</summary>
    public bool HoldsSlot => Status is BookingStatus.PendingApproval or BookingStatus.Confirmed or BookingStatus.CheckedIn;

    /// <summary>Places of a flexible-desk area it takes (a whole-space booking takes the space).</summary>
    public int Places => WholeSpace ? 1 : Attendees;

    /// <summary>Whole minutes of [Start, End): instants, so a DST night counts what really passes.</summary>
    /// <summary>Still holds its slot (pending or confirmed) and starts after <paramref name="instant"/>: what a reaction to another module acts on.</summary>
    public bool IsFutureAfter(DateTimeOffset instant) => Status is BookingStatus.PendingApproval or BookingStatus.Confirmed && Start > instant;

    public int DurationMinutes => (int)(End - Start).TotalMinutes;

    /// <summary>Minutes out of the organisation's monthly allowance, as decided when it took its slot (0 without an allowance).</summary>
    public int FreeMinutes { get; init; }

    /// <summary>The month whose allowance still counts <see cref="FreeMinutes"/>; null when none does (none applied, or given back).</summary>
    public string? QuotaMonth { get; init; }

    /// <summary>The minutes beyond the free allowance: what the contracts carry as ChargeableMinutes.</summary>
    public int ChargeableMinutes => DurationMinutes - FreeMinutes;

    public static Booking Evolve(Booking state, object @event) => @event switch
    {
        // Without approval the same decision confirms it at once (BookingConfirmed follows in the same commit).
        BookingRequested e => new Booking(e.BookingId, e.SpaceId, e.SiteId, e.OrganisationId, e.PersonId, e.Start, e.End, e.Attendees,
            e.Purpose, e.ActionField, e.WholeSpace, BookingStatus.PendingApproval, e.ApprovalDueBy, null, null, false, []) { SeriesId = e.SeriesId },
        BookingApproved => state,
        BookingConfirmed => state with { Status = BookingStatus.Confirmed },
        BookingRejected e => state with { Status = BookingStatus.Rejected, Reason = e.Reason },
        BookingApprovalExpired => state with { Status = BookingStatus.Expired },
        BookingCheckedIn e => state with { Status = BookingStatus.CheckedIn, CheckedInAt = e.At },
        BookingCompleted => state with { Status = BookingStatus.Completed },
        BookingCancelled e => state with { Status = BookingStatus.Cancelled, Reason = e.Reason, LateCancellation = e.Late },
        BookingMarkedNoShow => state with { Status = BookingStatus.NoShow },
        BookingNoShowUndone e => state with { Status = BookingStatus.Completed, Reason = e.Reason },
        // A new range is all chargeable until a quota applies to it (BookingQuotaApplied follows in the same commit).
        BookingRescheduled e => state with { Start = e.Start, End = e.End, ApprovalDueBy = e.ApprovalDueBy, FreeMinutes = 0, QuotaMonth = null },
        BookingQuotaApplied e => state with { FreeMinutes = e.FreeMinutes, QuotaMonth = e.Month },
        // The split stays as decided (what a late cancellation would have been charged); the month no longer counts it.
        BookingQuotaReturned => state with { QuotaMonth = null },
        // Both keep the slot; staff see the reason among the flags.
        BookingHeldForReview e => state with { Flags = [.. state.Flags, e.Reason] },
        BookingFlagged e => state with { Flags = [.. state.Flags, e.Reason] },
        _ => state,
    };
}
