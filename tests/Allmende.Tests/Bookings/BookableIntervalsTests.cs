using Allmende.Bookings.Availability;
using Allmende.Bookings.House;
using Allmende.Spaces.Contracts;

namespace Allmende.Tests.Bookings;

/// <summary>Availability as a booking would meet it: not before now plus the lead time, and only for durations the space takes.</summary>
public sealed class BookableIntervalsTests
{
    private static readonly IReadOnlyList<OpeningInterval> AlwaysOpen =
        [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningInterval(d, TimeOnly.MinValue, TimeOnly.MinValue))];

    private static readonly SiteSnapshot Site = new(Guid.NewGuid(), AlwaysOpen, [], null, null);

    private static readonly SpaceSnapshot Room = new(Guid.NewGuid(), Guid.NewGuid(), "Saal", "room", true, 20, null, null, null, 0, false, []);

    private static DateTimeOffset Utc(int d, int h, int min = 0, int s = 0) => new(2027, 9, d, h, min, s, TimeSpan.Zero);

    // The Berlin day of 8 September 2027 (CEST): 22:00Z the day before to 22:00Z.
    private static void ShouldFind((IReadOnlyList<TimeInterval> Free, string? Refused) found, IReadOnlyList<TimeInterval> free, string? refused = null)
    {
        found.Free.ShouldBe(free);
        found.Refused.ShouldBe(refused);
    }

    private static (IReadOnlyList<TimeInterval> Free, string? Refused) Search(SpaceSnapshot space, DateTimeOffset now, int minutes = 60, HeldSlot[]? held = null) =>
        FreeIntervals.Bookable(Site, space, held ?? [], Utc(7, 22), Utc(8, 22), TimeSpan.FromMinutes(minutes), now);

    [Fact]
    public void A_day_that_has_begun_is_free_only_from_now_rounded_up_to_the_next_whole_minute() =>
        ShouldFind(Search(Room, Utc(8, 10, 14, 30)), [new TimeInterval(Utc(8, 10, 15), Utc(8, 22))]);

    [Fact]
    public void The_lead_time_moves_the_earliest_start_and_a_booking_after_it_still_splits_the_rest() =>
        ShouldFind(Search(Room with { LeadTimeMinutes = 180 }, Utc(8, 6), held: [new HeldSlot(Utc(8, 12), Utc(8, 13), 1)]),
            [new TimeInterval(Utc(8, 9), Utc(8, 12)), new TimeInterval(Utc(8, 13), Utc(8, 22))]);

    [Fact]
    public void A_day_entirely_in_the_past_or_within_the_lead_time_has_no_slots() =>
        ShouldFind(Search(Room with { LeadTimeMinutes = 24 * 60 }, Utc(7, 23)), []);

    [Fact]
    public void A_day_still_ahead_is_free_from_its_start() =>
        ShouldFind(Search(Room with { LeadTimeMinutes = 60 }, Utc(6, 12)), [new TimeInterval(Utc(7, 22), Utc(8, 22))]);

    [Theory]
    [InlineData(30, "below-minimum-duration")]
    [InlineData(300, "above-maximum-duration")]
    public void A_duration_the_space_does_not_take_gives_no_slots_and_names_the_rule(int minutes, string rule) =>
        ShouldFind(Search(Room with { MinDurationMinutes = 60, MaxDurationMinutes = 240 }, Utc(1, 0), minutes), [], rule);

    [Theory]
    [InlineData(60)]
    [InlineData(240)]
    public void The_minimum_and_maximum_themselves_are_taken(int minutes) =>
        Search(Room with { MinDurationMinutes = 60, MaxDurationMinutes = 240 }, Utc(1, 0), minutes).Refused.ShouldBeNull();
}
