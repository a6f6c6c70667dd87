using System.Globalization;
using NodaTime;

namespace Allmende.Spaces.Common;

/// <summary>
/// Every site keeps its hours, closures and lease in Europe/Berlin wall-clock time. This is the one
/// place that turns those into instants; NodaTime stays inside the module.
/// </summary>
internal static class Berlin
{
    public const string TimeZoneId = "Europe/Berlin";

    public static DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb[TimeZoneId];

    /// <summary>Local dates the house plans with; beyond them the instants of a day leave DateTimeOffset's range.</summary>
    public static readonly DateOnly FirstSupportedDate = new(1900, 1, 1);

    public static readonly DateOnly LastSupportedDate = new(9998, 12, 31);

    public static bool IsSupported(DateOnly? date) => date is null || (date >= FirstSupportedDate && date <= LastSupportedDate);

    public const string SupportedRange = "must lie between 1900-01-01 and 9998-12-31.";

    /// <summary>The instant a local day begins (00:00, or the first instant after a gap at midnight).</summary>
    public static DateTimeOffset StartOfDay(DateOnly date) =>
        Zone.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();

    /// <summary>The instant a local day ends: the start of the next day.</summary>
    public static DateTimeOffset EndOfDay(DateOnly date) => StartOfDay(date.AddDays(1));

    /// <summary>The local date an instant falls on.</summary>
    public static DateOnly DateOf(DateTimeOffset instant) =>
        Instant.FromDateTimeOffset(instant).InZone(Zone).Date.ToDateOnly();

    /// <summary>"08:00"; a closing time of 00:00 is midnight at the end of the day and reads "24:00".</summary>
    public static string FormatOpens(TimeOnly time) => time.ToString("HH:mm", CultureInfo.InvariantCulture);

    public static string FormatCloses(TimeOnly time) => time == TimeOnly.MinValue ? "24:00" : FormatOpens(time);

    /// <summary>Reads "HH:mm" (00:00–23:59); for a closing time also "24:00", kept as 00:00.</summary>
    public static bool TryParseClockTime(string? text, bool closing, out TimeOnly time)
    {
        time = default;
        if (text is null || text.Length != 5)
            return false;
        if (closing && text == "24:00")
            return true;
        return TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }
}
