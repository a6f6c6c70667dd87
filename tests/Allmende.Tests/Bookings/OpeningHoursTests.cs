using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Spaces.Contracts;

namespace Allmende.Tests.Bookings;

/// <summary>Bookings' own opening-hours check from Spaces' contract data, in Europe/Berlin, across both DST nights.</summary>
public sealed class OpeningHoursTests
{
    private static readonly IReadOnlyList<OpeningInterval> AlwaysOpen =
        [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningInterval(d, TimeOnly.MinValue, TimeOnly.MinValue))];

    private static DateTimeOffset Berlin(int y, int m, int d, int h, int min, int offsetHours) => new(y, m, d, h, min, 0, TimeSpan.FromHours(offsetHours));

    private static OpeningInterval Hours(DayOfWeek day, int opens, int closes) =>
        new(day, new TimeOnly(opens % 24, 0), new TimeOnly(closes % 24, 0));

    private static SiteSnapshot Site(IReadOnlyList<OpeningInterval> hours) => new(Guid.NewGuid(), hours, [], null, null);

    [Fact]
    public void A_site_open_around_the_clock_is_open_through_the_autumn_night_with_its_repeated_hour()
    {
        // Saturday 24 Oct 2026 23:00 CEST to Sunday 25 Oct 04:00 CET: six hours pass.
        var from = Berlin(2026, 10, 24, 23, 0, 2);
        var to = Berlin(2026, 10, 25, 4, 0, 1);
        (to - from).ShouldBe(TimeSpan.FromHours(6));
        OpeningHours.IsWithinHours(AlwaysOpen, from, to).ShouldBeTrue();
    }

    [Fact]
    public void A_site_open_around_the_clock_is_open_through_the_spring_night_with_its_missing_hour()
    {
        var from = Berlin(2026, 3, 28, 23, 0, 1);
        var to = Berlin(2026, 3, 29, 4, 0, 2);
        (to - from).ShouldBe(TimeSpan.FromHours(4));
        OpeningHours.IsWithinHours(AlwaysOpen, from, to).ShouldBeTrue();
    }

    [Fact]
    public void Hours_from_one_to_four_on_the_autumn_sunday_last_four_hours_and_on_the_spring_sunday_two()
    {
        IReadOnlyList<OpeningInterval> sundayNight = [Hours(DayOfWeek.Sunday, 1, 4)];
        // Autumn: 01:00 CEST (23:00 UTC) to 04:00 CET (03:00 UTC).
        OpeningHours.IsWithinHours(sundayNight, new(2026, 10, 24, 23, 0, 0, TimeSpan.Zero), new(2026, 10, 25, 3, 0, 0, TimeSpan.Zero)).ShouldBeTrue();
        OpeningHours.IsWithinHours(sundayNight, new(2026, 10, 24, 23, 0, 0, TimeSpan.Zero), new(2026, 10, 25, 3, 1, 0, TimeSpan.Zero)).ShouldBeFalse();
        // Spring: 01:00 CET (00:00 UTC) to 04:00 CEST (02:00 UTC).
        OpeningHours.IsWithinHours(sundayNight, new(2026, 3, 29, 0, 0, 0, TimeSpan.Zero), new(2026, 3, 29, 2, 0, 0, TimeSpan.Zero)).ShouldBeTrue();
        OpeningHours.IsWithinHours(sundayNight, new(2026, 3, 28, 23, 59, 0, TimeSpan.Zero), new(2026, 3, 29, 2, 0, 0, TimeSpan.Zero)).ShouldBeFalse();
    }

    [Fact]
    public void The_repeated_hour_of_the_autumn_night_is_open_both_times_when_the_hours_cover_it()
    {
        IReadOnlyList<OpeningInterval> twoToThree = [Hours(DayOfWeek.Sunday, 2, 3)];
        // 02:00–03:00 CEST is 00:00–01:00 UTC; 02:00–03:00 CET is 01:00–02:00 UTC.
        OpeningHours.IsWithinHours(twoToThree, new(2026, 10, 25, 0, 0, 0, TimeSpan.Zero), new(2026, 10, 25, 2, 0, 0, TimeSpan.Zero)).ShouldBeTrue();
        OpeningHours.IsWithinHours(twoToThree, new(2026, 10, 25, 0, 0, 0, TimeSpan.Zero), new(2026, 10, 25, 2, 1, 0, TimeSpan.Zero)).ShouldBeFalse();
    }

    [Fact]
    public void Hours_across_midnight_join_up_and_a_gap_between_intervals_is_closed()
    {
        IReadOnlyList<OpeningInterval> lateNights = [Hours(DayOfWeek.Friday, 22, 24), Hours(DayOfWeek.Saturday, 0, 2)];
        // Friday 5 June 2026 22:00 to Saturday 02:00 CEST.
        OpeningHours.IsWithinHours(lateNights, Berlin(2026, 6, 5, 22, 0, 2), Berlin(2026, 6, 6, 2, 0, 2)).ShouldBeTrue();
        IReadOnlyList<OpeningInterval> withLunch = [Hours(DayOfWeek.Tuesday, 9, 12), Hours(DayOfWeek.Tuesday, 13, 17)];
        OpeningHours.IsWithinHours(withLunch, Berlin(2026, 6, 2, 9, 0, 2), Berlin(2026, 6, 2, 12, 0, 2)).ShouldBeTrue();
        OpeningHours.IsWithinHours(withLunch, Berlin(2026, 6, 2, 11, 0, 2), Berlin(2026, 6, 2, 14, 0, 2)).ShouldBeFalse();
        OpeningHours.IsWithinHours(withLunch, Berlin(2026, 6, 2, 8, 59, 2), Berlin(2026, 6, 2, 10, 0, 2)).ShouldBeFalse();
    }

    [Fact]
    public void The_check_names_the_lease_then_closures_then_hours()
    {
        var from = Berlin(2026, 6, 2, 10, 0, 2);
        var to = from.AddHours(2);
        var site = Site(AlwaysOpen);
        OpeningHours.Check(site, from, to).ShouldBeNull();
        OpeningHours.Check(site with { LeaseEndsAt = to.AddMinutes(-1), Closures = [(from, to)] }, from, to).ShouldBe(BookingRules.OutsideLease);
        OpeningHours.Check(site with { Closures = [(from, to)], OpeningHours = [] }, from, to).ShouldBe(BookingRules.SiteClosed);
        OpeningHours.Check(site with { OpeningHours = [] }, from, to).ShouldBe(BookingRules.OutsideOpeningHours);
        OpeningHours.Check(site with { LeaseStartsAt = from, LeaseEndsAt = to }, from, to).ShouldBeNull();
    }
}
