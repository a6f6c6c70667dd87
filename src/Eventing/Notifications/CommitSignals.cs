using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Allmende.Eventing.Notifications;

/// <summary>PostgreSQL notification channels: a wake-up call only, never the carrier of data.</summary>
internal static class Channels
{
    public const string Events = "allmende_events";
}

/// <summary>
/// Tells the async projections that events were committed: Marten's high-water agent (through
/// <see cref="DaemonWakeup"/>) on this host at once, in process; on other hosts by a NOTIFY sent after the
/// commit, coalesced: one NOTIFY for a burst of commits.
/// A NOTIFY inside the committing transaction would serialise every commit of the cluster on
/// PostgreSQL's notification lock (held through the WAL flush), costing most of the append rate
/// under concurrency (see docs/benchmarks.md). Correctness never depends on either signal. Messages
/// need none: Wolverine hands them to this host's queues after the commit (docs/adr/0015).
/// </summary>
public sealed class CommitSignals(NpgsqlDataSource dataSource, NotificationListener listener, ILogger<CommitSignals> logger) : BackgroundService
{
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <param name="events">Whether events were committed (async projections have work).</param>
    public void Committed(bool events)
    {
        if (!events)
            return;
        listener.Events.Set();
        _pending.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await using var command = dataSource.CreateCommand($"select pg_notify('{Channels.Events}', '')");
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
                {
                    logger.LogDebug(e, "Could not notify other hosts; they will poll");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
