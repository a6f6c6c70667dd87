using Allmende.Bookings;
using Allmende.Bookings.Availability;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.FixedDesks;
using Allmende.Bookings.House;
using Allmende.Bookings.Series;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Contracts;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Bookings;

/// <summary>Given what is held and the house, when a series is booked or a desk assigned or its assignment ended, then these events (or this rule).</summary>
public sealed class SeriesAndDeskDecisionTests
{
    private static readonly Guid SeriesId = Guid.Parse("0195a0b0-0000-7000-8000-0000000000e1");
    private static readonly Guid SpaceId = Guid.Parse("0195a0b0-0000-7000-8000-00000000005a");
    private static readonly Guid SiteId = Guid.Parse("0195a0b0-0000-7000-8000-000000000002");
    private static readonly Guid Verein = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a1");
    private static readonly Guid Jonas = Guid.Parse("0195a0b0-0000-7000-8000-0000000000c1");
    private static readonly Guid[] Ids = [.. Enumerable.Range(1, 5).Select(i => Guid.Parse($"0195a0b0-0000-7000-8000-0000000000b{i}"))];

    private static readonly DateTimeOffset Now = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private static DateTimeOffset Day(int day, int hour) => new(2027, 6, day, hour, 0, 0, TimeSpan.Zero);

