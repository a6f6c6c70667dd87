using System.Globalization;
using System.Text;

namespace Allmende.Bookings.Calendars;

/// <summary>One VEVENT: times are instants (written in UTC), Tentative for requests awaiting approval.</summary>
internal sealed record ICalendarEvent(string Uid, DateTimeOffset Start, DateTimeOffset End, string Summary, string? Location, bool Tentative);

/// <summary>
/// RFC 5545 text: CRLF line endings, content lines folded at 75 octets (never inside a UTF-8
/// character; continuation lines start with a space), TEXT values escaped (\\ \; \, \n). Pure.
/// </summary>
internal static class ICalendarWriter
{
    public const string ContentType = "text/calendar";

    public static string Write(string name, IEnumerable<ICalendarEvent> events, DateTimeOffset stamp)
    {
        var text = new StringBuilder();
        void Line(string line) => Fold(text, line);
        Line("BEGIN:VCALENDAR");
        Line("VERSION:2.0");
        Line("PRODID:-//Allmende//Bookings//DE");
        Line("CALSCALE:GREGORIAN");
        Line("METHOD:PUBLISH");
        Line("X-WR-CALNAME:" + Escape(name));
        foreach (var e in events)
        {
            Line("BEGIN:VEVENT");
            Line("UID:" + Escape(e.Uid));
            Line("DTSTAMP:" + Utc(stamp));
            Line("DTSTART:" + Utc(e.Start));
            Line("DTEND:" + Utc(e.End));
            Line("SUMMARY:" + Escape(e.Summary));
            if (e.Location is not null)
                Line("LOCATION:" + Escape(e.Location));
            Line("STATUS:" + (e.Tentative ? "TENTATIVE" : "CONFIRMED"));
            Line("END:VEVENT");
        }
        Line("END:VCALENDAR");
        return text.ToString();
    }

    public static string Utc(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static string Escape(string value) => value
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace(";", "\\;", StringComparison.Ordinal)
        .Replace(",", "\\,", StringComparison.Ordinal)
        .Replace("\r\n", "\\n", StringComparison.Ordinal)
        .Replace("\n", "\\n", StringComparison.Ordinal)
        .Replace("\r", "\\n", StringComparison.Ordinal);

    /// <summary>Appends the line with CRLF, folded so that no physical line exceeds 75 octets.</summary>
    private static void Fold(StringBuilder text, string line)
    {
        var octets = 0;
        var limit = 75;
        var i = 0;
        while (i < line.Length)
        {
            var length = char.IsHighSurrogate(line[i]) && i + 1 < line.Length ? 2 : 1;
            var size = Encoding.UTF8.GetByteCount(line.AsSpan(i, length));
            if (octets + size > limit)
            {
                text.Append("\r\n ");
                octets = 0;
                limit = 74; // the leading space counts
            }
            text.Append(line, i, length);
            octets += size;
            i += length;
        }
        text.Append("\r\n");
    }
}
