namespace Allmende.Eventing.Health;

/// <summary>
/// Remembers, in memory, since when Marten's high-water mark has stayed below the log's head: not
/// merely behind a moment (under load it always is), but not yet past the head seen when the wait began.
/// </summary>
internal sealed class HighWaterWatch
{
    private readonly Lock _gate = new();
    private (DateTimeOffset Since, long Head)? _below;

    /// <returns>How long the mark has stayed below, or null when it is at the head.</returns>
    public TimeSpan? Observe(long mark, long head, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (mark >= head)
                _below = null;
            else if (_below is not { } below || mark >= below.Head)
                _below = (now, head);
            return _below is { } b ? now - b.Since : null;
        }
    }
}
