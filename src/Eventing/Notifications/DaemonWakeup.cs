using JasperFx.Events.Daemon.HighWater;

namespace Allmende.Eventing.Notifications;

/// <summary>
/// Wakes Marten's high-water agent when events are committed (this host's commits at once, other
/// hosts' by the NOTIFY that <see cref="CommitSignals"/> sends), instead of it waiting out its slow
/// polling interval: an event is projected within milliseconds on an idle host.
/// </summary>
internal sealed class DaemonWakeup(Pulse pulse) : IDaemonWakeup
{
    private long _seen = pulse.Version;

    public async Task WaitAsync(TimeSpan timeout, CancellationToken token)
    {
        // A commit since the last look ends the wait at once; the detection that follows sees it.
        await pulse.WaitAsync(Interlocked.Read(ref _seen), timeout, token);
        Interlocked.Exchange(ref _seen, pulse.Version);
    }

    public void Dispose()
    {
    }
}
