using Allmende.Bookings;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Contracts;

namespace Allmende.Tests.Bookings;

/// <summary>Given a booking's events and the house as Bookings knows it, when a command is decided, then these events (or this rule).</summary>
public sealed class BookingDecisionTests
{
    private static readonly Guid BookingId = Guid.Parse("0195a0b0-0000-7000-8000-0000000000b1");
    private static readonly Guid SpaceId = Guid.Parse("0195a0b0-0000-7000-8000-00000000005a");
    private static readonly Guid SiteId = Guid.Parse("0195a0b0-0000-7000-8000-000000000002");
    private static readonly Guid Verein = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a1");
    private static readonly Guid Jonas = Guid.Parse("0195a0b0-0000-7000-8000-0000000000c1");

    // Tuesday 1 June 2027, 10:00 UTC (12:00 in Berlin).
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = Now.AddDays(3);
    private static readonly DateTimeOffset End = Start.AddHours(2);
    private static readonly BookingPolicy Policy = BookingPolicy.Default;

    private static readonly IReadOnlyList<OpeningInterval> AlwaysOpen =
        [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningInterval(d, TimeOnly.MinValue, TimeOnly.MinValue))];

    private static readonly SpaceSnapshot Room = new(SpaceId, SiteId, "Seminarraum", "room", true, 20, null, null, null, 0, false,
        ["initiative", "association"]);

    private static readonly SiteSnapshot Site = new(SiteId, AlwaysOpen, [], null, null);

    private static readonly OrganisationSnapshot Association = new(Verein, "association", "active");

    private static readonly HouseSnapshot House = new(Room, Site, Association);

    private static RequestBooking.Command Request(DateTimeOffset? start = null, DateTimeOffset? end = null, int attendees = 12) =>
        new(BookingId, SpaceId, Verein, Jonas, start ?? Start, end ?? End, attendees, "Mieterberatung", "housing-and-living-environment");

    private static BookingRequested Requested(DateTimeOffset? due = null, bool wholeSpace = true, int attendees = 12) =>
        new(BookingId, SpaceId, SiteId, Verein, Jonas, Start, End, attendees, "Mieterberatung", "housing-and-living-environment", wholeSpace, due, Now.AddDays(-1));

    private static readonly BookingConfirmed Confirmed = new(BookingId, Now.AddDays(-1));

    private static Booking Given(params object[] events) => Booking.Initial.Fold(events);

    private static string RuleOf(Action decide) => Should.Throw<DomainException>(decide).Rule;

    private static string RequestRule(HouseSnapshot house, RequestBooking.Command? command = null, DateTimeOffset? now = null) =>
        RuleOf(() => RequestBooking.Decide(Booking.Initial, command ?? Request(), house, Policy, now ?? Now));

    [Fact]
    public void A_booking_of_a_space_without_approval_is_requested_and_confirmed_at_once() =>
        RequestBooking.Decide(Booking.Initial, Request(), House, Policy, Now).ShouldBe(
        [
            new BookingRequested(BookingId, SpaceId, SiteId, Verein, Jonas, Start, End, 12, "Mieterberatung", "housing-and-living-environment", true, null, Now),
            new BookingConfirmed(BookingId, Now),
        ]);

    [Fact]
    public void A_booking_of_a_space_needing_approval_waits_until_the_configured_time_before_its_start() =>
        RequestBooking.Decide(Booking.Initial, Request(), House with { Space = Room with { ApprovalRequired = true } }, Policy, Now).ShouldBe(
        [
            new BookingRequested(BookingId, SpaceId, SiteId, Verein, Jonas, Start, End, 12, "Mieterberatung", "housing-and-living-environment", true,
                Start - Policy.ApprovalDecisionBefore, Now),
        ]);

    [Fact]
    public void A_request_made_later_than_the_approval_deadline_may_be_decided_until_its_start()
    {
        var soon = Now.AddHours(2);
        var events = RequestBooking.Decide(Booking.Initial, Request(soon, soon.AddHours(1)), House with { Space = Room with { ApprovalRequired = true } }, Policy, Now);
        events.ShouldBe([new BookingRequested(BookingId, SpaceId, SiteId, Verein, Jonas, soon, soon.AddHours(1), 12, "Mieterberatung",
            "housing-and-living-environment", true, soon, Now)]);
    }

    [Fact]
    public void A_booking_in_a_flexible_desk_area_takes_places_not_the_whole_space()
    {
        var area = Room with { Kind = "flexible-desk-area", Capacity = 50, Places = 40 };
        var events = RequestBooking.Decide(Booking.Initial, Request(attendees: 3), House with { Space = area }, Policy, Now);
        ((BookingRequested)events[0]).WholeSpace.ShouldBeFalse();
        Booking.Initial.Fold(events).Places.ShouldBe(3);
        RequestRule(House with { Space = area }, Request(attendees: 41)).ShouldBe(BookingRules.OverCapacity);
    }

    [Fact]
    public void An_unknown_space_is_bad_input_naming_the_space() =>
        Should.Throw<BadInputException>(() => RequestBooking.Decide(Booking.Initial, Request(), House with { Space = null }, Policy, Now))
            .Field.ShouldBe("spaceId");

    [Fact]
    public void A_retired_or_never_bookable_space_takes_no_bookings() =>
        RequestRule(House with { Space = Room with { Bookable = false } }).ShouldBe(BookingRules.SpaceNotBookable);

    [Fact]
    public void Only_active_organisations_book()
    {
        RequestRule(House with { Organisation = null }).ShouldBe(BookingRules.OrganisationNotActive);
        RequestRule(House with { Organisation = Association with { Status = "suspended" } }).ShouldBe(BookingRules.OrganisationNotActive);
        RequestRule(House with { Organisation = Association with { Status = "ended" } }).ShouldBe(BookingRules.OrganisationNotActive);
    }

    [Fact]
    public void Only_the_organisation_kinds_the_space_admits_book_it() =>
        RequestRule(House with { Organisation = Association with { Kind = "company" } }).ShouldBe(BookingRules.OrganisationKindNotAllowed);

    [Fact]
    public void A_booking_cannot_start_in_the_past() =>
        RequestRule(House, Request(Now.AddMinutes(-1), Now.AddHours(1))).ShouldBe(BookingRules.StartsInThePast);

    [Fact]
    public void A_booking_respects_the_space_lead_time()
    {
        var house = House with { Space = Room with { LeadTimeMinutes = 24 * 60 } };
        RequestRule(house, Request(Now.AddHours(23), Now.AddHours(25))).ShouldBe(BookingRules.LeadTime);
        RequestBooking.Decide(Booking.Initial, Request(Now.AddHours(24), Now.AddHours(25)), house, Policy, Now).Count.ShouldBe(2);
    }

    [Fact]
    public void A_booking_lasts_between_the_space_minimum_and_maximum()
    {
        var house = House with { Space = Room with { MinDurationMinutes = 60, MaxDurationMinutes = 240 } };
        RequestRule(house, Request(Start, Start.AddMinutes(59))).ShouldBe(BookingRules.TooShort);
        RequestRule(house, Request(Start, Start.AddMinutes(241))).ShouldBe(BookingRules.TooLong);
        RequestBooking.Decide(Booking.Initial, Request(Start, Start.AddMinutes(240)), house, Policy, Now).Count.ShouldBe(2);
    }

    [Fact]
    public void Expected_attendees_must_fit_the_space() =>
        RequestRule(House, Request(attendees: 21)).ShouldBe(BookingRules.OverCapacity);

    [Fact]
    public void A_booking_lies_within_the_lease_outside_closures_and_within_opening_hours()
    {
        RequestRule(House with { Site = Site with { LeaseEndsAt = Start.AddHours(1) } }).ShouldBe(BookingRules.OutsideLease);
        RequestRule(House with { Site = Site with { LeaseStartsAt = Start.AddMinutes(1) } }).ShouldBe(BookingRules.OutsideLease);
        RequestRule(House with { Site = Site with { Closures = [(End.AddMinutes(-1), End.AddDays(1))] } }).ShouldBe(BookingRules.SiteClosed);
        RequestRule(House with { Site = Site with { OpeningHours = [] } }).ShouldBe(BookingRules.OutsideOpeningHours);
        RequestRule(House with { Site = null }).ShouldBe(BookingRules.SiteUnknown);
        // A closure that ends when the booking starts does not touch it.
        RequestBooking.Decide(Booking.Initial, Request(), House with { Site = Site with { Closures = [(Start.AddDays(-1), Start)] } }, Policy, Now)
            .Count.ShouldBe(2);
    }

    [Fact]
    public void Staff_approve_a_pending_request_and_it_is_confirmed()
    {
        var pending = Given(Requested(due: Start.AddDays(-1)));
        Approval.Approve(pending, Now).ShouldBe([new BookingApproved(BookingId, Now), new BookingConfirmed(BookingId, Now)]);
        Booking.Initial.Fold([Requested(due: Start.AddDays(-1)), .. Approval.Approve(pending, Now)]).Status.ShouldBe(BookingStatus.Confirmed);
    }

    [Fact]
    public void Staff_reject_a_pending_request_with_a_reason() =>
        Approval.Reject(Given(Requested(due: Start.AddDays(-1))), "Raum wird renoviert", Now)
            .ShouldBe([new BookingRejected(BookingId, "Raum wird renoviert", Now)]);

    [Fact]
    public void Only_a_pending_request_is_approved_or_rejected_and_not_after_its_due_time()
    {
        RuleOf(() => Approval.Approve(Given(Requested(), Confirmed), Now)).ShouldBe(BookingRules.NotAwaitingApproval);
        RuleOf(() => Approval.Reject(Given(Requested(), Confirmed), "x", Now)).ShouldBe(BookingRules.NotAwaitingApproval);
        RuleOf(() => Approval.Approve(Given(Requested(due: Now)), Now)).ShouldBe(BookingRules.ApprovalExpired);
    }

    [Fact]
    public void An_undecided_request_expires_when_its_due_time_fires_and_a_stale_firing_changes_nothing()
    {
        var due = Start.AddDays(-1);
        Approval.Expire(Given(Requested(due: due)), due, due).ShouldBe([new BookingApprovalExpired(BookingId, due)]);
        Approval.Expire(Given(Requested(due: due)), due.AddHours(-5), due).ShouldBeEmpty();
        Approval.Expire(Given(Requested(due: due), new BookingApproved(BookingId, Now), Confirmed), due, due).ShouldBeEmpty();
    }

    [Fact]
    public void A_confirmed_booking_is_checked_in_from_shortly_before_its_start_until_its_end()
    {
        var confirmed = Given(Requested(), Confirmed);
        Attendance.CheckIn(confirmed, Policy, Start.AddMinutes(-30)).ShouldBe([new BookingCheckedIn(BookingId, Start.AddMinutes(-30))]);
        RuleOf(() => Attendance.CheckIn(confirmed, Policy, Start.AddMinutes(-31))).ShouldBe(BookingRules.CheckInNotOpen);
        RuleOf(() => Attendance.CheckIn(confirmed, Policy, End)).ShouldBe(BookingRules.CheckInNotOpen);
        RuleOf(() => Attendance.CheckIn(Given(Requested(due: Now.AddDays(1))), Policy, Start)).ShouldBe(BookingRules.NotConfirmed);
    }

    [Fact]
    public void A_checked_in_booking_is_completed_and_nothing_else_is()
    {
        Attendance.Complete(Given(Requested(), Confirmed, new BookingCheckedIn(BookingId, Start)), End)
            .ShouldBe([new BookingCompleted(BookingId, End)]);
        RuleOf(() => Attendance.Complete(Given(Requested(), Confirmed), End)).ShouldBe(BookingRules.NotCheckedIn);
    }

    [Fact]
    public void A_confirmed_booking_nobody_checked_in_to_is_marked_no_show_once()
    {
        var at = Start.AddMinutes(15);
        Attendance.MarkNoShow(Given(Requested(), Confirmed), Start, at).ShouldBe([new BookingMarkedNoShow(BookingId, at)]);
        Attendance.MarkNoShow(Given(Requested(), Confirmed, new BookingCheckedIn(BookingId, Start)), Start, at).ShouldBeEmpty();
        Attendance.MarkNoShow(Given(Requested(), Confirmed, new BookingMarkedNoShow(BookingId, at)), Start, at).ShouldBeEmpty();
        // The check of a start the booking was moved away from is stale.
        Attendance.MarkNoShow(Given(Requested(), Confirmed, new BookingRescheduled(BookingId, Start.AddDays(1), End.AddDays(1), null, Now)), Start, at)
            .ShouldBeEmpty();
    }

    [Fact]
    public void A_cancellation_before_the_deadline_is_on_time_and_after_it_late()
    {
        var confirmed = Given(Requested(), Confirmed);
        var early = Start - Policy.LateCancellationDeadline;
        CancelBooking.Decide(confirmed, "Termin verschoben", Policy, early).ShouldBe([new BookingCancelled(BookingId, "Termin verschoben", false, early)]);
        CancelBooking.Decide(confirmed, "Krank", Policy, early.AddMinutes(1)).ShouldBe([new BookingCancelled(BookingId, "Krank", true, early.AddMinutes(1))]);
        CancelBooking.Decide(Given(Requested(due: Now.AddDays(1))), "Doch nicht", Policy, Now)
            .ShouldBe([new BookingCancelled(BookingId, "Doch nicht", false, Now)]);
    }

    [Fact]
    public void Only_requests_and_confirmed_bookings_are_cancelled_and_only_before_their_end()
    {
        RuleOf(() => CancelBooking.Decide(Given(Requested(), Confirmed), "x", Policy, End)).ShouldBe(BookingRules.NotCancellable);
        RuleOf(() => CancelBooking.Decide(Given(Requested(), Confirmed, new BookingCheckedIn(BookingId, Start)), "x", Policy, Start))
            .ShouldBe(BookingRules.NotCancellable);
        RuleOf(() => CancelBooking.Decide(Given(Requested(), Confirmed, new BookingCancelled(BookingId, "x", false, Now)), "y", Policy, Now))
            .ShouldBe(BookingRules.NotCancellable);
    }

    [Fact]
    public void Rescheduling_moves_the_booking_under_the_same_rules_and_the_same_range_records_nothing()
    {
        var confirmed = Given(Requested(), Confirmed);
        RescheduleBooking.Decide(confirmed, Start.AddDays(1), End.AddDays(1), House, Policy, Now)
            .ShouldBe([new BookingRescheduled(BookingId, Start.AddDays(1), End.AddDays(1), null, Now)]);
        RescheduleBooking.Decide(confirmed, Start, End, House, Policy, Now).ShouldBeEmpty();
        RuleOf(() => RescheduleBooking.Decide(confirmed, Start, Start.AddHours(1), House with { Site = Site with { OpeningHours = [] } }, Policy, Now))
            .ShouldBe(BookingRules.OutsideOpeningHours);
        RuleOf(() => RescheduleBooking.Decide(confirmed, Start.AddDays(1), End.AddDays(1), House, Policy, Start)).ShouldBe(BookingRules.NotReschedulable);
    }

    [Fact]
    public void Rescheduling_a_pending_request_sets_a_new_due_time()
    {
        var pending = Given(Requested(due: Start - Policy.ApprovalDecisionBefore));
        RescheduleBooking.Decide(pending, Start.AddDays(2), End.AddDays(2), House, Policy, Now)
            .ShouldBe([new BookingRescheduled(BookingId, Start.AddDays(2), End.AddDays(2), Start.AddDays(2) - Policy.ApprovalDecisionBefore, Now)]);
    }

    [Fact]
    public void A_booking_holds_its_slot_while_pending_confirmed_or_in_use_and_not_after()
    {
        Given(Requested(due: Now.AddDays(1))).HoldsSlot.ShouldBeTrue();
        Given(Requested(), Confirmed).HoldsSlot.ShouldBeTrue();
        Given(Requested(), Confirmed, new BookingCheckedIn(BookingId, Start)).HoldsSlot.ShouldBeTrue();
        Given(Requested(due: Now.AddDays(1)), new BookingRejected(BookingId, "x", Now)).HoldsSlot.ShouldBeFalse();
        Given(Requested(due: Now.AddDays(1)), new BookingApprovalExpired(BookingId, Now)).HoldsSlot.ShouldBeFalse();
        Given(Requested(), Confirmed, new BookingCancelled(BookingId, "x", false, Now)).HoldsSlot.ShouldBeFalse();
        Given(Requested(), Confirmed, new BookingMarkedNoShow(BookingId, Now)).HoldsSlot.ShouldBeFalse();
        Given(Requested(), Confirmed, new BookingCheckedIn(BookingId, Start), new BookingCompleted(BookingId, End)).HoldsSlot.ShouldBeFalse();
    }

    [Fact]
    public void The_action_fields_are_the_ten_of_the_soziale_stadt_programme_with_stable_codes() =>
        ActionFields.All.ShouldBe(
        [
            "housing-and-living-environment", "social-activities-and-infrastructure", "living-together", "school-and-education", "local-economy",
            "neighbourhood-culture", "sport-and-leisure", "health-promotion", "environment-and-transport", "image-and-public-relations",
        ]);

    [Fact]
    public void The_configured_defaults_are_a_day_for_late_cancellation_and_approval_and_a_quarter_hour_for_no_shows() =>
        new BookingsOptions().ToPolicy().ShouldBe(new BookingPolicy(TimeSpan.FromHours(24), TimeSpan.FromMinutes(15), TimeSpan.FromHours(24), TimeSpan.FromMinutes(30)));
}
