using Allmende.Funding;
using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;

namespace Allmende.Tests.Funding;

/// <summary>Given grants (as their events) / When a booking's cost changes / Then these events, to the cent.</summary>
public sealed class AllocationDecisionTests
{
    private static readonly Guid Funder = Guid.Parse("0195a0b0-0000-7000-8000-00000000f001");
    private static readonly Guid Organisation = Guid.Parse("0195a0b0-0000-7000-8000-00000000a001");
    private static readonly Guid Site = Guid.Parse("0195a0b0-0000-7000-8000-00000000c001");
    private static readonly Guid Space = Guid.Parse("0195a0b0-0000-7000-8000-00000000d001");
    private static readonly Guid Booking = Guid.Parse("0195a0b0-0000-7000-8000-00000000b001");
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly OrganisationFacts NonProfitAssociation = new("association", true);
    private static readonly FundingOptions Options = new();

    private static Grant GrantOf(Guid id, long budget, int priority = 100, int share = 10_000, long? cap = null, Coverage? coverage = null,
        params object[] later) =>
        new object[]
        {
            new GrantAwarded(id, Funder, $"Grant {priority}", "REF-1", budget, new DateOnly(2027, 1, 1), new DateOnly(2031, 12, 31),
                coverage ?? new Coverage([], [], [], [], false, [CostTypes.RoomHours]), share, priority, cap, Now),
        }.Concat(later).Aggregate(Grant.Initial, Grant.Evolve);

    private static Guid G(int n) => Guid.Parse($"0195a0b0-0000-7000-8000-0000000000{n:D2}");

    private static CostLine Line(long cost, DateTimeOffset? start = null, Guid? source = null, int minutes = 120) =>
        new(CostTypes.RoomHours, SourceKinds.Booking, source ?? Booking, Organisation, Site, Space, "neighbourhood-culture",
            start ?? Now, (start ?? Now).AddMinutes(minutes), Allmende.Funding.Common.Berlin.DateOf(start ?? Now), minutes, 8, 0, cost * 60 / minutes, cost);

    private static Func<Guid> Ids()
    {
        var n = 0;
        return () => Guid.Parse($"0195a0b0-0000-7000-8000-1000000000{++n:D2}");
    }

    private static Guid Id(int n) => Guid.Parse($"0195a0b0-0000-7000-8000-1000000000{n:D2}");

    private static void ShouldBeEvents(IEnumerable<object> actual, params object[] expected) =>
        actual.Select(Json).ShouldBe(expected.Select(Json));

    private static string Json(object e) => e.GetType().Name + System.Text.Json.JsonSerializer.Serialize(e, e.GetType(), Allmende.Eventing.Storage.EventingJson.Options);

    private static BookingFacts Facts(DateTimeOffset at, DateTimeOffset? start = null) =>
        new(Booking, Space, Site, Organisation, start ?? Now, (start ?? Now).AddHours(2), 8, "neighbourhood-culture", 120, at);

    [Fact]
    public void A_confirmed_booking_is_charged_to_the_grant_that_covers_it_in_full()
    {
        var ledger = new Ledger([GrantOf(G(1), 100_000)], [80, 100], Ids());
        var line = Line(5_000);

        var events = BookingCosts.Decide(Cost.Initial, BookingChange.Confirmed, Facts(Now), line, NonProfitAssociation, ledger, Options);

        ShouldBeEvents(events,
            new CostLineRecorded(Booking, line, Now),
            new CostAllocated(Id(1), Booking, Payers.Grant, G(1), Funder, AllocationRules.Share, 5_000, Now));
        ShouldBeEvents(ledger.GrantEvents[G(1)], new GrantCharged(G(1), Id(1), Booking, Organisation, new DateOnly(2027, 6, 1), 5_000, Now));
    }

    [Fact]
    public void Grants_pay_by_priority_and_the_next_one_takes_what_the_first_cannot()
    {
        var first = GrantOf(G(1), 3_000, priority: 1);
        var second = GrantOf(G(2), 100_000, priority: 2);

        var portions = Allocator.Split(Line(5_000), NonProfitAssociation, [second, first]);

        portions.ShouldBe([
            new Portion(Payers.Grant, G(1), Funder, AllocationRules.Budget, 3_000),
            new Portion(Payers.Grant, G(2), Funder, AllocationRules.Share, 2_000),
        ]);
    }

