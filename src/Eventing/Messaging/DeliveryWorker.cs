using System.Reflection;
using Allmende.Eventing.Notifications;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// Delivers outbox messages to their handlers, one delivery per (message, handler). A delivery is
/// claimed with FOR UPDATE SKIP LOCKED and handled inside that same transaction: several loops and
/// several hosts share the work without overlap, the handler's effects commit together with the
/// delivery's "done", and a host that dies mid-delivery just releases the row for someone else.
/// A failure rolls back to a savepoint and records the attempt; the row stays locked until then, so
/// no other host can retry early.
/// </summary>
public sealed class DeliveryWorker(
    NpgsqlDataSource dataSource,
    MessageRouting routing,
    TypeRegistry types,
    EventStore store,
    NotificationListener notifications,
    CommitSignals signals,
    IServiceScopeFactory scopes,
    IOptions<EventingOptions> options,
    EventingMetrics metrics,
    TimeProvider time,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    private readonly Random _jitter = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.RunDelivery
            ? Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.DeliveryConcurrency)).Select(_ => Task.Run(() => LoopAsync(stoppingToken), stoppingToken)))
            : Task.CompletedTask;

    private async Task LoopAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var seen = notifications.Outbox.Version;
                if (await DeliverOneAsync(ct))
                    continue;
                var wait = await UntilNextDueAsync(ct);
                await notifications.Outbox.WaitAsync(seen, wait, ct);
                backoff = TimeSpan.FromMilliseconds(100);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(e, "Delivery loop lost its connection; retrying in {Backoff}", backoff);
                await Task.Delay(backoff, time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task<TimeSpan> UntilNextDueAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("select min(due_at) from eventing.deliveries where status = 'pending'");
        var next = await command.ExecuteScalarAsync(ct) as DateTime?;
        var poll = options.Value.PollInterval;
        if (next is null)
            return poll;
        var until = new DateTimeOffset(DateTime.SpecifyKind(next.Value, DateTimeKind.Utc)) - time.GetUtcNow();
        return until <= TimeSpan.Zero ? TimeSpan.FromMilliseconds(1) : until < poll ? until : poll;
    }

    /// <returns>True if a delivery was attempted (there may be more right away).</returns>
    internal async Task<bool> DeliverOneAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        Claimed? claimed;
        await using (var claim = new NpgsqlCommand("""
            select d.id, d.handler, d.attempts, o.message_id, o.message_type, o.body::text, o.actor, o.correlation_id, o.causation_id
            from eventing.deliveries d join eventing.outbox o using (message_id)
            where d.status = 'pending' and d.due_at <= $1
            order by d.due_at, d.id
            for update of d skip locked
            limit 1
            """, connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            await using var reader = await claim.ExecuteReaderAsync(ct);
            claimed = await reader.ReadAsync(ct)
                ? new Claimed(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetGuid(3), reader.GetString(4), reader.GetString(5),
                    EventStore.ReadMetadata(reader, 6))
                : null;
        }
        if (claimed is null)
        {
            await transaction.CommitAsync(ct);
            return false;
        }

        var handler = routing.Find(claimed.Handler);
        var attempt = claimed.Attempts + 1;
        var retry = handler?.Retry ?? RetryPolicy.Default;
        await transaction.SaveAsync("handler", ct);
        UnitOfWork? work = null;
        // The handler runs inside the claiming transaction: past the time limit it is cancelled while
        // that transaction is still ours, so the attempt is recorded like any failure (the server would
        // otherwise end the idle transaction, releasing the row without counting the attempt).
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.Value.HandlerTimeout);
        try
        {
            if (handler is null)
                throw new InvalidOperationException($"No handler named '{claimed.Handler}' exists in this host.");
            work = await InvokeAsync(handler, claimed, attempt, connection, transaction, limit.Token);
            await UpdateAsync(connection, transaction, claimed.Id, "done", attempt, null, null, ct);
            await transaction.CommitAsync(ct);
            await work!.FlushAsync(); // what the handler sent on Wolverine, to this host's queues
            metrics.Delivered(claimed.Handler);
            signals.Committed(work!.HasEvents, work.FirstDeliveryDue);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && connection.State == System.Data.ConnectionState.Open)
        {
            await transaction.RollbackAsync("handler", ct);
            var error = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            if (limit.IsCancellationRequested)
                error = new TimeoutException($"The handler did not finish within Eventing:HandlerTimeout ({options.Value.HandlerTimeout}).", error);
            var (status, due) = NextStep(retry, attempt);
            await UpdateAsync(connection, transaction, claimed.Id, status, attempt, error.ToString(), due, ct);
            await transaction.CommitAsync(ct);
            var dead = status == "dead";
            if (dead)
            {
                metrics.DeadLettered(claimed.Handler);
                logger.LogError(error, "Delivery {Delivery} of {MessageType} to {Handler} failed {Attempts} times: dead letter",
                    claimed.Id, claimed.MessageType, claimed.Handler, attempt);
            }
            else if (error is ConcurrencyException conflict)
            {
                // Expected where deliveries write the same stream at once (seeding, bursts): the retry
                // reads afresh and succeeds. Worth a line, not a stack trace; the row keeps the error.
                metrics.Retried(claimed.Handler);
                logger.LogInformation("Delivery {Delivery} of {MessageType} to {Handler} met a concurrent write to {Stream} (attempt {Attempt}); retry at {Due}",
                    claimed.Id, claimed.MessageType, claimed.Handler, conflict.StreamId, attempt, due);
            }
            else
            {
                metrics.Retried(claimed.Handler);
                logger.LogWarning(error, "Delivery {Delivery} of {MessageType} to {Handler} failed (attempt {Attempt}); retry at {Due}",
                    claimed.Id, claimed.MessageType, claimed.Handler, attempt, due);
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is NpgsqlException or IOException or TimeoutException)
        {
            // The connection itself broke (e.g. the server ended a handler that ignored its token): the
            // row's lock went with it, uncounted. Count the attempt on a fresh connection so that a
            // handler that always does this ends as a dead letter instead of retrying for ever.
            await RecordBrokenAttemptAsync(claimed, attempt, retry, e, ct);
            throw;
        }
        return true;
    }

    private (string Status, DateTimeOffset? Due) NextStep(RetryPolicy retry, int attempt) =>
        attempt >= retry.MaxAttempts ? ("dead", null) : ("pending", time.GetUtcNow() + retry.DelayAfter(attempt, _jitter));

    private async Task RecordBrokenAttemptAsync(Claimed claimed, int attempt, RetryPolicy retry, Exception error, CancellationToken ct)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var (status, due) = NextStep(retry, attempt);
            await using var command = new NpgsqlCommand("""
                update eventing.deliveries
                set status = $2, attempts = $3, last_error = $4, due_at = coalesce($5, due_at),
                    finished_at = case when $2 = 'pending' then null else now() end
                where id = $1 and status = 'pending' and attempts = $3 - 1
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = claimed.Id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempt });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"The connection broke during the delivery: {error}" });
            command.Parameters.Add(SqlParameters.OrNull(due, NpgsqlTypes.NpgsqlDbType.TimestampTz));
            if (await command.ExecuteNonQueryAsync(ct) == 1 && status == "dead")
                metrics.DeadLettered(claimed.Handler);
        }
        catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException)
        {
            logger.LogWarning(e, "Could not record the broken attempt of delivery {Delivery}", claimed.Id);
        }
    }

    private Task<UnitOfWork> InvokeAsync(HandlerDescriptor handler, Claimed claimed, int attempt, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        HandlerInvocation.InvokeAsync(handler, types.Deserialize(claimed.MessageType, claimed.Body), claimed.MessageId, claimed.MessageType,
            claimed.Metadata, attempt, store, scopes, connection, transaction, ct);

    private static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long id, string status, int attempts,
        string? error, DateTimeOffset? due, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            update eventing.deliveries
            set status = $2, attempts = $3, last_error = coalesce($4, last_error), due_at = coalesce($5, due_at),
                finished_at = case when $2 = 'pending' then null else now() end
            where id = $1
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = attempts });
        command.Parameters.Add(SqlParameters.OrNull(error, NpgsqlTypes.NpgsqlDbType.Text));
        command.Parameters.Add(SqlParameters.OrNull(due, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed record Claimed(long Id, string Handler, int Attempts, Guid MessageId, string MessageType, string Body, EventMetadata Metadata);
}
