using System.Collections.Immutable;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Streams;

namespace Allmende.Tests.Bookings;

/// <summary>Given an organisation's month and its allowance, when a booking is counted or given back, then this split.</summary>
public sealed class QuotaDecisionTests
{
    private static readonly Guid Verein = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a1");
    private static readonly Guid First = Guid.Parse("0195a0b0-0000-7000-8000-0000000000b1");
    private static readonly Guid Second = Guid.Parse("0195a0b0-0000-7000-8000-0000000000b2");
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private const string June = "2027-06";
    private const int TenHours = 600;

    private static OrganisationMonthQuota Given(params object[] events) => events.Aggregate(OrganisationMonthQuota.Initial, OrganisationMonthQuota.Evolve);

    private static QuotaMinutesTaken Taken(Guid booking, int minutes, int free) => new(Verein, June, booking, minutes, free, minutes - free, TenHours, Now.AddDays(-1));

    [Fact]
    public void A_booking_within_the_allowance_is_all_free() =>
        OrganisationMonthQuota.Take(Given(), Verein, June, First, 120, TenHours, Now)
            .ShouldBe([new QuotaMinutesTaken(Verein, June, First, 120, 120, 0, TenHours, Now)]);

    [Fact]
    public void A_booking_crossing_the_end_of_the_allowance_is_free_up_to_it_and_chargeable_beyond() =>
        OrganisationMonthQuota.Take(Given(Taken(First, 540, 540)), Verein, June, Second, 120, TenHours, Now)
            .ShouldBe([new QuotaMinutesTaken(Verein, June, Second, 120, 60, 60, TenHours, Now)]);

    [Fact]
    public void A_booking_using_exactly_what_is_left_is_all_free_and_leaves_nothing()
    {
        var events = OrganisationMonthQuota.Take(Given(Taken(First, 480, 480)), Verein, June, Second, 120, TenHours, Now);
        events.ShouldBe([new QuotaMinutesTaken(Verein, June, Second, 120, 120, 0, TenHours, Now)]);
        Given([Taken(First, 480, 480), .. events]).UsedMinutes.ShouldBe(TenHours);
    }

    [Fact]
    public void A_booking_over_a_used_up_allowance_is_all_chargeable() =>
        OrganisationMonthQuota.Take(Given(Taken(First, 600, 600)), Verein, June, Second, 90, TenHours, Now)
            .ShouldBe([new QuotaMinutesTaken(Verein, June, Second, 90, 0, 90, TenHours, Now)]);

    [Fact]
    public void An_allowance_lowered_below_what_was_used_gives_nothing_more_and_keeps_the_past_as_decided() =>
        OrganisationMonthQuota.Take(Given(Taken(First, 600, 600)), Verein, June, Second, 60, 300, Now)
            .ShouldBe([new QuotaMinutesTaken(Verein, June, Second, 60, 0, 60, 300, Now)]);

    [Fact]
    public void A_booking_already_counted_is_not_counted_twice() =>
        OrganisationMonthQuota.Take(Given(Taken(First, 120, 120)), Verein, June, First, 120, TenHours, Now).ShouldBeEmpty();

    [Fact]
    public void Giving_back_returns_what_the_booking_took_and_frees_it_for_the_next()
    {
        var given = Given(Taken(First, 600, 600));
        var returned = OrganisationMonthQuota.Return(given, Verein, June, First, Now);
        returned.ShouldBe([new QuotaMinutesReturned(Verein, June, First, 600, Now)]);
        var after = Given([Taken(First, 600, 600), .. returned]);
        after.FreeByBooking.ShouldBe(ImmutableDictionary<Guid, int>.Empty);
        OrganisationMonthQuota.Take(after, Verein, June, Second, 60, TenHours, Now)
            .ShouldBe([new QuotaMinutesTaken(Verein, June, Second, 60, 60, 0, TenHours, Now)]);
    }

    [Fact]
    public void Giving_back_a_booking_not_counted_changes_nothing() =>
        OrganisationMonthQuota.Return(Given(Taken(First, 60, 60)), Verein, June, Second, Now).ShouldBeEmpty();

    [Theory]
    [InlineData("2027-06-30T21:59:00Z", "2027-06")] // 23:59 in Berlin
    [InlineData("2027-06-30T22:00:00Z", "2027-07")] // midnight in Berlin: already July
    [InlineData("2027-01-31T23:00:00Z", "2027-02")] // winter time: UTC+1
    public void A_booking_counts_in_the_Berlin_month_of_its_start(string start, string month) =>
        QuotaMonths.Of(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture)).ShouldBe(month);

    [Fact]
    public void A_booking_keeps_its_split_when_given_back_and_starts_all_chargeable_when_moved()
    {
        var requested = new BookingRequested(First, Guid.NewGuid(), Guid.NewGuid(), Verein, null, Now, Now.AddHours(3), 5, "Treffen",
            "living-together", true, null, Now);
        var applied = Booking.Initial.Fold([requested, new BookingConfirmed(First, Now), new BookingQuotaApplied(First, June, 120, 60, Now)]);
        (applied.FreeMinutes, applied.ChargeableMinutes, applied.QuotaMonth).ShouldBe((120, 60, June));

        var cancelled = applied.Fold([new BookingCancelled(First, "krank", false, Now), new BookingQuotaReturned(First, June, 120, Now)]);
        (cancelled.FreeMinutes, cancelled.ChargeableMinutes, cancelled.QuotaMonth).ShouldBe((120, 60, (string?)null));

        var moved = applied.Fold([new BookingQuotaReturned(First, June, 120, Now), new BookingRescheduled(First, Now.AddDays(40), Now.AddDays(40).AddHours(2), null, Now)]);
        (moved.FreeMinutes, moved.ChargeableMinutes, moved.QuotaMonth).ShouldBe((0, 120, (string?)null));
    }
}
