using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// Keeps the outbox small: deliveries that finished (done, cancelled, discarded) longer than
/// <see cref="EventingOptions.DeliveredRetention"/> ago are deleted, and so are messages left without
/// any delivery. The outbox is transport, not record: what happened lives in the event log. Pending
/// (incl. scheduled) and dead deliveries are never touched, so nothing waiting is lost and staff
/// still see every dead letter. Deletes run in small batches, each its own statement, so the work
/// never holds locks for long and several hosts may run it at once without harm.
/// </summary>
public sealed class OutboxRetention(NpgsqlDataSource dataSource, IOptions<EventingOptions> options, TimeProvider time,
    ILogger<OutboxRetention> logger) : BackgroundService
{
    internal const int BatchSize = 5_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.RunDelivery || settings.RetentionInterval <= TimeSpan.Zero)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
            {
                logger.LogWarning(e, "Outbox retention could not run; trying again in {Interval}", settings.RetentionInterval);
            }
            await Task.Delay(settings.RetentionInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Deletes what finished before now − retention; returns the deliveries and messages deleted.</summary>
    public async Task<(long Deliveries, long Messages)> PruneAsync(CancellationToken ct)
    {
        var before = time.GetUtcNow() - options.Value.DeliveredRetention;
        long deliveries = 0, messages = 0, deleted;
        do
        {
            deleted = await DeleteAsync("""
                delete from eventing.deliveries where id in (
                    select id from eventing.deliveries
                    where status in ('done', 'cancelled', 'discarded') and finished_at < $1
                    limit $2)
                """, before, ct);
            deliveries += deleted;
        } while (deleted == BatchSize && !ct.IsCancellationRequested);
        do
        {
            deleted = await DeleteAsync("""
                delete from eventing.outbox where message_id in (
                    select o.message_id from eventing.outbox o
                    where o.created_at < $1
                      and not exists (select 1 from eventing.deliveries d where d.message_id = o.message_id)
                    limit $2)
                """, before, ct);
            messages += deleted;
        } while (deleted == BatchSize && !ct.IsCancellationRequested);
        if (deliveries + messages > 0)
            logger.LogInformation("Outbox retention deleted {Deliveries} finished deliveries and {Messages} messages finished before {Before:O}",
                deliveries, messages, before);
        return (deliveries, messages);
    }

    private async Task<long> DeleteAsync(string sql, DateTimeOffset before, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = before });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = BatchSize });
        return await command.ExecuteNonQueryAsync(ct);
    }
}
