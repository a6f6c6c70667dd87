using Allmende.Bookings.Series;
using Allmende.Eventing.Api;

namespace Allmende.Tests.Bookings;

/// <summary>Given a first occurrence and a repetition, when the series is expanded, then these occurrences (UTC), Berlin wall-clock times kept.</summary>
public sealed class SeriesExpansionTests
{
    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0, int year = 2027) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    private static Occurrence O(DateTimeOffset start, DateTimeOffset end) => new(start, end);

    private static IReadOnlyList<Occurrence> Expand(DateTimeOffset start, DateTimeOffset end, string frequency, DateOnly? until = null, int? count = null) =>
        SeriesExpansion.Expand(start, end, new Repeat(frequency, until, count));

    [Fact]
    public void A_weekly_evening_keeps_18_to_20_local_across_the_spring_change() =>
        // Thursday 18 March 2027 18:00–20:00 CET; from 28 March summer time: 18:00 CEST is 16:00 UTC.
        Expand(Utc(3, 18, 17), Utc(3, 18, 19), Frequencies.Weekly, count: 3).ShouldBe(
        [
            O(Utc(3, 18, 17), Utc(3, 18, 19)),
            O(Utc(3, 25, 17), Utc(3, 25, 19)),
            O(Utc(4, 1, 16), Utc(4, 1, 18)),
        ]);

    [Fact]
    public void A_weekly_evening_keeps_18_to_20_local_across_the_autumn_change() =>
        // Thursday 21 October 2027 18:00–20:00 CEST; from 31 October winter time: 18:00 CET is 17:00 UTC.
        Expand(Utc(10, 21, 16), Utc(10, 21, 18), Frequencies.Weekly, count: 3).ShouldBe(
        [
            O(Utc(10, 21, 16), Utc(10, 21, 18)),
            O(Utc(10, 28, 16), Utc(10, 28, 18)),
            O(Utc(11, 4, 17), Utc(11, 4, 19)),
        ]);

    [Fact]
    public void Fortnightly_until_a_date_includes_that_date() =>
        Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Fortnightly, until: new DateOnly(2027, 6, 29)).ShouldBe(
        [
            O(Utc(6, 1, 8), Utc(6, 1, 10)),
            O(Utc(6, 15, 8), Utc(6, 15, 10)),
            O(Utc(6, 29, 8), Utc(6, 29, 10)),
        ]);

    [Fact]
    public void Until_and_count_describe_the_same_series() =>
        Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Weekly, until: new DateOnly(2027, 6, 21))
            .ShouldBe(Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Weekly, count: 3));

    [Fact]
    public void Until_is_a_Berlin_date_so_an_occurrence_late_in_the_evening_of_that_date_still_counts() =>
        // Tuesday 15 June 2027 23:30 CEST is 21:30 UTC on the same date.
        Expand(Utc(6, 1, 21, 30), Utc(6, 1, 22, 0), Frequencies.Weekly, until: new DateOnly(2027, 6, 15)).Count.ShouldBe(3);

    [Fact]
    public void Monthly_on_the_31st_skips_the_months_without_one_and_keeps_the_local_time() =>
        // Sunday 31 January 2027 19:00–21:00 CET; 31 March onwards is summer time (19:00 CEST = 17:00 UTC).
        Expand(Utc(1, 31, 18), Utc(1, 31, 20), Frequencies.Monthly, count: 4).ShouldBe(
        [
            O(Utc(1, 31, 18), Utc(1, 31, 20)),
            O(Utc(3, 31, 17), Utc(3, 31, 19)),
            O(Utc(5, 31, 17), Utc(5, 31, 19)),
            O(Utc(7, 31, 17), Utc(7, 31, 19)),
        ]);

    [Fact]
    public void Monthly_on_an_ordinary_day_is_the_same_day_every_month() =>
        Expand(Utc(10, 15, 8), Utc(10, 15, 9), Frequencies.Monthly, until: new DateOnly(2028, 1, 15)).ShouldBe(
        [
            O(Utc(10, 15, 8), Utc(10, 15, 9)),
            O(Utc(11, 15, 9), Utc(11, 15, 10)),
            O(Utc(12, 15, 9), Utc(12, 15, 10)),
            O(Utc(1, 15, 9, year: 2028), Utc(1, 15, 10, year: 2028)),
        ]);

    [Fact]
    public void A_local_start_in_the_spring_gap_moves_forward_by_the_gap_and_an_ambiguous_one_takes_the_earlier_instant()
    {
        // Sundays 02:00–04:00 local: on 28 March 02:00 does not exist (becomes 03:00 CEST), so that one lasts an hour.
        Expand(Utc(3, 21, 1), Utc(3, 21, 3), Frequencies.Weekly, count: 2).ShouldBe(
        [
            O(Utc(3, 21, 1), Utc(3, 21, 3)),
            O(Utc(3, 28, 1), Utc(3, 28, 2)),
        ]);
        // Sundays 02:30–03:30 local: on 31 October 02:30 happens twice; the first (CEST, 00:30 UTC) counts, 03:30 is CET.
        Expand(Utc(10, 24, 0, 30), Utc(10, 24, 1, 30), Frequencies.Weekly, count: 2).ShouldBe(
        [
            O(Utc(10, 24, 0, 30), Utc(10, 24, 1, 30)),
            O(Utc(10, 31, 0, 30), Utc(10, 31, 2, 30)),
        ]);
    }

    [Fact]
    public void An_occurrence_entirely_inside_the_spring_gap_comes_out_empty() =>
        // Sundays 02:00–03:00 local: on 28 March both ends resolve to 03:00 CEST.
        Expand(Utc(3, 21, 1), Utc(3, 21, 2), Frequencies.Weekly, count: 2)[1].ShouldBe(O(Utc(3, 28, 1), Utc(3, 28, 1)));

    [Fact]
    public void A_series_has_at_most_104_occurrences_within_two_years()
    {
        Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Weekly, count: 104).Count.ShouldBe(104);
        Should.Throw<BadInputException>(() => Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Weekly, until: new DateOnly(2029, 5, 31)))
            .Field.ShouldBe("repeat.until"); // 105 Tuesdays
        Should.Throw<BadInputException>(() => Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Monthly, until: new DateOnly(2029, 6, 1)))
            .Field.ShouldBe("repeat.until"); // two years and a day
        Should.Throw<BadInputException>(() => Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Fortnightly, count: 60))
            .Field.ShouldBe("repeat.count"); // 118 weeks
        Should.Throw<BadInputException>(() => Expand(Utc(6, 1, 8), Utc(6, 1, 10), Frequencies.Weekly, until: new DateOnly(2027, 5, 31)))
            .Field.ShouldBe("repeat.until"); // before the first
    }
}