    [Fact]
    public void A_percentage_grant_pays_its_floor_and_the_organisation_the_rest()
    {
        var third = GrantOf(G(1), 100_000, share: 3_333);

        Allocator.Split(Line(1_001), NonProfitAssociation, [third]).ShouldBe([
            new Portion(Payers.Grant, G(1), Funder, AllocationRules.Share, 333),
            new Portion(Payers.Organisation, null, null, AllocationRules.NotCovered, 668),
        ]);
    }

    [Fact]
    public void A_cap_per_organisation_and_month_limits_a_grant_and_the_rest_is_over_cap()
    {
        var earlier = new GrantCharged(G(1), Id(90), Guid.NewGuid(), Organisation, new DateOnly(2027, 6, 1), 8_000, Now);
        var otherMonth = new GrantCharged(G(1), Id(91), Guid.NewGuid(), Organisation, new DateOnly(2027, 5, 1), 10_000, Now);
        var capped = GrantOf(G(1), 100_000, cap: 10_000, later: [earlier, otherMonth]);

        Allocator.Split(Line(5_000), NonProfitAssociation, [capped]).ShouldBe([
            new Portion(Payers.Grant, G(1), Funder, AllocationRules.Cap, 2_000),
            new Portion(Payers.Organisation, null, null, AllocationRules.OverCap, 3_000),
        ]);
    }

    [Fact]
    public void An_exhausted_grant_leaves_the_rest_to_the_organisation_marked_as_budget_exhausted()
    {
        var spent = new GrantCharged(G(1), Id(90), Guid.NewGuid(), Organisation, new DateOnly(2027, 6, 1), 9_000, Now);
        var exhausted = GrantOf(G(1), 10_000, later: [spent]);

        Allocator.Split(Line(5_000), NonProfitAssociation, [exhausted]).ShouldBe([
            new Portion(Payers.Grant, G(1), Funder, AllocationRules.Budget, 1_000),
            new Portion(Payers.Organisation, null, null, AllocationRules.BudgetExhausted, 4_000),
        ]);
    }

    [Fact]
    public void Grants_that_do_not_cover_the_cost_pay_nothing()
    {
        var otherSite = GrantOf(G(1), 100_000, coverage: new Coverage([Guid.NewGuid()], [], [], [], false, [CostTypes.RoomHours]));
        var companiesOnly = GrantOf(G(2), 100_000, coverage: new Coverage([], [], ["company"], [], false, [CostTypes.RoomHours]));
        var profitFree = GrantOf(G(3), 100_000, coverage: new Coverage([Site], [], [], [], true, [CostTypes.RoomHours]));
        var hallsOnly = GrantOf(G(4), 100_000, coverage: new Coverage([], [], [], [], false, [CostTypes.EventHallHours]));
        var closed = GrantOf(G(5), 100_000, later: [new GrantClosed(G(5), "programme ended", Now)]);
        var thisSpace = GrantOf(G(6), 100_000, coverage: new Coverage([], [Space], [], [], false, [CostTypes.RoomHours]));

        Allocator.Split(Line(5_000), new OrganisationFacts("association", false), [otherSite, companiesOnly, profitFree, hallsOnly, closed, thisSpace])
            .ShouldBe([new Portion(Payers.Grant, G(6), Funder, AllocationRules.Share, 5_000)]);
        Allocator.Split(Line(5_000), new OrganisationFacts("association", false), [otherSite, companiesOnly, profitFree, hallsOnly, closed])
            .ShouldBe([new Portion(Payers.Organisation, null, null, AllocationRules.NotCovered, 5_000)]);
    }

    [Fact]
    public void A_grant_pays_only_for_costs_on_its_Berlin_dates()
    {
        var grant = GrantOf(G(1), 100_000) with { StartsOn = new DateOnly(2027, 7, 1) };
        // 22:30 UTC on 30 June is 00:30 on 1 July in Berlin: July's, inside the grant.
        var lateNight = Line(1_000, start: new DateTimeOffset(2027, 6, 30, 22, 30, 0, TimeSpan.Zero));
        var evening = Line(1_000, start: new DateTimeOffset(2027, 6, 30, 21, 30, 0, TimeSpan.Zero));

        Allocator.Split(lateNight, NonProfitAssociation, [grant]).Single().GrantId.ShouldBe(G(1));
        lateNight.Month.ShouldBe(new DateOnly(2027, 7, 1));
        Allocator.Split(evening, NonProfitAssociation, [grant]).Single().Payer.ShouldBe(Payers.Organisation);
        evening.Month.ShouldBe(new DateOnly(2027, 6, 1));
    }