    private static readonly IReadOnlyList<OpeningInterval> AlwaysOpen =
        [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningInterval(d, TimeOnly.MinValue, TimeOnly.MinValue))];

    private static readonly SpaceSnapshot Room = new(SpaceId, SiteId, "Seminarraum", "room", true, 20, null, null, null, 0, false, ["association"]);
    private static readonly HouseSnapshot House = new(Room, new SiteSnapshot(SiteId, AlwaysOpen, [], null, null), new OrganisationSnapshot(Verein, "association", "active"));

    // Tuesdays 8, 15 and 22 June 2027, 16:00–18:00 UTC.
    private static readonly IReadOnlyList<Occurrence> Tuesdays = [new(Day(8, 16), Day(8, 18)), new(Day(15, 16), Day(15, 18)), new(Day(22, 16), Day(22, 18))];

    private static BookSeries.Command Command(string conflicts, int attendees = 4) => new(SeriesId, SpaceId, Verein, Jonas, Day(8, 16), Day(8, 18), attendees,
        "Sprachcafé", "living-together", new Repeat(Frequencies.Weekly, null, 3), conflicts);

    private static object[] BookingEvents(int i, DateTimeOffset start, DateTimeOffset end, int attendees = 4, bool wholeSpace = true) =>
    [
        new BookingRequested(Ids[i], SpaceId, SiteId, Verein, Jonas, start, end, attendees, "Sprachcafé", "living-together", wholeSpace, null, Now, SeriesId),
        new BookingConfirmed(Ids[i], Now),
    ];

    [Fact]
    public void Book_free_books_the_free_occurrences_each_as_a_booking_of_the_series_and_names_the_rule_of_the_other()
    {
        var plan = BookSeries.Decide(Command(ConflictHandling.BookFree), Tuesdays, House, [new HeldSlot(Day(15, 17), Day(15, 19), 1)], Ids,
            BookingPolicy.Default, Now);

        plan.Requested.ShouldBeContract(new SeriesRequested(SeriesId, SpaceId, SiteId, Verein, Jonas, Day(8, 16), Day(8, 18), 4, "Sprachcafé",
            "living-together", "weekly", null, 3, "book-free",
            [
                new SeriesOccurrence(Day(8, 16), Day(8, 18), Ids[0], null),
                new SeriesOccurrence(Day(15, 16), Day(15, 18), null, "slot-taken"),
                new SeriesOccurrence(Day(22, 16), Day(22, 18), Ids[2], null),
            ], Now));
        plan.Bookings.Select(b => b.BookingId).ShouldBe([Ids[0], Ids[2]]);
        plan.Bookings[0].Events.ShouldBe(BookingEvents(0, Day(8, 16), Day(8, 18)));
        plan.Bookings[1].Events.ShouldBe(BookingEvents(2, Day(22, 16), Day(22, 18)));
    }

    [Fact]
    public void Book_none_refuses_the_whole_series_listing_every_occurrence_when_one_is_not_free()
    {
        var refused = Should.Throw<SeriesConflictsException>(() => BookSeries.Decide(Command(ConflictHandling.BookNone), Tuesdays,
            House with { Site = new SiteSnapshot(SiteId, AlwaysOpen, [(Day(22, 0), Day(23, 0))], null, null) }, [], Ids, BookingPolicy.Default, Now));

        refused.Occurrences.ShouldBe(
        [
            new SeriesOccurrence(Day(8, 16), Day(8, 18), null, null),
            new SeriesOccurrence(Day(15, 16), Day(15, 18), null, null),
            new SeriesOccurrence(Day(22, 16), Day(22, 18), null, "site-closed"),
        ]);
    }

    [Fact]
    public void Occurrences_of_one_series_count_against_each_other_in_a_flexible_desk_area()
    {
        var area = House with { Space = Room with { Kind = SpaceSnapshot.FlexibleDeskArea, Capacity = 10, Places = 5 } };
        // Eight-day bookings every week overlap the next one by a day; 3 places are taken all along, so only every other fits.
        IReadOnlyList<Occurrence> long_ = [new(Day(1, 12), Day(9, 12)), new(Day(8, 12), Day(16, 12)), new(Day(15, 12), Day(23, 12))];
        var plan = BookSeries.Decide(Command(ConflictHandling.BookFree, attendees: 2) with { Start = Day(1, 12), End = Day(9, 12) }, long_, area,
            [new HeldSlot(Day(1, 0), Day(30, 0), 3)], Ids, BookingPolicy.Default, Now);

        plan.Requested.Occurrences.Select(o => (o.BookingId, o.Rule)).ShouldBe([(Ids[0], null), (null, "no-place-free"), (Ids[2], null)]);
        plan.Bookings[1].Events.ShouldBe(BookingEvents(2, Day(15, 12), Day(23, 12), attendees: 2, wholeSpace: false));
    }

    [Fact]
    public void An_occurrence_lost_in_the_spring_gap_and_one_in_the_past_are_named_and_nothing_free_refuses_the_series()
    {
        IReadOnlyList<Occurrence> occurrences = [new(Now.AddHours(-1), Now), new(Day(8, 1), Day(8, 1))];
        Should.Throw<SeriesConflictsException>(() => BookSeries.Decide(Command(ConflictHandling.BookFree), occurrences, House, [], Ids,
            BookingPolicy.Default, Now)).Occurrences.Select(o => o.Rule).ShouldBe(["starts-in-the-past", "time-does-not-exist"]);
    }

    [Fact]
    public void Cancelling_the_rest_cancels_the_cancellable_occurrences_from_then_on_late_by_the_normal_rule()
    {
        var series = BookingSeries.Initial.Fold([new SeriesRequested(SeriesId, SpaceId, SiteId, Verein, Jonas, Day(8, 16), Day(8, 18), 4, "Sprachcafé",
            "living-together", "weekly", null, 3, "book-free",
            [.. Tuesdays.Select((o, i) => new SeriesOccurrence(o.Start, o.End, Ids[i], null))], Now)]);
        var bookings = Tuesdays.Select((o, i) => new Allmende.Eventing.Streams.StreamState<Booking>(Booking.StreamId(Ids[i]), 2,
            Booking.Initial.Fold(BookingEvents(i, o.Start, o.End)))).ToList();
        bookings[2] = bookings[2] with { State = bookings[2].State with { Status = BookingStatus.Cancelled } };
        var at = Day(8, 0); // the first occurrence is less than a day ahead

        var (seriesEvents, cancelled) = CancelSeries.Decide(series, bookings, Day(8, 0), "Kurs endet", BookingPolicy.Default, at);

        seriesEvents.Single().ShouldBeContract(new SeriesCancelledFrom(SeriesId, Day(8, 0), "Kurs endet", [Ids[0], Ids[1]], at));
        cancelled.Select(c => c.Events.Single()).ShouldBe([new BookingCancelled(Ids[0], "Kurs endet", true, at), new BookingCancelled(Ids[1], "Kurs endet", false, at)]);
    }

    // Fixed desks.

    private static readonly Guid AssignmentId = Guid.Parse("0195a0b0-0000-7000-8000-0000000000d1");
    private static readonly HouseSnapshot Desk = House with { Space = Room with { Kind = "fixed-desk", Name = "Tisch 4" } };
    private static readonly DateOnly July = new(2027, 7, 1);
    private static AssignDesk.Command Assign(DateOnly? from = null) => new(AssignmentId, SpaceId, Verein, Jonas, from ?? July, new DateOnly(2027, 12, 31));

    private static string Rule(Action decide) => Should.Throw<DomainException>(decide).Rule;

    [Fact]
    public void A_fixed_desk_is_assigned_to_an_active_organisation_from_today_on() =>
        AssignDesk.Decide(DeskAssignment.Initial, Assign(), Desk, Now).ShouldBe(
            [new DeskAssigned(AssignmentId, SpaceId, SiteId, Verein, Jonas, July, new DateOnly(2027, 12, 31), Now)]);

    [Fact]
    public void Only_non_retired_fixed_desks_within_the_lease_are_assigned_to_active_organisations_and_not_backwards()
    {
        Rule(() => AssignDesk.Decide(DeskAssignment.Initial, Assign(), House, Now)).ShouldBe("not-a-fixed-desk");
        Rule(() => AssignDesk.Decide(DeskAssignment.Initial, Assign(), Desk with { Space = Desk.Space! with { Bookable = false } }, Now)).ShouldBe("space-not-bookable");
        Rule(() => AssignDesk.Decide(DeskAssignment.Initial, Assign(), Desk with { Organisation = new OrganisationSnapshot(Verein, "association", "ended") }, Now))
            .ShouldBe("organisation-not-active");
        Rule(() => AssignDesk.Decide(DeskAssignment.Initial, Assign(new DateOnly(2027, 5, 31)), Desk, Now)).ShouldBe("starts-in-the-past");
        // The lease ends at the start of 31 December 2027 in Berlin: the last day is outside it.
        Rule(() => AssignDesk.Decide(DeskAssignment.Initial, Assign(), Desk with { Site = Desk.Site! with { LeaseEndsAt = new(2027, 12, 30, 23, 0, 0, TimeSpan.Zero) } }, Now))
            .ShouldBe("outside-lease");
        AssignDesk.Decide(DeskAssignment.Initial, Assign(), Desk with { Site = Desk.Site! with { LeaseEndsAt = new(2027, 12, 31, 23, 0, 0, TimeSpan.Zero) } }, Now)
            .Count.ShouldBe(1);
    }

    [Fact]
    public void An_assignment_ends_early_not_before_yesterday_and_a_later_end_or_a_reaction_already_met_changes_nothing()
    {
        var assigned = DeskAssignment.Initial.Fold(AssignDesk.Decide(DeskAssignment.Initial, Assign(), Desk, Now));
        EndDeskAssignment.Decide(assigned, new DateOnly(2027, 9, 30), "Umzug", Now)
            .ShouldBe([new DeskAssignmentEnded(AssignmentId, new DateOnly(2027, 9, 30), "Umzug", Now)]);
        EndDeskAssignment.Decide(assigned, new DateOnly(2027, 6, 30), "zurückgezogen", Now)
            .ShouldBe([new DeskAssignmentEnded(AssignmentId, new DateOnly(2027, 6, 30), "zurückgezogen", Now)]);
        Rule(() => EndDeskAssignment.Decide(assigned, new DateOnly(2027, 12, 31), "x", Now)).ShouldBe("assignment-not-shortened");
        Rule(() => EndDeskAssignment.Decide(assigned, new DateOnly(2027, 6, 29), "x", Now)).ShouldBe("ends-before-start");
        Rule(() => EndDeskAssignment.Decide(assigned, new DateOnly(2027, 7, 30), "x", new DateTimeOffset(2027, 8, 1, 10, 0, 0, TimeSpan.Zero)))
            .ShouldBe("ends-in-the-past");

        // A reaction before its first day withdraws it; redelivered, it changes nothing.
        var withdrawn = EndDeskAssignment.EndBy(assigned, new DateOnly(2027, 6, 10), "space retired", Now);
        withdrawn.ShouldBe([new DeskAssignmentEnded(AssignmentId, new DateOnly(2027, 6, 30), "space retired", Now)]);
        assigned.Fold(withdrawn).Withdrawn.ShouldBeTrue();
        EndDeskAssignment.EndBy(assigned.Fold(withdrawn), new DateOnly(2027, 6, 10), "space retired", Now).ShouldBeEmpty();
    }
}
