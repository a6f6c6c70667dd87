using Allmende.Spaces.Common;
using Allmende.Spaces.Sites;

namespace Allmende.Tests.Spaces;

/// <summary>
/// "Is [from, to) within opening hours, outside closures, inside the lease?" in Europe/Berlin, above all
/// across the two DST nights of 2026: Sunday 29 March (02:00 CET → 03:00 CEST, at 01:00 UTC) and
/// Sunday 25 October (03:00 CEST → 02:00 CET, at 01:00 UTC).
/// </summary>
public sealed class OpeningCalendarTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    private static OpeningInterval On(DayOfWeek day, string opens, string closes)
    {
        Berlin.TryParseClockTime(opens, false, out var o).ShouldBeTrue();
        Berlin.TryParseClockTime(closes, true, out var c).ShouldBeTrue();
        return new OpeningInterval(day, o, c);
    }

    private static readonly OpeningInterval[] Weekdays8To20 =
    [
        .. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }.Select(d => On(d, "08:00", "20:00")),
    ];

    private static Openness Check(IEnumerable<OpeningInterval> hours, DateTimeOffset from, DateTimeOffset to,
        IEnumerable<Closure>? closures = null, Lease? lease = null) =>
        OpeningCalendar.Check(hours, closures ?? [], lease, from, to).Result;

    private static TimeSpan OpenTime(IEnumerable<OpeningInterval> hours, DateTimeOffset from, DateTimeOffset to) =>
        OpeningCalendar.OpenPeriods(hours, from, to).Aggregate(TimeSpan.Zero, (sum, p) => sum + (p.To - p.From));

    [Fact]
    public void Weekday_hours_in_winter_are_one_hour_ahead_of_utc()
    {
        // Tuesday 13 January 2026, 08:00–20:00 CET = 07:00–19:00 UTC.
        Check(Weekdays8To20, Utc(2026, 1, 13, 7), Utc(2026, 1, 13, 19)).ShouldBe(Openness.Open);
        Check(Weekdays8To20, Utc(2026, 1, 13, 6, 59), Utc(2026, 1, 13, 8)).ShouldBe(Openness.OutsideOpeningHours);
        Check(Weekdays8To20, Utc(2026, 1, 13, 18), Utc(2026, 1, 13, 19, 1)).ShouldBe(Openness.OutsideOpeningHours);
    }

    [Fact]
    public void Weekday_hours_in_summer_are_two_hours_ahead_of_utc()
    {
        // Wednesday 15 July 2026, 08:00–20:00 CEST = 06:00–18:00 UTC.
        Check(Weekdays8To20, Utc(2026, 7, 15, 6), Utc(2026, 7, 15, 18)).ShouldBe(Openness.Open);
        Check(Weekdays8To20, Utc(2026, 7, 15, 5, 30), Utc(2026, 7, 15, 7)).ShouldBe(Openness.OutsideOpeningHours);
        Check(Weekdays8To20, Utc(2026, 7, 15, 17), Utc(2026, 7, 15, 19)).ShouldBe(Openness.OutsideOpeningHours);
    }

    [Fact]
    public void A_site_without_hours_on_sunday_is_closed_all_sunday()
    {
        Check(Weekdays8To20, Utc(2026, 1, 18, 10), Utc(2026, 1, 18, 11)).ShouldBe(Openness.OutsideOpeningHours);
        OpeningCalendar.OpenPeriods(Weekdays8To20, Utc(2026, 1, 17, 23), Utc(2026, 1, 18, 23)).ShouldBeEmpty();
    }

    [Fact]
    public void A_site_without_any_hours_is_never_open() =>
        Check([], Utc(2026, 1, 13, 10), Utc(2026, 1, 13, 11)).ShouldBe(Openness.OutsideOpeningHours);

    [Fact]
    public void Several_intervals_a_day_leave_the_gap_between_them_closed()
    {
        OpeningInterval[] hours = [On(DayOfWeek.Tuesday, "08:00", "12:00"), On(DayOfWeek.Tuesday, "14:00", "18:00")];

        Check(hours, Utc(2026, 1, 13, 7), Utc(2026, 1, 13, 11)).ShouldBe(Openness.Open);
        Check(hours, Utc(2026, 1, 13, 13), Utc(2026, 1, 13, 17)).ShouldBe(Openness.Open);
        Check(hours, Utc(2026, 1, 13, 10), Utc(2026, 1, 13, 14)).ShouldBe(Openness.OutsideOpeningHours);
        OpeningCalendar.OpenPeriods(hours, Utc(2026, 1, 13, 0), Utc(2026, 1, 14, 0))
            .ShouldBe([(Utc(2026, 1, 13, 7), Utc(2026, 1, 13, 11)), (Utc(2026, 1, 13, 13), Utc(2026, 1, 13, 17))]);
    }

    [Fact]
    public void Hours_until_midnight_join_the_next_days_hours_from_midnight()
    {
        OpeningInterval[] hours = [On(DayOfWeek.Saturday, "20:00", "24:00"), On(DayOfWeek.Sunday, "00:00", "02:00")];

        // Saturday 17 January 22:00 CET to Sunday 01:00 CET.
        Check(hours, Utc(2026, 1, 17, 21), Utc(2026, 1, 18, 0)).ShouldBe(Openness.Open);
        OpeningCalendar.OpenPeriods(hours, Utc(2026, 1, 17, 0), Utc(2026, 1, 19, 0)).ShouldBe([(Utc(2026, 1, 17, 19), Utc(2026, 1, 18, 1))]);
    }

    [Fact]
    public void On_the_spring_sunday_a_whole_day_opening_lasts_23_hours()
    {
        OpeningInterval[] hours = [On(DayOfWeek.Sunday, "00:00", "24:00")];
        var midnightBefore = Utc(2026, 3, 28, 23); // Sunday 00:00 CET
        var midnightAfter = Utc(2026, 3, 29, 22); // Monday 00:00 CEST

        Check(hours, midnightBefore, midnightAfter).ShouldBe(Openness.Open);
        OpenTime(hours, Utc(2026, 3, 28, 0), Utc(2026, 3, 31, 0)).ShouldBe(TimeSpan.FromHours(23));
        Check(hours, midnightBefore.AddMinutes(-1), midnightAfter).ShouldBe(Openness.OutsideOpeningHours);
        Check(hours, midnightBefore, midnightAfter.AddMinutes(1)).ShouldBe(Openness.OutsideOpeningHours);
        // Across the jump itself: 01:30 CET to 03:30 CEST is one real hour.
        Check(hours, Utc(2026, 3, 29, 0, 30), Utc(2026, 3, 29, 1, 30)).ShouldBe(Openness.Open);
    }

    [Fact]
    public void On_the_spring_sunday_01_00_to_04_00_is_open_for_two_hours()
    {
        OpeningInterval[] hours = [On(DayOfWeek.Sunday, "01:00", "04:00")];

        // 01:00 CET = 00:00 UTC; 04:00 CEST = 02:00 UTC.
        OpeningCalendar.OpenPeriods(hours, Utc(2026, 3, 28, 0), Utc(2026, 3, 30, 0)).ShouldBe([(Utc(2026, 3, 29, 0), Utc(2026, 3, 29, 2))]);
        Check(hours, Utc(2026, 3, 29, 0), Utc(2026, 3, 29, 2)).ShouldBe(Openness.Open);
        Check(hours, Utc(2026, 3, 29, 0), Utc(2026, 3, 29, 2, 30)).ShouldBe(Openness.OutsideOpeningHours);
        Check(hours, Utc(2026, 3, 28, 23, 30), Utc(2026, 3, 29, 1)).ShouldBe(Openness.OutsideOpeningHours);
    }

    [Fact]
    public void On_the_spring_sunday_hours_inside_the_skipped_hour_never_happen()
    {
        OpenTime([On(DayOfWeek.Sunday, "02:00", "03:00")], Utc(2026, 3, 28, 0), Utc(2026, 3, 30, 0)).ShouldBe(TimeSpan.Zero);
        // 02:30–05:00 opens when the clocks jump to 03:00 CEST (01:00 UTC).
        OpeningCalendar.OpenPeriods([On(DayOfWeek.Sunday, "02:30", "05:00")], Utc(2026, 3, 28, 0), Utc(2026, 3, 30, 0))
            .ShouldBe([(Utc(2026, 3, 29, 1), Utc(2026, 3, 29, 3))]);
    }

    [Fact]
    public void On_the_autumn_sunday_a_whole_day_opening_lasts_25_hours()
    {
        OpeningInterval[] hours = [On(DayOfWeek.Sunday, "00:00", "24:00")];
        var midnightBefore = Utc(2026, 10, 24, 22); // Sunday 00:00 CEST
        var midnightAfter = Utc(2026, 10, 25, 23); // Monday 00:00 CET

        Check(hours, midnightBefore, midnightAfter).ShouldBe(Openness.Open);
        OpenTime(hours, Utc(2026, 10, 24, 0), Utc(2026, 10, 27, 0)).ShouldBe(TimeSpan.FromHours(25));
        Check(hours, midnightBefore.AddMinutes(-1), midnightAfter).ShouldBe(Openness.OutsideOpeningHours);
        Check(hours, midnightBefore, midnightAfter.AddMinutes(1)).ShouldBe(Openness.OutsideOpeningHours);
    }

    [Fact]
    public void On_the_autumn_sunday_01_00_to_04_00_is_open_for_four_hours()
    {
        OpeningInterval[] hours = [On(DayOfWeek.Sunday, "01:00", "04:00")];

        // 01:00 CEST = 23:00 UTC on Saturday; 04:00 CET = 03:00 UTC.
        OpeningCalendar.OpenPeriods(hours, Utc(2026, 10, 24, 0), Utc(2026, 10, 26, 0)).ShouldBe([(Utc(2026, 10, 24, 23), Utc(2026, 10, 25, 3))]);
        Check(hours, Utc(2026, 10, 24, 23), Utc(2026, 10, 25, 3)).ShouldBe(Openness.Open);
        Check(hours, Utc(2026, 10, 24, 22, 30), Utc(2026, 10, 25, 1)).ShouldBe(Openness.OutsideOpeningHours);
        Check(hours, Utc(2026, 10, 25, 2), Utc(2026, 10, 25, 3, 30)).ShouldBe(Openness.OutsideOpeningHours);
    }

    [Fact]
    public void On_the_autumn_sunday_the_repeated_hour_is_open_both_times()
    {
        // 02:00–03:00 happens first in CEST (00:00–01:00 UTC), then in CET (01:00–02:00 UTC).
        OpeningInterval[] hours = [On(DayOfWeek.Sunday, "02:00", "03:00")];

        OpeningCalendar.OpenPeriods(hours, Utc(2026, 10, 24, 0), Utc(2026, 10, 26, 0)).ShouldBe([(Utc(2026, 10, 25, 0), Utc(2026, 10, 25, 2))]);
        // 01:00–02:30 is 01:00–02:30 CEST and again 02:00–02:30 CET: two pieces.
        OpeningCalendar.OpenPeriods([On(DayOfWeek.Sunday, "01:00", "02:30")], Utc(2026, 10, 24, 0), Utc(2026, 10, 26, 0))
            .ShouldBe([(Utc(2026, 10, 24, 23), Utc(2026, 10, 25, 0, 30)), (Utc(2026, 10, 25, 1), Utc(2026, 10, 25, 1, 30))]);
    }

    [Fact]
    public void A_closure_of_whole_days_closes_from_local_midnight_to_local_midnight()
    {
        OpeningInterval[] hours = [.. Enum.GetValues<DayOfWeek>().Select(d => On(d, "00:00", "24:00"))];
        var holidays = new Closure(Guid.NewGuid(), Berlin.StartOfDay(new DateOnly(2026, 12, 24)), Berlin.EndOfDay(new DateOnly(2026, 12, 26)),
            new DateOnly(2026, 12, 24), new DateOnly(2026, 12, 26), "Weihnachten");

        holidays.From.ShouldBe(Utc(2026, 12, 23, 23));
        holidays.To.ShouldBe(Utc(2026, 12, 26, 23));
        OpeningCalendar.Check(hours, [holidays], null, Utc(2026, 12, 24, 9), Utc(2026, 12, 24, 11)).ShouldBe(new OpeningCheck(Openness.Closed, holidays));
        Check(hours, Utc(2026, 12, 23, 20), Utc(2026, 12, 23, 23), [holidays]).ShouldBe(Openness.Open);
        Check(hours, Utc(2026, 12, 23, 20), Utc(2026, 12, 23, 23, 1), [holidays]).ShouldBe(Openness.Closed);
        Check(hours, Utc(2026, 12, 26, 23), Utc(2026, 12, 27, 10), [holidays]).ShouldBe(Openness.Open);
    }

    [Fact]
    public void A_closure_of_instants_closes_exactly_then()
    {
        var renovation = new Closure(Guid.NewGuid(), Utc(2026, 1, 13, 9), Utc(2026, 1, 13, 12), null, null, "Wasserschaden");

        Check(Weekdays8To20, Utc(2026, 1, 13, 7), Utc(2026, 1, 13, 9), [renovation]).ShouldBe(Openness.Open);
        Check(Weekdays8To20, Utc(2026, 1, 13, 11, 59), Utc(2026, 1, 13, 13), [renovation]).ShouldBe(Openness.Closed);
        Check(Weekdays8To20, Utc(2026, 1, 13, 12), Utc(2026, 1, 13, 13), [renovation]).ShouldBe(Openness.Open);
    }

    [Fact]
    public void The_time_limited_building_is_open_only_from_1_august_2019_to_31_july_2020()
    {
        var lease = new Lease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31));
        OpeningInterval[] hours = [.. Enum.GetValues<DayOfWeek>().Select(d => On(d, "08:00", "22:00"))];

        lease.StartsAt.ShouldBe(Utc(2019, 7, 31, 22));
        lease.EndsAt.ShouldBe(Utc(2020, 7, 31, 22));
        Check(hours, Utc(2019, 7, 31, 8), Utc(2019, 7, 31, 10), lease: lease).ShouldBe(Openness.OutsideLease);
        Check(hours, Utc(2019, 8, 1, 6), Utc(2019, 8, 1, 10), lease: lease).ShouldBe(Openness.Open);
        Check(hours, Utc(2020, 7, 31, 18), Utc(2020, 7, 31, 20), lease: lease).ShouldBe(Openness.Open);
        Check(hours, Utc(2020, 8, 1, 8), Utc(2020, 8, 1, 10), lease: lease).ShouldBe(Openness.OutsideLease);
        Check(hours, Utc(2020, 1, 15, 8), Utc(2020, 1, 15, 10), lease: new Lease(null, new DateOnly(2020, 7, 31))).ShouldBe(Openness.Open);
        Check(hours, Utc(2019, 1, 15, 8), Utc(2019, 1, 15, 10), lease: new Lease(new DateOnly(2019, 8, 1), null)).ShouldBe(Openness.OutsideLease);
    }

    [Fact]
    public void An_empty_or_backward_range_is_a_programming_error() =>
        Should.Throw<ArgumentOutOfRangeException>(() => OpeningCalendar.Check(Weekdays8To20, [], null, Utc(2026, 1, 13, 9), Utc(2026, 1, 13, 9)));
}
