using System.Globalization;
using System.Text.RegularExpressions;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// What staff type in the management forms, read as the API takes it: dates (24.12.2026 or 24/12/2026),
/// euros as written in the page's language (12,50 or 12.50), opening hours as "09:00–13:00, 14:00–18:00". Only the notation: whether a value is
/// allowed is the API's to say.
/// </summary>
internal static partial class Eingaben
{
    public static bool TryDate(string? text, out DateOnly date) => Formats.TryDate(text, out date);

    /// <summary>
    /// Euros as typed in Germany ("1.260,50", "12", "12,5") to cents. A point only groups thousands: "12.5"
    /// is refused rather than read as 125 € (the lenient parser would). On an English page the other way
    /// round: "1,260.50" and "12.5" are read, "12,50" is refused.
    /// </summary>
    public static bool TryCents(string? text, out long cents)
    {
        cents = 0;
        var typed = text?.Replace("€", "", StringComparison.Ordinal).Trim() ?? "";
        var (notation, culture) = Texts.English ? (BritishEuro(), Formats.English) : (Euro(), Formats.German);
        if (!notation.IsMatch(typed) || !decimal.TryParse(typed, NumberStyles.Number, culture, out var euros) || euros > 1_000_000_000m)
            return false;
        cents = (long)(euros * 100);
        return true;
    }

    public static string Euros(long cents) => (cents / 100m).ToString("0.00", Formats.Culture);

    /// <summary>The week's days by the API's codes, named in the request's language.</summary>
    public static IReadOnlyList<(string Code, string Name)> Days =>
    [
        ("monday", Formats.DayName(DayOfWeek.Monday)), ("tuesday", Formats.DayName(DayOfWeek.Tuesday)), ("wednesday", Formats.DayName(DayOfWeek.Wednesday)),
        ("thursday", Formats.DayName(DayOfWeek.Thursday)), ("friday", Formats.DayName(DayOfWeek.Friday)), ("saturday", Formats.DayName(DayOfWeek.Saturday)),
        ("sunday", Formats.DayName(DayOfWeek.Sunday)),
    ];

    /// <summary>A day's hours: empty is closed; otherwise intervals "HH:mm–HH:mm" (also with "-"), separated by commas.</summary>
    public static bool TryHours(string day, string? text, List<object> intervals)
    {
        if (string.IsNullOrWhiteSpace(text))
            return true;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var match = Interval().Match(part);
            if (!match.Success)
                return false;
            intervals.Add(new { day, opens = match.Groups[1].Value.PadLeft(5, '0'), closes = match.Groups[2].Value.PadLeft(5, '0') });
        }
        return true;
    }

    public static string Hours(IEnumerable<Api.OpeningView> hours, string day) =>
        string.Join(", ", hours.Where(h => h.Day == day).Select(h => $"{h.Opens}–{h.Closes}"));

    [GeneratedRegex(@"^(\d{1,3}(\.\d{3})*|\d+)(,\d{1,2})?$")]
    private static partial Regex Euro();

    /// <summary>On an English page: "1,260.50", "12.5"; a comma only groups thousands.</summary>
    [GeneratedRegex(@"^(\d{1,3}(,\d{3})*|\d+)(\.\d{1,2})?$")]
    private static partial Regex BritishEuro();

    [GeneratedRegex(@"^(\d{1,2}:\d{2})\s*[–-]\s*(\d{1,2}:\d{2})$")]
    private static partial Regex Interval();
}
