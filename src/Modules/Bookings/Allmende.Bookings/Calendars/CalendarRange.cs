using Allmende.Bookings.House;
using NodaTime;

namespace Allmende.Bookings.Calendars;

/// <summary>
/// The instants of a Europe/Berlin local day (00:00–24:00 local: 23 or 25 hours on the DST days) or
/// of the ISO week (Monday–Sunday) containing a date. Pure.
/// </summary>
internal static class CalendarRange
{
    public const string Day = "day";
    public const string Week = "week";

    public static (DateOnly First, DateTimeOffset From, DateTimeOffset To) Of(DateOnly date, string view)
    {
        var first = view == Week ? date.AddDays(-(((int)date.DayOfWeek + 6) % 7)) : date;
        var next = first.AddDays(view == Week ? 7 : 1);
        return (first, StartOf(first), StartOf(next));
    }

    private static DateTimeOffset StartOf(DateOnly date) =>
        OpeningHours.Berlin.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();
}
