using Allmende.Bookings;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.Reactions;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Contracts;

namespace Allmende.Tests.Bookings;

/// <summary>Given a booking's events, when something changed in another module, then these events (or none: already done, or not a future booking).</summary>
public sealed class ReactionDecisionTests
{
    private static readonly Guid BookingId = Guid.Parse("0195a0b0-0000-7000-8000-0000000000b2");
    private static readonly Guid SpaceId = Guid.Parse("0195a0b0-0000-7000-8000-00000000005b");
    private static readonly Guid SiteId = Guid.Parse("0195a0b0-0000-7000-8000-000000000003");
    private static readonly Guid Verein = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a2");

    // Tuesday 1 June 2027, 10:00 UTC; the booking: Friday 4 June, 10:00–12:00 UTC (12:00–14:00 in Berlin).
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = Now.AddDays(3);
    private static readonly DateTimeOffset End = Start.AddHours(2);

    private static readonly BookingRequested Requested =
        new(BookingId, SpaceId, SiteId, Verein, null, Start, End, 10, "Repair-Café", "local-economy", true, null, Now.AddDays(-1));

    private static readonly BookingConfirmed Confirmed = new(BookingId, Now.AddDays(-1));

    private static Booking Given(params object[] events) => Booking.Initial.Fold(events);

    [Fact]
    public void An_ended_organisations_future_booking_is_cancelled_not_late() =>
        React.Cancel(Given(Requested, Confirmed), "organisation ended: dissolved", Now, Now)
            .ShouldBe([new BookingCancelled(BookingId, "organisation ended: dissolved", false, Now)]);

    [Fact]
    public void A_booking_that_started_before_the_change_is_left_alone()
    {
        React.Cancel(Given(Requested, Confirmed), "organisation ended: dissolved", Start.AddMinutes(1), Now).ShouldBeEmpty();
        React.Hold(Given(Requested, Confirmed), "organisation suspended: unpaid fees", Start, Now).ShouldBeEmpty();
    }

    [Fact]
    public void A_booking_already_cancelled_is_not_cancelled_again() =>
        React.Cancel(Given(Requested, Confirmed, new BookingCancelled(BookingId, "space retired", false, Now)), "space retired", Now, Now)
            .ShouldBeEmpty();

    [Fact]
    public void A_suspended_organisations_pending_request_is_held_for_review_and_keeps_its_slot()
    {
        var events = React.As(BookingReaction.Hold, Given(Requested), "organisation suspended: unpaid fees", Now, Now);
        events.ShouldBe([new BookingHeldForReview(BookingId, "organisation suspended: unpaid fees", Now)]);
        var after = Given([Requested, .. events]);
        (after.Status, after.HoldsSlot, after.Flags.Single()).ShouldBe((BookingStatus.PendingApproval, true, "organisation suspended: unpaid fees"));
    }

    [Fact]
    public void A_booking_held_for_the_same_reason_is_not_held_twice() =>
        React.Hold(Given(Requested, Confirmed, new BookingHeldForReview(BookingId, "person forgotten", Now)), "person forgotten", Now, Now)
            .ShouldBeEmpty();

    [Fact]
    public void Configured_to_cancel_the_reaction_cancels() =>
        React.As(BookingReaction.Cancel, Given(Requested, Confirmed), "person forgotten", Now, Now)
            .ShouldBe([new BookingCancelled(BookingId, "person forgotten", false, Now)]);

    [Fact]
    public void A_booking_outside_shrunk_opening_hours_is_flagged_and_stays_confirmed()
    {
        // Friday now only 08:00–13:00 in Berlin: the booking until 14:00 no longer fits.
        IReadOnlyList<OpeningInterval> mornings = [new(DayOfWeek.Friday, new TimeOnly(8, 0), new TimeOnly(13, 0))];
        var events = React.FlagOutsideHours(Given(Requested, Confirmed), mornings, "outside opening hours after the change of 2027-06-01", Now);
        events.ShouldBe([new BookingFlagged(BookingId, "outside opening hours after the change of 2027-06-01", Now)]);
        Given([Requested, Confirmed, .. events]).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public void A_booking_still_within_the_new_hours_is_not_flagged()
    {
        IReadOnlyList<OpeningInterval> fridays = [new(DayOfWeek.Friday, new TimeOnly(12, 0), new TimeOnly(14, 0))];
        React.FlagOutsideHours(Given(Requested, Confirmed), fridays, "outside opening hours after the change of 2027-06-01", Now).ShouldBeEmpty();
    }

    [Fact]
    public void A_closure_over_part_of_a_booking_flags_it_once()
    {
        var events = React.FlagClosed(Given(Requested, Confirmed), End.AddHours(-1), End.AddDays(1), "site closed: burst pipe", Now);
        events.ShouldBe([new BookingFlagged(BookingId, "site closed: burst pipe", Now)]);
        React.FlagClosed(Given([Requested, Confirmed, .. events]), End.AddHours(-1), End.AddDays(1), "site closed: burst pipe", Now).ShouldBeEmpty();
    }

    [Fact]
    public void A_closure_beside_a_booking_does_not_flag_it() =>
        React.FlagClosed(Given(Requested, Confirmed), End, End.AddDays(1), "site closed: holidays", Now).ShouldBeEmpty();
}
