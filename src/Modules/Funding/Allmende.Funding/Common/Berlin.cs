using NodaTime;

namespace Allmende.Funding.Common;

/// <summary>
/// Costs belong to Europe/Berlin dates and months (a booking at 00:30 on 1 July Berlin time is July's,
/// though it is 30 June in UTC). The one place that turns instants into those; NodaTime stays inside.
/// </summary>
internal static class Berlin
{
    public static DateTimeZone Zone { get; } = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    public static DateOnly DateOf(DateTimeOffset instant) => Instant.FromDateTimeOffset(instant).InZone(Zone).Date.ToDateOnly();

    public static DateOnly MonthOf(DateOnly date) => new(date.Year, date.Month, 1);

    public static DateOnly MonthOf(DateTimeOffset instant) => MonthOf(DateOf(instant));

    /// <summary>The instant a local day begins (DST-correct).</summary>
    public static DateTimeOffset StartOf(DateOnly date) => Zone.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();

    /// <summary>The instant the month after <paramref name="month"/> begins.</summary>
    public static DateTimeOffset StartOfNextMonth(DateOnly month) => StartOf(MonthOf(month).AddMonths(1));

    public static int DaysIn(DateOnly month) => DateTime.DaysInMonth(month.Year, month.Month);

    public static string Format(DateOnly month) => month.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
}