    [Fact]
    public void Portions_add_up_to_the_cost_to_the_cent_for_many_amounts_shares_caps_and_budgets()
    {
        var random = new Random(20270601);
        for (var round = 0; round < 5_000; round++)
        {
            var grants = Enumerable.Range(1, random.Next(0, 4)).Select(n => GrantOf(G(n), random.Next(0, 20_000), priority: random.Next(0, 3),
                share: random.Next(1, 10_001), cap: random.Next(2) == 0 ? null : random.Next(1, 10_000))).ToList();
            var line = Line(random.NextInt64(0, 50_000));

            var portions = Allocator.Split(line, NonProfitAssociation, grants);

            portions.Sum(p => p.AmountCents).ShouldBe(line.CostCents, $"round {round}");
            portions.ShouldAllBe(p => p.AmountCents > 0);
            foreach (var grant in grants)
            {
                var paid = portions.Where(p => p.GrantId == grant.Id).Sum(p => p.AmountCents);
                paid.ShouldBeLessThanOrEqualTo(Math.Max(0, grant.RemainingCents));
                paid.ShouldBeLessThanOrEqualTo(Allocator.ShareOf(line.CostCents, grant.ShareBasisPoints));
            }
        }
    }

    [Fact]
    public void Cancelling_reverses_exactly_what_was_allocated_and_refunds_the_grants()
    {
        var grant = GrantOf(G(1), 100_000, share: 5_000);
        var line = Line(5_001);
        var allocated = BookingCosts.Decide(Cost.Initial, BookingChange.Confirmed, Facts(Now), line, NonProfitAssociation,
            new Ledger([grant], [], Ids()), Options);
        var cost = allocated.Aggregate(Cost.Initial, Cost.Evolve);
        var charged = Grant.Evolve(grant, new GrantCharged(G(1), Id(1), Booking, Organisation, line.Month, 2_500, Now));
        var ledger = new Ledger([charged], [], Ids());

        var events = BookingCosts.Decide(cost, BookingChange.Cancelled, Facts(Now.AddHours(1)), null, NonProfitAssociation, ledger, Options);

        ShouldBeEvents(events,
            new AllocationReversed(Id(1), Booking, "cancelled", Now.AddHours(1)),
            new AllocationReversed(Id(2), Booking, "cancelled", Now.AddHours(1)),
            new CostLineWithdrawn(Booking, "cancelled", Now.AddHours(1)),
            new CostSettled(Booking, "cancelled", false, Now.AddHours(1)));
        ShouldBeEvents(ledger.GrantEvents[G(1)], new GrantRefunded(G(1), Id(1), Booking, Organisation, line.Month, 2_500, Now.AddHours(1)));
        ledger.Grants.Single().UsedCents.ShouldBe(0);
    }

    [Fact]
    public void A_late_cancellation_is_kept_and_settled_when_configured_so_and_reversed_otherwise()
    {
        var line = Line(4_000);
        var cost = BookingCosts.Decide(Cost.Initial, BookingChange.Confirmed, Facts(Now), line, NonProfitAssociation,
            new Ledger([GrantOf(G(1), 100_000)], [], Ids()), Options).Aggregate(Cost.Initial, Cost.Evolve);
        var charged = Grant.Evolve(GrantOf(G(1), 100_000), new GrantCharged(G(1), Id(1), Booking, Organisation, line.Month, 4_000, Now));

        ShouldBeEvents(BookingCosts.Decide(cost, BookingChange.LateCancelled, Facts(Now.AddHours(1)), line, NonProfitAssociation,
                new Ledger([charged], [], Ids()), new FundingOptions { ChargeLateCancellations = true }),
            new CostSettled(Booking, "late-cancellation", true, Now.AddHours(1)));
        ShouldBeEvents(BookingCosts.Decide(cost, BookingChange.LateCancelled, Facts(Now.AddHours(1)), null, NonProfitAssociation,
                new Ledger([charged], [], Ids()), new FundingOptions { ChargeLateCancellations = false }),
            new AllocationReversed(Id(1), Booking, "late cancellation not charged", Now.AddHours(1)),
            new CostLineWithdrawn(Booking, "late cancellation not charged", Now.AddHours(1)),
            new CostSettled(Booking, "late-cancellation", false, Now.AddHours(1)));
    }

