using Allmende.Bookings.Advice;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;

namespace Allmende.Tests.Advice;

/// <summary>Given consultation hours or an appointment, when a slot is asked for or a decision taken, then these slots, events or refusals.</summary>
public sealed class AdviceDecisionTests
{
    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2027, month, day, hour, minute, 0, TimeSpan.Zero);

    private static readonly Guid Hours = Guid.Parse("01900000-0000-7000-8000-000000000001");
    private static readonly Guid Advisor = Guid.Parse("01900000-0000-7000-8000-000000000002");
    private static readonly Guid Cooperative = Guid.Parse("01900000-0000-7000-8000-000000000003");
    private static readonly Guid Site = Guid.Parse("01900000-0000-7000-8000-000000000004");
    private static readonly Guid Room = Guid.Parse("01900000-0000-7000-8000-000000000005");
    private static readonly Guid Client = Guid.Parse("01900000-0000-7000-8000-000000000006");
    private static readonly Guid AppointmentId = Guid.Parse("01900000-0000-7000-8000-000000000007");
    private static readonly Guid BookingId = Guid.Parse("01900000-0000-7000-8000-000000000008");

    /// <summary>Thursdays 18:00–19:30 Berlin, 45-minute slots, from 21 October 2027 (summer time) to 4 November (winter time).</summary>
    private static ConsultationHours Thursdays(bool weekly = true) => ConsultationHours.Initial.Fold([new ConsultationHoursOffered(Hours, Advisor,
        Cooperative, Site, Room, "Werkstatt mit einer Person", "neighbourhood-culture", weekly, new DateOnly(2027, 10, 21),
        weekly ? new DateOnly(2027, 11, 4) : new DateOnly(2027, 10, 21), new TimeOnly(18, 0), new TimeOnly(19, 30), 45, Utc(10, 1, 9))]);

    private static Appointment Booked() => Appointment.Initial.Fold(
        AdviceDecisions.Book(Thursdays(), AppointmentId, BookingId, ClientKinds.Newcomer, Client, Utc(10, 28, 16), Utc(10, 1, 10)));

    [Fact]
    public void Weekly_hours_keep_their_berlin_wall_clock_slots_across_the_autumn_change() =>
        Thursdays().Slots(new DateOnly(2027, 10, 18), new DateOnly(2027, 11, 30)).ShouldBe(
        [
            (Utc(10, 21, 16), Utc(10, 21, 16, 45)), (Utc(10, 21, 16, 45), Utc(10, 21, 17, 30)),
            (Utc(10, 28, 16), Utc(10, 28, 16, 45)), (Utc(10, 28, 16, 45), Utc(10, 28, 17, 30)),
            (Utc(11, 4, 17), Utc(11, 4, 17, 45)), (Utc(11, 4, 17, 45), Utc(11, 4, 18, 30)),
        ]);

    [Fact]
    public void One_off_hours_have_slots_on_their_date_only() =>
        Thursdays(weekly: false).Slots(new DateOnly(2027, 10, 1), new DateOnly(2027, 12, 31)).Count().ShouldBe(2);

    [Fact]
    public void Booking_a_slot_records_the_appointment_with_the_hours_advisor_room_and_the_slots_end() =>
        AdviceDecisions.Book(Thursdays(), AppointmentId, BookingId, ClientKinds.Newcomer, Client, Utc(11, 4, 17, 45), Utc(10, 1, 10)).ShouldBe(
        [
            new AppointmentBooked(AppointmentId, Hours, BookingId, Advisor, Cooperative, Site, Room, "newcomer", Client, Utc(11, 4, 17, 45),
                Utc(11, 4, 18, 30), Utc(10, 1, 10)),
        ]);

    [Fact]
    public void A_start_off_the_slots_is_bad_input_naming_start() =>
        Should.Throw<BadInputException>(() => AdviceDecisions.Book(Thursdays(), AppointmentId, BookingId, ClientKinds.Member, Client, Utc(10, 28, 16, 30),
            Utc(10, 1, 10))).Field.ShouldBe("start");

    [Fact]
    public void Withdrawn_hours_take_no_appointment()
    {
        var withdrawn = Thursdays().Fold(AdviceDecisions.Withdraw(Thursdays(), "Beraterin im Urlaub", Utc(10, 2, 9)));
        Should.Throw<DomainException>(() => AdviceDecisions.Book(withdrawn, AppointmentId, BookingId, ClientKinds.Member, Client, Utc(10, 28, 16),
            Utc(10, 2, 10))).Rule.ShouldBe("hours-withdrawn");
        AdviceDecisions.Withdraw(withdrawn, "nochmal", Utc(10, 3, 9)).ShouldBeEmpty();
    }

    [Fact]
    public void An_appointment_is_cancelled_once_and_not_after_its_end()
    {
        AdviceDecisions.Cancel(Booked(), "client", "krank", Utc(10, 27, 9)).ShouldBe([new AppointmentCancelled(AppointmentId, "client", "krank", Utc(10, 27, 9))]);
        var cancelled = Booked().Fold(AdviceDecisions.Cancel(Booked(), "advisor", "verhindert", Utc(10, 27, 9)));
        Should.Throw<DomainException>(() => AdviceDecisions.Cancel(cancelled, "client", "nochmal", Utc(10, 27, 10))).Rule.ShouldBe("appointment-not-cancellable");
        Should.Throw<DomainException>(() => AdviceDecisions.Cancel(Booked(), "client", "zu spät", Utc(10, 28, 17))).Rule.ShouldBe("appointment-not-cancellable");
        Should.Throw<DomainException>(() => AdviceDecisions.RecordOutcome(cancelled, true, true, [], Utc(10, 28, 17))).Rule.ShouldBe("appointment-cancelled");
    }

    [Fact]
    public void What_came_of_it_is_recorded_from_the_start_on_and_the_same_record_twice_is_nothing_new()
    {
        AppointmentOutcome[] outcomes = [new("business-registered", 1)];
        Should.Throw<DomainException>(() => AdviceDecisions.RecordOutcome(Booked(), true, true, outcomes, Utc(10, 28, 15, 59))).Rule
            .ShouldBe("appointment-not-begun");
        var recorded = AdviceDecisions.RecordOutcome(Booked(), true, true, outcomes, Utc(10, 28, 16, 30));
        recorded.Count.ShouldBe(1);
        var e = (AppointmentOutcomeRecorded)recorded[0];
        (e.AppointmentId, e.Held, e.Consent, e.At).ShouldBe((AppointmentId, true, true, Utc(10, 28, 16, 30)));
        e.Outcomes.ShouldBe(outcomes);
        AdviceDecisions.RecordOutcome(Booked().Fold(recorded), true, true, [new("business-registered", 1)], Utc(10, 28, 17)).ShouldBeEmpty();
        AdviceDecisions.RecordOutcome(Booked().Fold(recorded), false, false, [], Utc(10, 28, 17)).Count.ShouldBe(1);
    }

    [Fact]
    public void An_erased_newcomer_is_erased_once()
    {
        var newcomer = Newcomer.Initial.Fold([new NewcomerAdmitted(Client, Cooperative, "sealed", null, "sealed", "v1", null, Utc(10, 1, 9))]);
        AdviceDecisions.Erase(newcomer, Utc(10, 2, 9)).ShouldBe([new NewcomerErased(Client, Utc(10, 2, 9))]);
        Should.Throw<DomainException>(() => AdviceDecisions.Erase(newcomer.Fold([new NewcomerErased(Client, Utc(10, 2, 9))]), Utc(10, 3, 9))).Rule
            .ShouldBe("newcomer-erased");
    }
}
