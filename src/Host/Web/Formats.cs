using System.Globalization;

namespace Allmende.Host.Web;

/// <summary>
/// Formats in Europe/Berlin time for what pages show, in the request's language: German
/// (1.260,00 €, 24.12.2026, 17:00) or British English (€1,260.00, 24/12/2026, 17:00). The culture is
/// chosen per request by <see cref="WebApp.UseWebAppLanguage"/> for pages only: the API's CSV and
/// JSON stay invariant.
/// </summary>
internal static class Formats
{
    public static readonly CultureInfo German = CultureInfo.GetCultureInfo("de-DE");
    public static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-GB");
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    /// <summary>The request's formats: British English for an English page, German otherwise.</summary>
    public static CultureInfo Culture => Texts.English ? English : German;

    private static string DateFormat => Texts.English ? "dd/MM/yyyy" : "dd.MM.yyyy";

    /// <summary>How a date is typed in the request's language, for a field's label: TT.MM.JJJJ or DD/MM/YYYY.</summary>
    public static string DateHint => Texts.English ? "DD/MM/YYYY" : "TT.MM.JJJJ";

    /// <summary>A pattern attribute for typed dates: German points or British slashes (both are read).</summary>
    public const string DatePattern = @"\d{1,2}[./]\d{1,2}[./]\d{4}";

    /// <summary>What <see cref="TryDate"/> reads: German and British notation, and ISO.</summary>
    public static readonly string[] DateInputs = ["d.M.yyyy", "d/M/yyyy", "yyyy-MM-dd"];

    /// <summary>A typed date in German (24.12.2026) or British (24/12/2026) order, or ISO.</summary>
    public static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text?.Trim(), DateInputs, CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    public static DateTime InBerlin(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Berlin).DateTime;

    public static string Date(DateTimeOffset instant) => InBerlin(instant).ToString(DateFormat, Culture);

    public static string Date(DateOnly date) => date.ToString(DateFormat, Culture);

    public static string Weekday(DateOnly date) => date.ToString("dddd, " + DateFormat, Culture);

    public static string Time(DateTimeOffset instant) => InBerlin(instant).ToString("HH:mm", Culture);

    public static string DateTime(DateTimeOffset instant) => InBerlin(instant).ToString(DateFormat + " HH:mm", Culture);

    /// <summary>A clock time followed by German's "Uhr" (17:00 Uhr); English says the time alone.</summary>
    public static string Oclock(string time) => Texts.English ? time : time + " Uhr";

    public static string Range(DateTimeOffset start, DateTimeOffset end) =>
        Date(start) == Date(end) ? Oclock($"{Weekday(DateOnly.FromDateTime(InBerlin(start)))}, {Time(start)}–{Time(end)}") : Oclock($"{DateTime(start)} – {DateTime(end)}");

    public static string Euro(long cents) => Euro(cents / 100m);

    public static string Euro(decimal euros) => Texts.English ? euros.ToString("€#,##0.00;-€#,##0.00", English) : euros.ToString("#,##0.00 €", German);

    public static string Number(long value) => value.ToString("#,##0", Culture);

    /// <summary>A decimal with at most one place (12,5 or 12.5).</summary>
    public static string Decimal(double value, string format = "#,##0.#") => value.ToString(format, Culture);

    public static string Decimal(decimal value, string format = "#,##0.#") => value.ToString(format, Culture);

    public static string Hours(double minutes) => (minutes / 60).ToString("#,##0.#", Culture) + " h";

    /// <summary>A month's name and year (Dezember 2026, December 2026).</summary>
    public static string Month(DateOnly first) => first.ToString("MMMM yyyy", Culture);

    /// <summary>A weekday's name (Montag, Monday).</summary>
    public static string DayName(DayOfWeek day) => Culture.DateTimeFormat.GetDayName(day);

    /// <summary>Sorting names as a person of the request's language expects.</summary>
    public static StringComparer Names => StringComparer.Create(Culture, ignoreCase: true);

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