    [Fact]
    public void An_undone_no_show_is_settled_again_as_completed_charged_or_waived_as_configured_and_nothing_else_reopens_a_settled_cost()
    {
        var line = Line(4_000);
        var charged = Grant.Evolve(GrantOf(G(1), 100_000), new GrantCharged(G(1), Id(1), Booking, Organisation, line.Month, 4_000, Now));
        var confirmed = BookingCosts.Decide(Cost.Initial, BookingChange.Confirmed, Facts(Now), line, NonProfitAssociation,
            new Ledger([GrantOf(G(1), 100_000)], [], Ids()), Options);
        var noShow = confirmed.Aggregate(Cost.Initial, Cost.Evolve);
        noShow = new object[] { new CostSettled(Booking, "no-show", true, Now.AddHours(1)) }.Aggregate(noShow, Cost.Evolve);

        // Charged (the default): the charge stands, only the outcome changes.
        ShouldBeEvents(BookingCosts.Decide(noShow, BookingChange.NoShowUndone, Facts(Now.AddHours(2)), line, NonProfitAssociation,
                new Ledger([charged], [], Ids()), Options),
            new CostSettled(Booking, "completed", true, Now.AddHours(2)));
        // Waived: the allocations are reversed.
        ShouldBeEvents(BookingCosts.Decide(noShow, BookingChange.NoShowUndone, Facts(Now.AddHours(2)), null, NonProfitAssociation,
                new Ledger([charged], [], Ids()), new FundingOptions { ChargeUndoneNoShows = false }),
            new AllocationReversed(Id(1), Booking, "undone no-show not charged", Now.AddHours(2)),
            new CostLineWithdrawn(Booking, "undone no-show not charged", Now.AddHours(2)),
            new CostSettled(Booking, "completed", false, Now.AddHours(2)));
        // A cost settled otherwise (or already re-settled) stays as it is.
        var completed = new object[] { new CostSettled(Booking, "completed", true, Now.AddHours(2)) }.Aggregate(noShow, Cost.Evolve);
        BookingCosts.Decide(completed, BookingChange.NoShowUndone, Facts(Now.AddHours(3)), line, NonProfitAssociation,
            new Ledger([charged], [], Ids()), Options).ShouldBeEmpty();
        BookingCosts.Decide(noShow, BookingChange.Confirmed, Facts(Now.AddHours(3)), line, NonProfitAssociation,
            new Ledger([charged], [], Ids()), Options).ShouldBeEmpty();
    }

    [Fact]
    public void Rescheduling_into_another_month_reverses_and_allocates_anew_against_that_months_cap()
    {
        var grant = GrantOf(G(1), 100_000, cap: 3_000);
        var june = Line(2_000);
        var cost = BookingCosts.Decide(Cost.Initial, BookingChange.Confirmed, Facts(Now), june, NonProfitAssociation,
            new Ledger([grant], [], Ids()), Options).Aggregate(Cost.Initial, Cost.Evolve);
        var julyUse = new GrantCharged(G(1), Id(80), Guid.NewGuid(), Organisation, new DateOnly(2027, 7, 1), 2_500, Now);
        var charged = Grant.Evolve(Grant.Evolve(grant, new GrantCharged(G(1), Id(1), Booking, Organisation, june.Month, 2_000, Now)), julyUse);
        var julyStart = new DateTimeOffset(2027, 7, 5, 8, 0, 0, TimeSpan.Zero);
        var july = Line(2_000, start: julyStart);
        var ids = Ids();
        ids(); // the first id was used by the June allocation

        var events = BookingCosts.Decide(cost, BookingChange.Changed, Facts(Now.AddHours(1), julyStart), july, NonProfitAssociation,
            new Ledger([charged], [], ids), Options);

        ShouldBeEvents(events,
            new AllocationReversed(Id(1), Booking, "rescheduled", Now.AddHours(1)),
            new CostLineWithdrawn(Booking, "rescheduled", Now.AddHours(1)),
            new CostLineRecorded(Booking, july, Now.AddHours(1)),
            new CostAllocated(Id(2), Booking, Payers.Grant, G(1), Funder, AllocationRules.Cap, 500, Now.AddHours(1)),
            new CostAllocated(Id(3), Booking, Payers.Organisation, null, null, AllocationRules.OverCap, 1_500, Now.AddHours(1)));
    }

