using Allmende.Eventing.Api;
using Allmende.Funding.Grants;
using Allmende.Funding.Recurring;

namespace Allmende.Tests.Funding;

public sealed class GrantDecisionTests
{
    private static readonly Guid Id = Guid.Parse("0195a0b0-0000-7000-8000-00000000e001");
    private static readonly DateTimeOffset Now = new(2027, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private static Grant Awarded() => Grant.Evolve(Grant.Initial, new GrantAwarded(Id, Guid.NewGuid(), "Engagement floor", "SOZ-2027-01", 1_000_000,
        new DateOnly(2027, 1, 1), new DateOnly(2031, 12, 31), new Coverage([], [], [], [], false, [CostTypes.DeskFees]), 10_000, 1, null, Now));

    [Fact]
    public void A_budget_increase_records_the_new_budget_and_rearms_warnings_no_longer_met()
    {
        var grant = new object[]
        {
            new GrantCharged(Id, Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), new DateOnly(2027, 6, 1), 900_000, Now),
            new GrantBudgetThresholdReached(Id, 80, 900_000, 1_000_000, Now),
        }.Aggregate(Awarded(), Grant.Evolve);

        var events = GrantDecisions.IncreaseBudget(grant, 500_000, "second tranche", Now);

        events.ShouldBe([new GrantBudgetIncreased(Id, 500_000, 1_500_000, "second tranche", Now)]);
        events.Aggregate(grant, Grant.Evolve).ThresholdsReached.ShouldBeEmpty();
    }

    [Fact]
    public void An_extension_must_end_later()
    {
        GrantDecisions.Extend(Awarded(), new DateOnly(2032, 6, 30), "programme prolonged", Now)
            .ShouldBe([new GrantExtended(Id, new DateOnly(2032, 6, 30), new DateOnly(2031, 12, 31), "programme prolonged", Now)]);
        Should.Throw<DomainException>(() => GrantDecisions.Extend(Awarded(), new DateOnly(2031, 12, 31), "no", Now)).Rule.ShouldBe("not-an-extension");
    }

    [Fact]
    public void A_closed_grant_takes_no_amendments()
    {
        var closed = Grant.Evolve(Awarded(), new GrantClosed(Id, "done", Now));
        Should.Throw<DomainException>(() => GrantDecisions.Close(closed, "again", Now)).Rule.ShouldBe("grant-closed");
        Should.Throw<DomainException>(() => GrantDecisions.IncreaseBudget(closed, 1, "more", Now)).Rule.ShouldBe("grant-closed");
    }

    [Theory]
    [InlineData(15_000, 31, 31, 15_000)]
    [InlineData(15_000, 15, 30, 7_500)]
    [InlineData(10_000, 1, 3, 3_333)]
    [InlineData(10_000, 2, 3, 6_667)]
    public void A_desk_fee_is_charged_pro_rata_by_days_held_rounded_half_up(long fee, int days, int daysInMonth, long expected) =>
        DeskFeeHandler.ProRata(fee, days, daysInMonth).ShouldBe(expected);
}
