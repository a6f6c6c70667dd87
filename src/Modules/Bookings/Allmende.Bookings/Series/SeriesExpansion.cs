using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using NodaTime;

namespace Allmende.Bookings.Series;

/// <summary>Stable codes of how often a series repeats.</summary>
internal static class Frequencies
{
    public const string Weekly = "weekly";
    public const string Fortnightly = "fortnightly";
    public const string Monthly = "monthly";

    public static IReadOnlyList<string> All { get; } = [Weekly, Fortnightly, Monthly];
}

/// <summary>How a series repeats: a frequency and exactly one of Until (Europe/Berlin local date, inclusive) or Count.</summary>
internal sealed record Repeat(string Frequency, DateOnly? Until, int? Count);

/// <summary>One occurrence of a series: UTC instants [Start, End).</summary>
internal sealed record Occurrence(DateTimeOffset Start, DateTimeOffset End);

/// <summary>
/// The occurrences of a series from its first one. Every occurrence keeps the Europe/Berlin wall-clock
/// times of the first (a weekly 18:00–20:00 stays 18:00–20:00 local in winter and in summer), so the
/// UTC instants move by an hour across a DST change. Each occurrence is counted from the first, never
/// from the previous one, so nothing drifts:
/// <list type="bullet">
/// <item>weekly / fortnightly: the same weekday 7 / 14 days on;</item>
/// <item>monthly: the same day of the month; a month without that day (31st in April, 29th–31st in
/// February) has no occurrence, as in RFC 5545 (BYMONTHDAY), so a series on the 31st meets only the long
/// months and Count counts the occurrences that exist;</item>
/// <item>the end lies as many local days, hours and minutes after the start as in the first occurrence;</item>
/// <item>local times that do not exist or exist twice on a DST night are resolved like NodaTime's lenient
/// resolver, as the module's day boundaries (<c>AtStartOfDay</c>) are: a time in the spring gap moves
/// forward by the gap's length (02:30 becomes 03:30 CEST), an ambiguous autumn time takes the earlier
/// instant (02:30 CEST). An occurrence whose end then is not after its start (02:00–03:00 on the spring
/// night) cannot be booked: see <see cref="BookSeries"/>.</item>
/// </list>
/// At most <see cref="MaxOccurrences"/> occurrences on local dates before the first one's date plus
/// <see cref="MaxYears"/> years; beyond that the request is bad input naming repeat.count or repeat.until. Pure.
/// </summary>
internal static class SeriesExpansion
{
    public const int MaxOccurrences = 104;
    public const int MaxYears = 2;

    public static IReadOnlyList<Occurrence> Expand(DateTimeOffset start, DateTimeOffset end, Repeat repeat)
    {
        var zone = OpeningHours.Berlin;
        var firstStart = Instant.FromDateTimeOffset(start).InZone(zone).LocalDateTime;
        var firstEnd = Instant.FromDateTimeOffset(end).InZone(zone).LocalDateTime;
        var length = Period.Between(firstStart, firstEnd, PeriodUnits.Days | PeriodUnits.Hours | PeriodUnits.Minutes);
        var horizon = firstStart.Date.PlusYears(MaxYears);
        var field = repeat.Count is null ? "repeat.until" : "repeat.count";
        if (repeat.Until is { } until && LocalDate.FromDateOnly(until) >= horizon)
            throw new BadInputException(field, $"A series runs at most {MaxYears} years: until must be before {horizon:yyyy-MM-dd}.");

        var occurrences = new List<Occurrence>();
        for (var step = 0; repeat.Count is not { } count || occurrences.Count < count; step++)
        {
            var (date, exists) = DateOf(firstStart.Date, repeat.Frequency, step);
            if (repeat.Until is { } last && date > LocalDate.FromDateOnly(last))
                break;
            if (date >= horizon)
                throw new BadInputException(field, $"A series runs at most {MaxYears} years: its occurrences would go on past {horizon.PlusDays(-1):yyyy-MM-dd}.");
            if (!exists)
                continue;
            if (occurrences.Count == MaxOccurrences)
                throw new BadInputException(field, $"A series has at most {MaxOccurrences} occurrences.");
            var localStart = date + firstStart.TimeOfDay;
            occurrences.Add(new Occurrence(
                localStart.InZoneLeniently(zone).ToDateTimeOffset().ToUniversalTime(),
                (localStart + length).InZoneLeniently(zone).ToDateTimeOffset().ToUniversalTime()));
        }
        if (occurrences.Count == 0)
            throw new BadInputException(field, $"until must not be before the first occurrence's date {firstStart.Date:yyyy-MM-dd}.");
        return occurrences;
    }

    /// <summary>The local date of the step-th repetition; for months without the first one's day, that month's last day and false.</summary>
    private static (LocalDate Date, bool Exists) DateOf(LocalDate first, string frequency, int step) => frequency switch
    {
        Frequencies.Weekly => (first.PlusWeeks(step), true),
        Frequencies.Fortnightly => (first.PlusWeeks(2 * step), true),
        Frequencies.Monthly => first.PlusMonths(step) is var date ? (date, date.Day == first.Day) : default,
        _ => throw new BadInputException("repeat.frequency", $"repeat.frequency must be one of {string.Join(", ", Frequencies.All)}."),
    };
}