    [Fact]
    public void A_cancellation_heard_of_before_the_confirmation_records_and_withdraws_the_line_unallocated_so_reports_count_it()
    {
        var line = Line(4_000);
        var ledger = new Ledger([GrantOf(G(1), 100_000)], [], Ids());

        var events = BookingCosts.Decide(Cost.Initial, BookingChange.Cancelled, Facts(Now.AddHours(1)), null, NonProfitAssociation, ledger, Options, line);

        ShouldBeEvents(events,
            new CostLineRecorded(Booking, line, Now.AddHours(1)),
            new CostLineWithdrawn(Booking, "cancelled", Now.AddHours(1)),
            new CostSettled(Booking, "cancelled", false, Now.AddHours(1)));
        ledger.GrantEvents.ShouldBeEmpty();
        // The confirmation, retried later, is stale: nothing is charged.
        BookingCosts.Decide(events.Aggregate(Cost.Initial, Cost.Evolve), BookingChange.Confirmed, Facts(Now), line, NonProfitAssociation,
            new Ledger([GrantOf(G(1), 100_000)], [], Ids()), Options).ShouldBeEmpty();
    }

    [Fact]
    public void A_message_older_than_the_last_applied_or_after_settlement_changes_nothing()
    {
        var settled = new object[] { new CostSettled(Booking, "cancelled", false, Now.AddHours(2)) }.Aggregate(Cost.Initial, Cost.Evolve);
        BookingCosts.Decide(settled, BookingChange.Confirmed, Facts(Now), Line(1_000), NonProfitAssociation,
            new Ledger([GrantOf(G(1), 100_000)], [], Ids()), Options).ShouldBeEmpty();

        var moved = new object[] { new CostLineRecorded(Booking, Line(1_000), Now.AddHours(2)) }.Aggregate(Cost.Initial, Cost.Evolve);
        BookingCosts.Decide(moved, BookingChange.Confirmed, Facts(Now), Line(2_000), NonProfitAssociation,
            new Ledger([GrantOf(G(1), 100_000)], [], Ids()), Options).ShouldBeEmpty();
    }

    [Fact]
    public void Budget_warnings_are_recorded_once_when_use_crosses_each_threshold()
    {
        var grant = GrantOf(G(1), 10_000);
        var ledger = new Ledger([grant], [80, 100], Ids());

        ledger.Allocate(Line(7_000, source: G(50)), NonProfitAssociation, Now);
        ledger.Allocate(Line(2_000, source: G(51)), NonProfitAssociation, Now);
        ledger.Allocate(Line(3_000, source: G(52)), NonProfitAssociation, Now);

        ledger.GrantEvents[G(1)].OfType<GrantBudgetThresholdReached>().ShouldBe([
            new GrantBudgetThresholdReached(G(1), 80, 9_000, 10_000, Now),
            new GrantBudgetThresholdReached(G(1), 100, 10_000, 10_000, Now),
        ]);
        ledger.Grants.Single().RemainingCents.ShouldBe(0);
    }

    [Fact]
    public void Booking_cost_is_the_chargeable_minutes_at_the_rate_of_the_day_per_place_in_a_desk_area()
    {
        var facts = new BookingFacts(Booking, Space, Site, Organisation, Now, Now.AddMinutes(95), 3, "living-together", 95, Now);

        BookingCosts.Line(facts, new SpaceCost("room", 2_500)).CostCents.ShouldBe(3_958); // 2500 × 95 / 60 = 3958.33
        BookingCosts.Line(facts, new SpaceCost("flexible-desk-area", 300)).CostCents.ShouldBe(1_425); // 3 places
        BookingCosts.Line(facts, new SpaceCost("event-hall", 6_000)).CostType.ShouldBe(CostTypes.EventHallHours);
    }
}
