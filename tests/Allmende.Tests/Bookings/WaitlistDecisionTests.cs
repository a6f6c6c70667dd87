using Allmende.Bookings.Availability;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Bookings.Waitlist;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Contracts;

namespace Allmende.Tests.Bookings;

/// <summary>Given a waitlist entry's events, when something happens to it, then these events (or this rule); and when a range fits a space.</summary>
public sealed class WaitlistDecisionTests
{
    private static readonly Guid EntryId = Guid.Parse("0195a0b0-0000-7000-8000-0000000000e1");
    private static readonly Guid SpaceId = Guid.Parse("0195a0b0-0000-7000-8000-00000000005a");
    private static readonly Guid SiteId = Guid.Parse("0195a0b0-0000-7000-8000-000000000002");
    private static readonly Guid Verein = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a1");
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Start = Now.AddDays(3);

    private static readonly HouseSnapshot House = new(
        new SpaceSnapshot(SpaceId, SiteId, "Seminarraum", "room", true, 20, null, null, null, 0, false, ["association"]),
        new SiteSnapshot(SiteId, [.. Enum.GetValues<DayOfWeek>().Select(d => new OpeningInterval(d, TimeOnly.MinValue, TimeOnly.MinValue))], [], null, null),
        new OrganisationSnapshot(Verein, "association", "active"));

    private static readonly RequestBooking.Command Request = new(Guid.Empty, SpaceId, Verein, null, Start, Start.AddHours(2), 6, "Chorprobe", "neighbourhood-culture");

    private static readonly WaitlistJoined Joined = new(EntryId, SpaceId, SiteId, Verein, null, Start, Start.AddHours(2), 6, "Chorprobe", "neighbourhood-culture", true, Now);

    private static WaitlistEntry Given(params object[] events) => WaitlistEntry.Initial.Fold(events);

    [Fact]
    public void Joining_for_a_taken_slot_records_the_request() =>
        Waitlisting.Join(EntryId, Request, House, slotFree: false, Now).ShouldBe([Joined]);

    [Fact]
    public void Joining_for_a_free_slot_is_refused_with_the_advice_to_book() =>
        Should.Throw<DomainException>(() => Waitlisting.Join(EntryId, Request, House, slotFree: true, Now)).Rule.ShouldBe(Waitlisting.SlotFree);

    [Fact]
    public void Joining_meets_the_rules_of_a_booking_first() =>
        Should.Throw<DomainException>(() => Waitlisting.Join(EntryId, Request with { Start = Now.AddHours(-1) }, House, slotFree: false, Now))
            .Rule.ShouldBe(BookingRules.StartsInThePast);

    [Fact]
    public void An_offer_stands_for_the_configured_time_but_never_beyond_the_start()
    {
        Waitlisting.Offer(Given(Joined), TimeSpan.FromHours(4), Now).ShouldBe([new WaitlistOffered(EntryId, Now.AddHours(4), Now)]);
        Waitlisting.Offer(Given(Joined), TimeSpan.FromDays(5), Now).ShouldBe([new WaitlistOffered(EntryId, Start, Now)]);
    }

    [Fact]
    public void Only_the_offer_still_standing_for_that_time_expires()
    {
        var offered = Given(Joined, new WaitlistOffered(EntryId, Now.AddHours(4), Now));
        Waitlisting.ExpireOffer(offered, Now.AddHours(4), Now.AddHours(4)).ShouldBe([new WaitlistOfferExpired(EntryId, Now.AddHours(4))]);
        Waitlisting.ExpireOffer(offered, Now.AddHours(3), Now.AddHours(4)).ShouldBeEmpty();
        Waitlisting.ExpireOffer(Given(Joined, new WaitlistOffered(EntryId, Now.AddHours(4), Now), new WaitlistBooked(EntryId, Guid.Empty, Now)),
            Now.AddHours(4), Now.AddHours(4)).ShouldBeEmpty();
    }

    [Fact]
    public void Accepting_needs_an_offer_that_still_stands()
    {
        Should.Throw<DomainException>(() => Waitlisting.EnsureAcceptable(Given(Joined), Now)).Rule.ShouldBe(Waitlisting.NotOffered);
        var offered = Given(Joined, new WaitlistOffered(EntryId, Now.AddHours(1), Now));
        Should.NotThrow(() => Waitlisting.EnsureAcceptable(offered, Now.AddMinutes(59)));
        Should.Throw<DomainException>(() => Waitlisting.EnsureAcceptable(offered, Now.AddHours(1))).Rule.ShouldBe(Waitlisting.OfferExpired);
    }

    [Fact]
    public void A_withdrawn_entry_cannot_be_withdrawn_again_and_is_not_passed_over_or_expired()
    {
        var withdrawn = Given(Joined, new WaitlistWithdrawn(EntryId, Now));
        Should.Throw<DomainException>(() => Waitlisting.Withdraw(withdrawn, Now)).Rule.ShouldBe(Waitlisting.NotWithdrawable);
        Waitlisting.PassOver(withdrawn, BookingRules.LeadTime, Now).ShouldBeEmpty();
        Waitlisting.ExpireAtStart(withdrawn, Start).ShouldBeEmpty();
    }

    [Fact]
    public void An_entry_still_waiting_at_its_start_expires() =>
        Waitlisting.ExpireAtStart(Given(Joined), Start).ShouldBe([new WaitlistExpired(EntryId, Start)]);

    [Fact]
    public void A_whole_space_fits_only_where_nothing_holds_it() =>
        (SlotFit.Fits(true, 1, [new HeldSlot(Start, Start.AddHours(1), 1)], Start.AddHours(1), Start.AddHours(2), 6),
            SlotFit.Fits(true, 1, [new HeldSlot(Start, Start.AddHours(1), 1)], Start.AddMinutes(59), Start.AddHours(2), 6)).ShouldBe((true, false));

    [Fact]
    public void A_flexible_desk_area_fits_while_the_places_taken_at_once_leave_enough()
    {
        HeldSlot[] held = [new(Start, Start.AddHours(2), 3), new(Start.AddHours(1), Start.AddHours(3), 3)];
        SlotFit.Fits(false, 8, held, Start, Start.AddHours(3), 2).ShouldBeTrue();  // at most 6 of 8 at once
        SlotFit.Fits(false, 8, held, Start, Start.AddHours(3), 3).ShouldBeFalse(); // 9 from the first hour on
        SlotFit.Fits(false, 8, held, Start.AddHours(2), Start.AddHours(3), 5).ShouldBeTrue();
    }
}
