namespace Allmende.Eventing.Projections;

/// <summary>
/// Decides which events an async projection may take now, without ever skipping one that may still
/// commit and without waiting on a number a rolled-back transaction burned. No clocks, no timeouts.
///
/// Sequence numbers are drawn in order but committed in any order, so the visible log can have a
/// hole at g: either g's transaction is still running (its event will appear) or it rolled back (g
/// is burned). Every appending transaction takes its xid before it draws a sequence number
/// (UnitOfWork writes the stream row first), and xids are handed out in increasing order. So when a
/// read shows an event above g, g's transaction already had an xid, lower than any xid handed out
/// after that read: the daemon takes one (pg_current_xact_id()) as the hole's bound. Once a later
/// snapshot's xmin reaches the bound, every transaction below it has ended, and if g is still not
/// visible then, it never will be. (A snapshot's xmax will not do as the bound: it is one past the
/// latest completed xid, and a running transaction with a higher xid is neither below it nor in
/// the snapshot's list of running ones.) See docs/adr/0005-exact-gap-rule-for-async-projections.md.
/// </summary>
public static class GapRule
{
    public readonly record struct Horizon(long MaxSequence, long Bound);

    /// <param name="Take">How many of the visible events (from the front) to apply now.</param>
    /// <param name="NewPosition">The checkpoint after them (past burned numbers that were skipped).</param>
    /// <param name="Horizon">What to remember for the next round.</param>
    /// <param name="WaitingOnGap">True when a hole that may still fill stopped the batch.</param>
    public readonly record struct Decision(int Take, long NewPosition, Horizon? Horizon, bool WaitingOnGap);

    /// <param name="position">The checkpoint: the last sequence applied (or skipped as burned).</param>
    /// <param name="visible">Sequences above the checkpoint visible in the snapshot, ascending.</param>
    /// <param name="xmin">pg_snapshot_xmin of that snapshot.</param>
    /// <param name="bound">An xid handed out after the read (only needed when the read shows a hole).</param>
    /// <param name="horizon">The horizon remembered from an earlier round, if any.</param>
    public static Decision Decide(long position, IReadOnlyList<long> visible, long xmin, long bound, Horizon? horizon)
    {
        if (visible.Count == 0)
            return new Decision(0, position, horizon, false);

        // Holes below this are final. The current read counts too: if its bound is no higher than its
        // xmin, no xid was handed out after the snapshot and none before it is still running.
        var current = new Horizon(visible[^1], bound);
        long finalBelow = 0;
        foreach (var candidate in new[] { horizon, current })
        {
            if (candidate is { } c && xmin >= c.Bound)
                finalBelow = Math.Max(finalBelow, c.MaxSequence);
        }

        var expected = position + 1;
        var take = 0;
        var waiting = false;
        foreach (var seq in visible)
        {
            if (seq > expected)
            {
                if (seq - 1 < finalBelow)
                {
                    expected = seq; // every number in the hole is burned
                }
                else
                {
                    waiting = true;
                    break;
                }
            }
            take++;
            expected = seq + 1;
        }

        var newPosition = expected - 1;
        Horizon? next = waiting
            ? horizon is { } h && xmin < h.Bound ? h : current // keep waiting on the older one; else start a new one
            : null;
        return new Decision(take, newPosition, next, waiting);
    }
}
