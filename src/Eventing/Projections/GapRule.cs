namespace Allmende.Eventing.Projections;

/// <summary>
/// Decides which events an async projection may take now, without ever skipping one that may still
/// commit and without waiting on a number a rolled-back transaction burned. No clocks, no timeouts.
///
/// Sequence numbers are drawn in order but committed in any order, so the visible log can have a
/// hole at g: either g's transaction is still running (its event will appear) or it rolled back (g
/// is burned). Every transaction takes its xid before it draws a sequence number (UnitOfWork writes
/// the stream row first). So if a snapshot S shows an event above g, g's transaction had an xid below
/// xmax(S); once a later snapshot's xmin reaches xmax(S), that transaction has ended, and if g is
/// still not visible then, it never will be. A horizon remembers (highest visible seq, xmax) of the
/// snapshot that first showed the hole. See docs/adr/0005-exact-gap-rule.md.
/// </summary>
public static class GapRule
{
    public readonly record struct Horizon(long MaxSequence, long Xmax);

    /// <param name="Take">How many of the visible events (from the front) to apply now.</param>
    /// <param name="NewPosition">The checkpoint after them (past burned numbers that were skipped).</param>
    /// <param name="Horizon">What to remember for the next round.</param>
    /// <param name="WaitingOnGap">True when a hole that may still fill stopped the batch.</param>
    public readonly record struct Decision(int Take, long NewPosition, Horizon? Horizon, bool WaitingOnGap);

    /// <param name="position">The checkpoint: the last sequence applied (or skipped as burned).</param>
    /// <param name="visible">Sequences above the checkpoint visible in the snapshot, ascending.</param>
    /// <param name="xmin">pg_snapshot_xmin of that snapshot.</param>
    /// <param name="xmax">pg_snapshot_xmax of that snapshot.</param>
    /// <param name="horizon">The horizon remembered from an earlier round, if any.</param>
    public static Decision Decide(long position, IReadOnlyList<long> visible, long xmin, long xmax, Horizon? horizon)
    {
        if (visible.Count == 0)
            return new Decision(0, position, horizon, false);

        // Holes below this are final. The current snapshot counts too: when nothing with an xid is
        // running (xmin == xmax), every hole below the highest visible event is burned already.
        var current = new Horizon(visible[^1], xmax);
        long finalBelow = 0;
        foreach (var candidate in new[] { horizon, current })
        {
            if (candidate is { } c && xmin >= c.Xmax)
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
            ? horizon is { } h && xmin < h.Xmax ? h : current // keep waiting on the older one; else start a new one
            : null;
        return new Decision(take, newPosition, next, waiting);
    }
}
