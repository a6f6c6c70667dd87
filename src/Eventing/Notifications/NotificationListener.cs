using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Notifications;

/// <summary>
/// Holds one connection that LISTENs for commits, so that Marten's high-water agent looks within
/// milliseconds instead of at its next poll (<see cref="DaemonWakeup"/>). Notifications only wake workers up; correctness never
/// depends on them (a lost one costs at most a poll interval).
/// </summary>
public sealed class NotificationListener(SessionDataSource sessions, IOptions<EventingOptions> options, ILogger<NotificationListener> logger) : BackgroundService
{
    public Pulse Events { get; } = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.RunProjections)
            return;
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await sessions.Inner.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == Channels.Events)
                        Events.Set();
                };
                await using (var listen = new NpgsqlCommand($"listen {Channels.Events}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                // Whatever was committed while we were not listening: look now.
                Events.Set();
                backoff = TimeSpan.FromMilliseconds(200);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Lost the notification connection; polling until it is back");
                Events.Set();
                await Task.Delay(backoff, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}
