using System.Globalization;
using Allmende.Eventing.Api;

namespace Allmende.Bookings.Bookings;

/// <summary>
/// A booking. Status: pending-approval, confirmed, rejected, expired, checked-in, completed, cancelled,
/// no-show. Start/End UTC instants; durationMinutes what really passes (23:00–04:00 across the October
/// DST night is 360). Reason: why it was rejected or cancelled.
/// Flags: why staff should look at it (held for review, outside new opening hours, site closed).
/// SeriesId: the recurring series it belongs to, if any.
/// FreeMinutes/ChargeableMinutes: the split decided when it took its slot (free out of the organisation's
/// monthly allowance); QuotaMonth: the month whose allowance still counts the free minutes (null once given back).
/// </summary>
internal sealed record BookingResponse(
    Guid Id,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int DurationMinutes,
    int Attendees,
    string Purpose,
    string ActionField,
    string Status,
    DateTimeOffset? ApprovalDueBy,
    DateTimeOffset? CheckedInAt,
    string? Reason,
    bool LateCancellation,
    IReadOnlyList<string> Flags,
    long Version,
    int FreeMinutes,
    int ChargeableMinutes,
    string? QuotaMonth,
    Guid? SeriesId = null)
{
    public static BookingResponse From(Booking b, long version) => new(b.Id, b.SpaceId, b.SiteId, b.OrganisationId, b.PersonId, b.Start, b.End,
        b.DurationMinutes, b.Attendees, b.Purpose, b.ActionField, StatusNames.Of(b.Status),
        b.Status == BookingStatus.PendingApproval ? b.ApprovalDueBy : null, b.CheckedInAt, b.Reason, b.LateCancellation, b.Flags, version,
        b.FreeMinutes, b.ChargeableMinutes, b.QuotaMonth, b.SeriesId);
}

/// <summary>A booking in a list (from the read model); flags: what staff should look at; its free/chargeable split.</summary>
internal sealed record BookingSummary(
    Guid Id, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start, DateTimeOffset End,
    int Attendees, string Purpose, string ActionField, string Status, IReadOnlyList<string> Flags, long Version, int FreeMinutes, int ChargeableMinutes);

/// <summary>Stable status codes of the API and the read model.</summary>
internal static class StatusNames
{
    public static string Of(BookingStatus status) => status switch
    {
        BookingStatus.PendingApproval => "pending-approval",
        BookingStatus.Confirmed => "confirmed",
        BookingStatus.Rejected => "rejected",
        BookingStatus.Expired => "expired",
        BookingStatus.CheckedIn => "checked-in",
        BookingStatus.Completed => "completed",
        BookingStatus.Cancelled => "cancelled",
        BookingStatus.NoShow => "no-show",
        _ => "none",
    };

    public static IReadOnlyList<string> All { get; } =
        [.. Enum.GetValues<BookingStatus>().Where(s => s != BookingStatus.None).Select(Of)];
}

/// <summary>Request times: instants with an offset, whole minutes, end after start, at most <see cref="MaxDays"/> days.</summary>
internal static class TimeRange
{
    public const int MaxDays = 31;

    public static bool IsWholeMinute(DateTimeOffset? instant) => instant is not { } i || i.UtcTicks % TimeSpan.TicksPerMinute == 0;

    public static bool IsSensible(DateTimeOffset? start, DateTimeOffset? end) =>
        start is not { } s || end is not { } e || e > s && e - s <= TimeSpan.FromDays(MaxDays);
}
