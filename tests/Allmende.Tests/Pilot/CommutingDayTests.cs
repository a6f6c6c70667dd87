using Allmende.Bookings.Commuting;

namespace Allmende.Tests.Pilot;

/// <summary>Desk-days are Europe/Berlin days, also on the two DST days and across month ends; the sums are exact.</summary>
public sealed class CommutingDayTests
{
    private static readonly Guid Lena = Guid.Parse("0190f000-0000-7000-8000-0000000b0201");
    private static readonly Guid Tarek = Guid.Parse("0190f000-0000-7000-8000-0000000b0202");

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    private static DateOnly D(string day) => DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_booking_late_on_the_spring_DST_day_is_on_that_Berlin_day_though_UTC_is_a_day_earlier_or_later()
    {
        // 28 March 2027: clocks go 02:00 -> 03:00; 00:30 Berlin is still 27 March 23:30 UTC.
        CommutingAvoided.DaysOf(new DeskBooking(Lena, At("2027-03-28T00:30:00+01:00"), At("2027-03-28T23:30:00+02:00"))).ShouldBe([D("2027-03-28")]);
        // 31 October 2027: 02:00-03:00 happens twice; a 25-hour Berlin day is still one desk-day.
        CommutingAvoided.DaysOf(new DeskBooking(Lena, At("2027-10-31T00:00:00+02:00"), At("2027-11-01T00:00:00+01:00"))).ShouldBe([D("2027-10-31")]);
    }

    [Fact]
    public void A_booking_over_midnight_counts_both_days_and_one_ending_at_midnight_only_the_first()
    {
        CommutingAvoided.DaysOf(new DeskBooking(Lena, At("2027-06-30T20:00:00+02:00"), At("2027-07-01T02:00:00+02:00"))).ShouldBe([D("2027-06-30"), D("2027-07-01")]);
        CommutingAvoided.DaysOf(new DeskBooking(Lena, At("2027-06-30T08:00:00+02:00"), At("2027-07-01T00:00:00+02:00"))).ShouldBe([D("2027-06-30")]);
    }

    /// <summary>Records holding lists compare those by reference: compare their JSON, the whole record.</summary>
    private static string Json(object value) => System.Text.Json.JsonSerializer.Serialize(value);

    [Fact]
    public void Desk_days_fall_into_Berlin_months_and_two_bookings_on_one_day_make_one_desk_day()
    {
        DeskBooking[] bookings =
        [
            // 31 March 2027 01:30 Berlin is 30 March 23:30 UTC: March, by Berlin's calendar.
            new(Lena, At("2027-03-31T01:30:00+02:00"), At("2027-03-31T09:00:00+02:00")),
            new(Lena, At("2027-03-31T13:00:00+02:00"), At("2027-03-31T17:00:00+02:00")),
            // 1 April 00:30 Berlin is 31 March 22:30 UTC: April.
            new(Lena, At("2027-04-01T00:30:00+02:00"), At("2027-04-01T08:00:00+02:00")),
            new(Tarek, At("2027-04-02T09:00:00+02:00"), At("2027-04-02T17:00:00+02:00")),
            // Outside the months asked for.
            new(Lena, At("2027-05-01T09:00:00+02:00"), At("2027-05-01T17:00:00+02:00")),
        ];
        var surveys = new Dictionary<Guid, CommuteSurvey> { [Lena] = new(23.5m, "car") };

        var (months, total) = CommutingAvoided.Compute(D("2027-03-01"), D("2027-04-01"), bookings, surveys);

        // One desk-day: 23.5 km × 2 = 47 km; × 154 g/km = 7.238 kg.
        Json(months).ShouldBe(Json(new[]
        {
            new CommutingMonth("2027-03", 1, 1, 47.0m, 7.2m, 0, [new CommutingByMeans("car", 1, 47.0m, 7.2m)]),
            new CommutingMonth("2027-04", 1, 1, 47.0m, 7.2m, 1, [new CommutingByMeans("car", 1, 47.0m, 7.2m)]),
        }));
        Json(total).ShouldBe(Json(new CommutingMonth("total", 1, 2, 94.0m, 14.5m, 1, [new CommutingByMeans("car", 2, 94.0m, 14.5m)])));
    }

    [Fact]
    public void Each_means_has_its_factor_and_bike_and_foot_avoid_km_but_no_CO2()
    {
        DeskBooking[] bookings =
        [
            new(Lena, At("2027-06-07T09:00:00+02:00"), At("2027-06-07T17:00:00+02:00")),
            new(Tarek, At("2027-06-07T09:00:00+02:00"), At("2027-06-07T17:00:00+02:00")),
        ];
        var surveys = new Dictionary<Guid, CommuteSurvey> { [Lena] = new(30m, "train"), [Tarek] = new(4.2m, "bike") };

        var (_, total) = CommutingAvoided.Compute(D("2027-06-01"), D("2027-06-01"), bookings, surveys);

        // Train: 60 km × 57 g = 3.42 kg; bike: 8.4 km, 0 kg.
        Json(total).ShouldBe(Json(new CommutingMonth("total", 2, 2, 68.4m, 3.4m, 0,
            [new CommutingByMeans("bike", 1, 8.4m, 0.0m), new CommutingByMeans("train", 1, 60.0m, 3.4m)])));
    }
}
