using System.Threading.Channels;
using Allmende.Eventing.Messaging;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Notifications;

/// <summary>
/// Tells workers that something was committed. This host's workers are woken at once, in process;
/// other hosts by a NOTIFY sent after the commit, coalesced: one NOTIFY for a burst of commits.
/// A NOTIFY inside the committing transaction would serialise every commit of the cluster on
/// PostgreSQL's notification lock (held through the WAL flush), costing most of the append rate
/// under concurrency (see docs/benchmarks.md). Correctness never depends on either signal.
/// </summary>
public sealed class CommitSignals(NpgsqlDataSource dataSource, NotificationListener listener, IOptions<EventingOptions> options, TimeProvider time,
    ILogger<CommitSignals> logger) : BackgroundService
{
    private readonly Channel<bool> _pending = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private int _events;
    private int _outbox;

    /// <param name="events">Whether events were committed (async projections have work).</param>
    /// <param name="firstDeliveryDue">
    /// When the earliest delivery the commit wrote falls due; null if it wrote none (no message, or only
    /// messages without handlers). Delivery loops are woken only for one due within a poll interval:
    /// a loop never sleeps longer than that and looks at the earliest due delivery when it wakes, so a
    /// later one (a no-show check in a week) is found in time anyway. Waking every loop for it cost a
    /// claim and a min(due_at) query per commit on the booking path (docs/benchmarks.md, Bookings).
    /// </param>
    public void Committed(bool events, DateTimeOffset? firstDeliveryDue)
    {
        var messages = firstDeliveryDue is { } due && due < time.GetUtcNow() + options.Value.PollInterval;
        if (events)
        {
            listener.Events.Set();
            Interlocked.Exchange(ref _events, 1);
        }
        if (messages)
        {
            listener.Outbox.Set();
            Interlocked.Exchange(ref _outbox, 1);
        }
        if (events || messages)
            _pending.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                var channels = new List<string>(2);
                if (Interlocked.Exchange(ref _events, 0) == 1)
                    channels.Add(Channels.Events);
                if (Interlocked.Exchange(ref _outbox, 0) == 1)
                    channels.Add(Channels.Outbox);
                if (channels.Count == 0)
                    continue;
                try
                {
                    await using var command = dataSource.CreateCommand(
                        "select " + string.Join(", ", channels.Select(c => $"pg_notify('{c}', '')")));
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
