using System.Text;
using Allmende.Bookings.Calendars;

namespace Allmende.Tests.Bookings;

/// <summary>The iCalendar writer (RFC 5545) and the calendar's day and week ranges, pure.</summary>
public sealed class ICalendarWriterTests
{
    private static readonly DateTimeOffset Stamp = new(2027, 3, 1, 9, 30, 0, TimeSpan.Zero);

    [Fact]
    public void Text_values_are_escaped_and_times_written_in_UTC()
    {
        var feed = ICalendarWriter.Write("Saal", [new ICalendarEvent("b1@allmende", new DateTimeOffset(2027, 10, 31, 1, 30, 0, TimeSpan.FromHours(2)),
            new DateTimeOffset(2027, 10, 31, 4, 0, 0, TimeSpan.FromHours(1)), "Café; Treff, Raum \\ 1\nzweite Zeile", null, Tentative: true)], Stamp);

        var lines = feed.Split("\r\n");
        lines.ShouldContain("SUMMARY:Café\\; Treff\\, Raum \\\\ 1\\nzweite Zeile");
        lines.ShouldContain("DTSTART:20271030T233000Z");
        lines.ShouldContain("DTEND:20271031T030000Z");
        lines.ShouldContain("DTSTAMP:20270301T093000Z");
        lines.ShouldContain("STATUS:TENTATIVE");
        lines.ShouldContain("UID:b1@allmende");
        lines[0].ShouldBe("BEGIN:VCALENDAR");
        lines.ShouldContain("VERSION:2.0");
        lines.ShouldContain(l => l.StartsWith("PRODID:", StringComparison.Ordinal));
        lines[^2].ShouldBe("END:VCALENDAR");
        lines[^1].ShouldBe(""); // the last line ends with CRLF too
        feed.Replace("\r\n", "", StringComparison.Ordinal).ShouldNotContain('\n');
        feed.Replace("\r\n", "", StringComparison.Ordinal).ShouldNotContain('\r');
    }

    [Fact]
    public void Long_lines_are_folded_at_75_octets_without_splitting_a_character()
    {
        var summary = string.Concat(Enumerable.Repeat("Größenänderung ", 20));
        var feed = ICalendarWriter.Write("Saal", [new ICalendarEvent("b2@allmende", Stamp, Stamp.AddHours(1), summary, null, Tentative: false)], Stamp);

        var lines = feed.Split("\r\n");
        lines.ShouldAllBe(l => Encoding.UTF8.GetByteCount(l) <= 75);
        lines.ShouldContain("STATUS:CONFIRMED");
        // Unfolding (CRLF + one space) gives the line back whole.
        feed.Replace("\r\n ", "", StringComparison.Ordinal).Split("\r\n").ShouldContain("SUMMARY:" + summary);
        var start = Array.FindIndex(lines, l => l.StartsWith("SUMMARY:", StringComparison.Ordinal));
        Encoding.UTF8.GetByteCount(lines[start]).ShouldBe(75, "the first piece is filled up (Größenänderung has no character at the cut)");
        lines[start + 1].ShouldStartWith(" ");
    }

    [Theory]
    [InlineData("2027-10-31", "day", "2027-10-31", "2027-10-30T22:00:00Z", "2027-10-31T23:00:00Z")] // 25 hours
    [InlineData("2027-03-28", "day", "2027-03-28", "2027-03-27T23:00:00Z", "2027-03-28T22:00:00Z")] // 23 hours
    [InlineData("2027-11-03", "week", "2027-11-01", "2027-10-31T23:00:00Z", "2027-11-07T23:00:00Z")]
    [InlineData("2027-10-31", "week", "2027-10-25", "2027-10-24T22:00:00Z", "2027-10-31T23:00:00Z")] // a Sunday: its week began on Monday
    public void A_day_or_week_is_Berlin_local_and_DST_correct(string date, string view, string first, string from, string to)
    {
        var (f, start, end) = CalendarRange.Of(DateOnly.Parse(date, System.Globalization.CultureInfo.InvariantCulture), view);
        f.ShouldBe(DateOnly.Parse(first, System.Globalization.CultureInfo.InvariantCulture));
        start.ShouldBe(DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture));
        end.ShouldBe(DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture));
    }
}
