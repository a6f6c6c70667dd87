using Allmende.Bookings.Availability;
using Allmende.Bookings.House;
using Allmende.Spaces.Contracts;

namespace Allmende.Tests.Bookings;

/// <summary>The pure availability computation: open time per Berlin day (DST-correct) minus held slots, merged, at least the duration.</summary>
public sealed class FreeIntervalsTests
{
    private static readonly IReadOnlyList<OpeningInterval> AlwaysOpen =
        [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningInterval(d, TimeOnly.MinValue, TimeOnly.MinValue))];

    private static DateTimeOffset Utc(int m, int d, int h, int min = 0) => new(2027, m, d, h, min, 0, TimeSpan.Zero);

    private static TimeInterval I(DateTimeOffset start, DateTimeOffset end) => new(start, end);

    private static SiteSnapshot Site(IReadOnlyList<OpeningInterval> hours, IReadOnlyList<(DateTimeOffset, DateTimeOffset)>? closures = null) =>
        new(Guid.NewGuid(), hours, closures ?? [], null, null);

    private static SpaceSnapshot Space(string kind = "room", int? places = null) =>
        new(Guid.NewGuid(), Guid.NewGuid(), "Saal", kind, true, 20, places, null, null, 0, false, []);

    [Fact]
    public void An_empty_site_open_around_the_clock_is_free_for_25_hours_on_the_autumn_DST_day()
    {
        // Sunday 31 Oct 2027, Europe/Berlin: 00:00 CEST (22:00Z the day before) to 24:00 CET (23:00Z).
        var free = FreeIntervals.Of(Site(AlwaysOpen), Space(), [], Utc(10, 30, 22), Utc(10, 31, 23), TimeSpan.FromMinutes(90));

        free.ShouldBe([I(Utc(10, 30, 22), Utc(10, 31, 23))]);
        (free[0].End - free[0].Start).ShouldBe(TimeSpan.FromHours(25));
    }

    [Fact]
    public void Bookings_are_subtracted_and_the_rest_is_kept_only_if_the_duration_fits()
    {
        var hours = new[] { new OpeningInterval(DayOfWeek.Wednesday, new TimeOnly(9, 0), new TimeOnly(17, 0)) };
        // Wednesday 14 July 2027, CEST: open 07:00Z–15:00Z.
        HeldSlot[] held = [new(Utc(7, 14, 8), Utc(7, 14, 10), 1), new(Utc(7, 14, 11), Utc(7, 14, 13), 1), new(Utc(7, 14, 12), Utc(7, 14, 14), 1)];

        var free = FreeIntervals.Of(Site(hours), Space(), held, Utc(7, 13, 22), Utc(7, 14, 22), TimeSpan.FromMinutes(60));

        free.ShouldBe([I(Utc(7, 14, 7), Utc(7, 14, 8)), I(Utc(7, 14, 10), Utc(7, 14, 11)), I(Utc(7, 14, 14), Utc(7, 14, 15))]);
        FreeIntervals.Of(Site(hours), Space(), held, Utc(7, 13, 22), Utc(7, 14, 22), TimeSpan.FromMinutes(61)).ShouldBeEmpty();
    }

    [Fact]
    public void Consecutive_open_days_merge_into_one_interval_and_closures_cut_it()
    {
        var closures = new[] { (Utc(7, 14, 10), Utc(7, 14, 12)) };

        var free = FreeIntervals.Of(Site(AlwaysOpen, closures), Space(), [], Utc(7, 13, 22), Utc(7, 15, 22), TimeSpan.FromMinutes(30));

        free.ShouldBe([I(Utc(7, 13, 22), Utc(7, 14, 10)), I(Utc(7, 14, 12), Utc(7, 15, 22))]);
    }

    [Fact]
    public void A_flexible_desk_area_is_full_only_where_the_places_taken_at_once_reach_its_places()
    {
        HeldSlot[] held = [new(Utc(7, 14, 8), Utc(7, 14, 12), 1), new(Utc(7, 14, 10), Utc(7, 14, 14), 1), new(Utc(7, 14, 13), Utc(7, 14, 15), 1)];

        var free = FreeIntervals.Of(Site(AlwaysOpen), Space(Allmende.Bookings.House.SpaceSnapshot.FlexibleDeskArea, places: 2), held,
            Utc(7, 13, 22), Utc(7, 14, 22), TimeSpan.FromMinutes(30));

        free.ShouldBe([I(Utc(7, 13, 22), Utc(7, 14, 10)), I(Utc(7, 14, 12), Utc(7, 14, 13)), I(Utc(7, 14, 14), Utc(7, 14, 22))]);
    }

    [Fact]
    public void Subtracting_and_merging_handle_touching_and_nested_intervals()
    {
        FreeIntervals.Merge([I(Utc(1, 1, 3), Utc(1, 1, 4)), I(Utc(1, 1, 1), Utc(1, 1, 2)), I(Utc(1, 1, 2), Utc(1, 1, 3)), I(Utc(1, 1, 5), Utc(1, 1, 5))])
            .ShouldBe([I(Utc(1, 1, 1), Utc(1, 1, 4))]);
        FreeIntervals.Subtract([I(Utc(1, 1, 1), Utc(1, 1, 10))], [I(Utc(1, 1, 0), Utc(1, 1, 2)), I(Utc(1, 1, 4), Utc(1, 1, 5)), I(Utc(1, 1, 9), Utc(1, 1, 12))])
            .ShouldBe([I(Utc(1, 1, 2), Utc(1, 1, 4)), I(Utc(1, 1, 5), Utc(1, 1, 9))]);
    }
}
