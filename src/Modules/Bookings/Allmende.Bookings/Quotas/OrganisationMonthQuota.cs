using System.Collections.Immutable;
using System.Globalization;
using Allmende.Bookings.House;
using Allmende.Eventing.Streams;
using NodaTime;

namespace Allmende.Bookings.Quotas;

// The events of an organisation's quota for one Europe/Berlin calendar month, stream
// "quota-<organisationId>-<yyyy-MM>". Stored names "bookings.quota.<kebab>"; never rename one.

/// <summary>
/// A booking counted in the month: of its Minutes, FreeMinutes come out of the allowance (AllowanceMinutes
/// as it stood when decided) and ChargeableMinutes are beyond it.
/// </summary>
internal sealed record QuotaMinutesTaken(Guid OrganisationId, string Month, Guid BookingId, int Minutes, int FreeMinutes, int ChargeableMinutes,
    int AllowanceMinutes, DateTimeOffset At);

/// <summary>A booking no longer counts in the month (cancelled in time, rejected, expired, moved): its free minutes are free again.</summary>
internal sealed record QuotaMinutesReturned(Guid OrganisationId, string Month, Guid BookingId, int FreeMinutes, DateTimeOffset At);

/// <summary>
/// An organisation's free minutes of one month as the bookings counted in it took them. Appended at
/// its expected version together with the booking's events, so two bookings deciding at once can
/// never both take the same free minutes: the second one's unit of work fails and decides anew.
/// </summary>
internal sealed record OrganisationMonthQuota(Guid OrganisationId, string Month, ImmutableDictionary<Guid, int> FreeByBooking)
    : IEventSourced<OrganisationMonthQuota>
{
    public static string StreamId(Guid organisationId, string month) => $"quota-{organisationId:D}-{month}";

    public static OrganisationMonthQuota Initial { get; } = new(Guid.Empty, "", ImmutableDictionary<Guid, int>.Empty);

    /// <summary>Free minutes taken by the bookings counted now.</summary>
    public int UsedMinutes => FreeByBooking.Values.Sum();

    public static OrganisationMonthQuota Evolve(OrganisationMonthQuota state, object @event) => @event switch
    {
        QuotaMinutesTaken e => state with { OrganisationId = e.OrganisationId, Month = e.Month, FreeByBooking = state.FreeByBooking.SetItem(e.BookingId, e.FreeMinutes) },
        QuotaMinutesReturned e => state with { FreeByBooking = state.FreeByBooking.Remove(e.BookingId) },
        _ => state,
    };

    /// <summary>
    /// Counts a booking of <paramref name="minutes"/>: free as far as the allowance is not used yet,
    /// the rest chargeable. A booking already counted is counted once (its split as it was).
    /// </summary>
    public static IReadOnlyList<object> Take(OrganisationMonthQuota state, Guid organisationId, string month, Guid bookingId, int minutes,
        int allowanceMinutes, DateTimeOffset now)
    {
        if (state.FreeByBooking.ContainsKey(bookingId))
            return [];
        var free = Math.Clamp(allowanceMinutes - state.UsedMinutes, 0, minutes);
        return [new QuotaMinutesTaken(organisationId, month, bookingId, minutes, free, minutes - free, allowanceMinutes, now)];
    }

    /// <summary>Gives back what a booking took; nothing if it is not counted (any more).</summary>
    public static IReadOnlyList<object> Return(OrganisationMonthQuota state, Guid organisationId, string month, Guid bookingId, DateTimeOffset now) =>
        state.FreeByBooking.TryGetValue(bookingId, out var free) ? [new QuotaMinutesReturned(organisationId, month, bookingId, free, now)] : [];
}

/// <summary>Months of the quota: Europe/Berlin calendar months, written "yyyy-MM".</summary>
internal static class QuotaMonths
{
    /// <summary>The month a booking counts in: that of its start, also when it runs into the next month.</summary>
    public static string Of(DateTimeOffset start)
    {
        var date = Instant.FromDateTimeOffset(start).InZone(OpeningHours.Berlin).Date;
        return $"{date.Year:D4}-{date.Month:D2}";
    }

    public static bool TryParse(string? text, out DateOnly firstDay) =>
        DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out firstDay) && text!.Length == 7;

    /// <summary>The first and last day of the month.</summary>
    public static (DateOnly First, DateOnly Last) Days(string month)
    {
        if (!TryParse(month, out var first))
            throw new ArgumentException($"Not a month: {month}", nameof(month));
        return (first, first.AddMonths(1).AddDays(-1));
    }
}
