using System.Globalization;
using System.Text.RegularExpressions;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// What staff type in the management forms, read as the API takes it: German dates (24.12.2026),
/// euros (12,50), opening hours as "09:00–13:00, 14:00–18:00". Only the notation: whether a value is
/// allowed is the API's to say.
/// </summary>
internal static partial class Eingaben
{
    public static bool TryDate(string? text, out DateOnly date) =>
        DateOnly.TryParseExact(text?.Trim(), ["d.M.yyyy", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    /// <summary>
    /// Euros as typed in Germany ("1.260,50", "12", "12,5") to cents. A point only groups thousands: "12.5"
    /// is refused rather than read as 125 € (the lenient parser would).
    /// </summary>
    public static bool TryCents(string? text, out long cents)
    {
        cents = 0;
        var typed = text?.Replace("€", "", StringComparison.Ordinal).Trim() ?? "";
        if (!Euro().IsMatch(typed) || !decimal.TryParse(typed, NumberStyles.Number, Formats.German, out var euros) || euros > 1_000_000_000m)
            return false;
        cents = (long)(euros * 100);
        return true;
    }

    public static string Euros(long cents) => (cents / 100m).ToString("0.00", Formats.German);

    public static readonly IReadOnlyList<(string Code, string Name)> Days =
    [
        ("monday", "Montag"), ("tuesday", "Dienstag"), ("wednesday", "Mittwoch"), ("thursday", "Donnerstag"),
        ("friday", "Freitag"), ("saturday", "Samstag"), ("sunday", "Sonntag"),
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

    [GeneratedRegex(@"^(\d{1,2}:\d{2})\s*[–-]\s*(\d{1,2}:\d{2})$")]
    private static partial Regex Interval();
}
