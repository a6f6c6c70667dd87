using System.Globalization;

namespace Allmende.Host.Web;

/// <summary>
/// German formats in Europe/Berlin time for what pages show (1.260,00 €, 24.12.2026, 17:00). The
/// request culture is left alone: the API's CSV and JSON stay invariant.
/// </summary>
internal static class Formats
{
    public static readonly CultureInfo German = CultureInfo.GetCultureInfo("de-DE");
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    public static DateTime InBerlin(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Berlin).DateTime;

    public static string Date(DateTimeOffset instant) => InBerlin(instant).ToString("dd.MM.yyyy", German);

    public static string Date(DateOnly date) => date.ToString("dd.MM.yyyy", German);

    public static string Weekday(DateOnly date) => date.ToString("dddd, dd.MM.yyyy", German);

    public static string Time(DateTimeOffset instant) => InBerlin(instant).ToString("HH:mm", German);

    public static string DateTime(DateTimeOffset instant) => InBerlin(instant).ToString("dd.MM.yyyy HH:mm", German);

    public static string Range(DateTimeOffset start, DateTimeOffset end) =>
        Date(start) == Date(end) ? $"{Weekday(DateOnly.FromDateTime(InBerlin(start)))}, {Time(start)}–{Time(end)} Uhr" : $"{DateTime(start)} – {DateTime(end)} Uhr";

    public static string Euro(long cents) => (cents / 100m).ToString("#,##0.00 €", German);

    public static string Euro(decimal euros) => euros.ToString("#,##0.00 €", German);

    public static string Number(long value) => value.ToString("#,##0", German);

    public static string Hours(double minutes) => (minutes / 60).ToString("#,##0.#", German) + " h";

    /// <summary>The instant of a Berlin wall-clock time; a time skipped by the spring change moves forward by the gap.</summary>
    public static DateTimeOffset FromBerlin(DateOnly date, TimeOnly time)
    {
        var local = date.ToDateTime(time);
        if (Berlin.IsInvalidTime(local))
            local = local.AddHours(1);
        var offset = Berlin.IsAmbiguousTime(local) ? Berlin.GetAmbiguousTimeOffsets(local).Max() : Berlin.GetUtcOffset(local);
        return new DateTimeOffset(local, offset);
    }

    public static DateOnly Today(TimeProvider time) => DateOnly.FromDateTime(InBerlin(time.GetUtcNow()));
}
