using Allmende.Eventing.Api;
using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;
using Allmende.Funding.UsageAgreements;

namespace Allmende.Tests.Funding;

/// <summary>
/// A grant pays only what it covers, for every kind of cost (ADR 12): Given a grant limited (or not) by
/// place / When a cost of each kind is split / Then the grant pays all of it, or nothing and the
/// organisation's own share is "not-covered". One row per cost kind × coverage.
/// </summary>
public sealed class CoverageDecisionTests
{
    private static readonly Guid Funder = Guid.Parse("0195a0b0-0000-7000-8000-00000000f001");
    private static readonly Guid GrantId = Guid.Parse("0195a0b0-0000-7000-8000-00000000e001");
    private static readonly Guid Organisation = Guid.Parse("0195a0b0-0000-7000-8000-00000000a001");
    private static readonly Guid House = Guid.Parse("0195a0b0-0000-7000-8000-00000000c001");
    private static readonly Guid OtherHouse = Guid.Parse("0195a0b0-0000-7000-8000-00000000c002");
    private static readonly Guid RoomA = Guid.Parse("0195a0b0-0000-7000-8000-00000000d001");
    private static readonly Guid RoomB = Guid.Parse("0195a0b0-0000-7000-8000-00000000d002");
    private static readonly Guid Hall = Guid.Parse("0195a0b0-0000-7000-8000-00000000d003");
    private static readonly Guid Desk = Guid.Parse("0195a0b0-0000-7000-8000-00000000d004");
    private static readonly Guid Source = Guid.Parse("0195a0b0-0000-7000-8000-00000000b001");
    private static readonly DateOnly Day = new(2027, 6, 14);
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static CostLine Cost(string kind) => kind switch
    {
        "room booking" => new(CostTypes.RoomHours, SourceKinds.Booking, Source, Organisation, House, RoomA, "neighbourhood-culture", Now, Now.AddHours(1), Day,
            60, 5, 0, 10_000, 10_000),
        "event-hall booking" => new(CostTypes.EventHallHours, SourceKinds.Booking, Source, Organisation, House, Hall, "neighbourhood-culture", Now,
            Now.AddHours(1), Day, 60, 50, 0, 10_000, 10_000),
        "fixed desk" => new(CostTypes.DeskFees, SourceKinds.FixedDesk, Source, Organisation, House, Desk, null, null, null, new DateOnly(2027, 6, 1),
            0, 0, 30, 10_000, 10_000),
        "flexible-desk plan" => new(CostTypes.DeskFees, SourceKinds.FlexibleDeskPlan, Source, Organisation, null, null, null, null, null,
            new DateOnly(2027, 6, 1), 0, 0, 30, 10_000, 10_000),
        "share payment" => new(CostTypes.CooperativeShares, SourceKinds.CooperativeShares, Organisation, Organisation, null, null, null, null, null, Day,
            0, 0, 0, 10_000, 10_000),
        "usage fee" => new(CostTypes.UsageFees, SourceKinds.UsageAgreement, Source, Organisation, House, null, null, null, null, new DateOnly(2027, 6, 1),
            0, 0, 30, 10_000, 10_000, [RoomA, RoomB]),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static Coverage CoverageOf(string coverage) => coverage switch
    {
        "anywhere" => Where([], []),
        "the house" => Where([House], []),
        "another house" => Where([OtherHouse], []),
        "room A" => Where([], [RoomA]),
        "rooms A and B" => Where([], [RoomA, RoomB]),
        "the desk" => Where([], [Desk]),
        "another house and room A" => Where([OtherHouse], [RoomA]),
        _ => throw new ArgumentOutOfRangeException(nameof(coverage)),
    };

    private static Coverage Where(Guid[] sites, Guid[] spaces) => new(sites, spaces, [], [], false, CostTypes.All);

    public static TheoryData<string, string, bool> Rows()
    {
        // Which cost kinds each coverage pays; every other kind it must not.
        var pays = new Dictionary<string, string[]>
        {
            ["anywhere"] = ["room booking", "event-hall booking", "fixed desk", "flexible-desk plan", "share payment", "usage fee"],
            ["the house"] = ["room booking", "event-hall booking", "fixed desk", "usage fee"],
            ["another house"] = [],
            ["room A"] = ["room booking"],
            ["rooms A and B"] = ["room booking", "usage fee"],
            ["the desk"] = ["fixed desk"],
            ["another house and room A"] = ["room booking"],
        };
        string[] kinds = ["room booking", "event-hall booking", "fixed desk", "flexible-desk plan", "share payment", "usage fee"];
        var rows = new TheoryData<string, string, bool>();
        foreach (var (coverage, paid) in pays)
        {
            foreach (var kind in kinds)
                rows.Add(kind, coverage, paid.Contains(kind));
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_grant_pays_a_cost_only_if_it_covers_its_place(string kind, string coverage, bool pays)
    {
        var grant = Grant.Evolve(Grant.Initial, new GrantAwarded(GrantId, Funder, "Etage", "REF", 1_000_000, new DateOnly(2027, 1, 1),
            new DateOnly(2031, 12, 31), CoverageOf(coverage), 10_000, 1, null, Now));

        var portions = Allocator.Split(Cost(kind), new OrganisationFacts("association", true), [grant]);

        portions.ShouldBe(pays
            ? [new Portion(Payers.Grant, GrantId, Funder, AllocationRules.Share, 10_000)]
            : [new Portion(Payers.Organisation, null, null, AllocationRules.NotCovered, 10_000)]);
    }

    [Fact]
    public void A_re_allocation_reverses_what_is_in_force_and_puts_the_chosen_grant_first()
    {
        var first = Awarded(Guid.Parse("0195a0b0-0000-7000-8000-0000000000e1"), priority: 1);
        var second = Awarded(Guid.Parse("0195a0b0-0000-7000-8000-0000000000e2"), priority: 2);
        var line = Cost("room booking");
        var allocation = Guid.Parse("0195a0b0-0000-7000-8000-100000000000");
        var cost = new object[]
        {
            new CostLineRecorded(Source, line, Now),
            new Allmende.Funding.Allocation.CostAllocated(allocation, Source, Payers.Grant, first.Id, Funder, AllocationRules.Share, 10_000, Now),
        }.Aggregate(Allmende.Funding.Allocation.Cost.Initial, Allmende.Funding.Allocation.Cost.Evolve);
        var charged = Grant.Evolve(first, new GrantCharged(first.Id, allocation, Source, Organisation, line.Month, 10_000, Now));
        var ledger = new Ledger([charged, second], [], () => Guid.Parse("0195a0b0-0000-7000-8000-100000000001"));

        var events = ledger.Reallocate(cost, new OrganisationFacts("association", true), "falscher Fördertopf", second.Id, Now.AddDays(1));

        ShouldBeEvents(events, [
            new CostReallocated(Source, "falscher Fördertopf", second.Id, Now.AddDays(1)),
            new Allmende.Funding.Allocation.AllocationReversed(allocation, Source, "falscher Fördertopf", Now.AddDays(1)),
            new CostLineRecorded(Source, line, Now.AddDays(1)),
            new Allmende.Funding.Allocation.CostAllocated(Guid.Parse("0195a0b0-0000-7000-8000-100000000001"), Source, Payers.Grant, second.Id, Funder,
                AllocationRules.Share, 10_000, Now.AddDays(1)),
        ]);
        ledger.GrantEvents[first.Id].ShouldBe([new GrantRefunded(first.Id, allocation, Source, Organisation, line.Month, 10_000, Now.AddDays(1))]);
        ledger.GrantEvents[second.Id].ShouldBe([new GrantCharged(second.Id, Guid.Parse("0195a0b0-0000-7000-8000-100000000001"), Source, Organisation,
            line.Month, 10_000, Now.AddDays(1))]);
    }

    [Fact]
    public void A_re_allocation_to_a_grant_that_does_not_cover_the_cost_is_refused()
    {
        var elsewhere = Grant.Evolve(Grant.Initial, new GrantAwarded(GrantId, Funder, "Anderes Haus", "REF", 1_000_000, new DateOnly(2027, 1, 1),
            new DateOnly(2031, 12, 31), CoverageOf("another house"), 10_000, 1, null, Now));
        var cost = Allmende.Funding.Allocation.Cost.Evolve(Allmende.Funding.Allocation.Cost.Initial, new CostLineRecorded(Source, Cost("share payment"), Now));

        Should.Throw<DomainException>(() => new Ledger([elsewhere], [], Guid.NewGuid)
            .Reallocate(cost, new OrganisationFacts("public-body", true), "Umbuchung", GrantId, Now)).Rule.ShouldBe("not-covered");
    }

    [Fact]
    public void A_usage_fee_is_charged_pro_rata_by_the_days_the_agreement_runs_with_the_terms_of_that_month()
    {
        var id = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a9");
        var agreement = new object[]
        {
            new UsageAgreementMade(id, Organisation, House, "Engagement-Etage", [RoomA, RoomB], new DateOnly(2027, 3, 10), null, 600_000, Now),
            new UsageAgreementAmended(id, new DateOnly(2027, 5, 1), 620_000, [RoomA], "Index", Now),
            new UsageAgreementEnded(id, new DateOnly(2027, 6, 15), null, "Umzug", Now),
        }.Aggregate(UsageAgreement.Initial, UsageAgreement.Evolve);

        agreement.LineFor(new DateOnly(2027, 2, 1)).ShouldBeNull();
        agreement.LineFor(new DateOnly(2027, 3, 1)).ShouldBe(new CostLine(CostTypes.UsageFees, SourceKinds.UsageAgreement, id, Organisation, House, null, null,
            null, null, new DateOnly(2027, 3, 1), 0, 0, 22, 600_000, 425_806, [RoomA, RoomB])); // 600000 × 22 / 31 = 425806.45
        agreement.LineFor(new DateOnly(2027, 4, 1))!.CostCents.ShouldBe(600_000);
        agreement.LineFor(new DateOnly(2027, 5, 1)).ShouldBe(new CostLine(CostTypes.UsageFees, SourceKinds.UsageAgreement, id, Organisation, House, null, null,
            null, null, new DateOnly(2027, 5, 1), 0, 0, 31, 620_000, 620_000, [RoomA]));
        agreement.LineFor(new DateOnly(2027, 6, 1))!.CostCents.ShouldBe(310_000); // 15 of 30 days
        agreement.LineFor(new DateOnly(2027, 7, 1)).ShouldBeNull();
    }

    [Fact]
    public void A_usage_agreement_never_changes_a_month_that_has_ended()
    {
        var id = Guid.Parse("0195a0b0-0000-7000-8000-0000000000a9");
        var agreement = UsageAgreement.Evolve(UsageAgreement.Initial,
            new UsageAgreementMade(id, Organisation, House, "Engagement-Etage", [RoomA], new DateOnly(2027, 1, 1), null, 600_000, Now));
        var inJune = new DateTimeOffset(2027, 6, 10, 10, 0, 0, TimeSpan.Zero);

        Should.Throw<DomainException>(() => UsageAgreementDecisions.Amend(agreement, new DateOnly(2027, 5, 1), 1, null, "zu spät", inJune))
            .Rule.ShouldBe(UsageAgreementDecisions.MonthCharged);
        Should.Throw<DomainException>(() => UsageAgreementDecisions.End(agreement, new DateOnly(2027, 5, 30), "zu spät", inJune))
            .Rule.ShouldBe(UsageAgreementDecisions.MonthCharged);
        ShouldBeEvents(UsageAgreementDecisions.End(agreement, new DateOnly(2027, 5, 31), "Ende Mai", inJune),
            [new UsageAgreementEnded(id, new DateOnly(2027, 5, 31), null, "Ende Mai", inJune)]);
        ShouldBeEvents(UsageAgreementDecisions.Amend(agreement, new DateOnly(2027, 6, 1), 650_000, null, "Index", inJune),
            [new UsageAgreementAmended(id, new DateOnly(2027, 6, 1), 650_000, [RoomA], "Index", inJune)]);
    }

    // Whole events compared as their stored JSON (lists inside records compare by reference otherwise).
    private static void ShouldBeEvents(IEnumerable<object> actual, object[] expected) => actual.Select(Json).ShouldBe(expected.Select(Json));

    private static string Json(object e) => e.GetType().Name + System.Text.Json.JsonSerializer.Serialize(e, e.GetType(), Allmende.Eventing.Storage.EventingJson.Options);

    private static Grant Awarded(Guid id, int priority) => Grant.Evolve(Grant.Initial, new GrantAwarded(id, Funder, $"Grant {priority}", "REF", 1_000_000,
        new DateOnly(2027, 1, 1), new DateOnly(2031, 12, 31), CoverageOf("the house"), 10_000, priority, null, Now));
}
