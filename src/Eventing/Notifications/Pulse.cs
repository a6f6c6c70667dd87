namespace Allmende.Eventing.Notifications;

/// <summary>
/// A wake-up signal many waiters share. A waiter remembers the version it saw before looking for
/// work; a pulse in between is then not lost, it just ends the next wait at once.
/// </summary>
public sealed class Pulse
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Set()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            _version++;
            fired = _next;
            _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        fired.TrySetResult();
    }

    /// <summary>Waits for a pulse after <paramref name="seenVersion"/>, at most <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(long seenVersion, TimeSpan timeout, CancellationToken ct)
    {
        Task next;
        lock (_gate)
        {
            if (_version != seenVersion)
                return;
            next = _next.Task;
        }
        try
        {
            await next.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            // the polling fallback: look for work anyway
        }
    }
}
