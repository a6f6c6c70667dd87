using Allmende.Eventing.Projections;
using static Allmende.Eventing.Projections.GapRule;

namespace Allmende.Tests.Eventing;

public sealed class GapRuleTests
{
    [Fact]
    public void Contiguous_events_are_all_taken()
    {
        Decide(10, [11, 12, 13], xmin: 500, bound: 510, horizon: null)
            .ShouldBe(new Decision(3, 13, null, false));
    }

    [Fact]
    public void A_hole_while_transactions_run_stops_the_batch_before_it_and_remembers_a_horizon()
    {
        Decide(10, [11, 13, 14], xmin: 500, bound: 510, horizon: null)
            .ShouldBe(new Decision(1, 11, new Horizon(14, 510), true));
    }

    [Fact]
    public void The_hole_stays_closed_while_a_transaction_from_the_horizon_snapshot_may_still_run()
    {
        Decide(11, [13, 14, 15], xmin: 505, bound: 520, horizon: new Horizon(14, 510))
            .ShouldBe(new Decision(0, 11, new Horizon(14, 510), true));
    }

    [Fact]
    public void Once_every_transaction_of_the_horizon_snapshot_ended_the_hole_is_burned_and_skipped()
    {
        Decide(11, [13, 14, 15], xmin: 510, bound: 520, horizon: new Horizon(14, 510))
            .ShouldBe(new Decision(3, 15, null, false));
    }

    [Fact]
    public void A_hole_that_filled_meanwhile_is_simply_taken()
    {
        Decide(11, [12, 13, 14], xmin: 505, bound: 520, horizon: new Horizon(14, 510))
            .ShouldBe(new Decision(3, 14, null, false));
    }

    [Fact]
    public void A_hole_above_the_old_horizon_needs_a_horizon_of_its_own()
    {
        // 12 is final (below 14 of the resolved horizon); 16 was not visible then and may still commit.
        Decide(11, [13, 14, 15, 17], xmin: 512, bound: 530, horizon: new Horizon(14, 510))
            .ShouldBe(new Decision(3, 15, new Horizon(17, 530), true));
    }

    [Fact]
    public void When_no_xid_was_handed_out_after_the_snapshot_and_none_runs_the_current_read_settles_every_hole()
    {
        Decide(0, [2, 3, 7], xmin: 600, bound: 600, horizon: null)
            .ShouldBe(new Decision(3, 7, null, false));
    }

    [Fact]
    public void Nothing_visible_changes_nothing()
    {
        Decide(42, [], xmin: 1, bound: 2, horizon: new Horizon(50, 2))
            .ShouldBe(new Decision(0, 42, new Horizon(50, 2), false));
    }
}
