using Allmende.Eventing.Notifications;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>What a runner last saw, for the health check.</summary>
public sealed class ProjectionRuntime
{
    public bool Owned { get; internal set; }
    public DateTimeOffset? WaitingOnGapSince { get; internal set; }

    /// <summary>Events between the checkpoint and the newest event seen at the last read.</summary>
    public long Lag { get; internal set; }
}

/// <summary>
/// Runs one async projection while this host holds its advisory lock: reads the log past the
/// checkpoint, lets <see cref="GapRule"/> decide what is final, applies that and moves the
/// checkpoint in one transaction. The lock lives on the connection that does the work, so a host
/// that dies or loses its connection loses the projection with it, and another host takes over.
/// </summary>
internal sealed class ProjectionRunner(
    IProjection projection,
    NpgsqlDataSource dataSource,
    TypeRegistry types,
    Pulse wakeup,
    EventingOptions options,
    EventingMetrics metrics,
    TimeProvider time,
    ILogger logger)
{
    private readonly string[] _typeNames = projection.EventTypes.Select(types.NameOf).ToArray();
    private readonly bool _wholeLog = projection is IWholeLogProjection;

    public ProjectionRuntime Runtime { get; } = new();

    public IProjection Projection => projection;

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(ct);
                if (!await TryLockAsync(connection, ct))
                {
                    Runtime.Owned = false;
                    await connection.CloseAsync();
                    await Task.Delay(options.TakeoverInterval, time, ct);
                    continue;
                }
                Runtime.Owned = true;
                logger.LogInformation("Projection {Projection} runs on this host", projection.Name);
                backoff = TimeSpan.FromMilliseconds(100);
                await RunOwnedAsync(connection, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                // Connection lost or the database restarted: the lock went with the connection.
                Runtime.Owned = false;
                logger.LogWarning(e, "Projection {Projection} lost its connection; retrying in {Backoff}", projection.Name, backoff);
                await Task.Delay(backoff, time, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        Runtime.Owned = false;
    }

    private async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_try_advisory_lock(hashtextextended('allmende.projection:' || $1, 0))", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task RunOwnedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        // A fresh owner retries a projection an earlier run stopped on a poison event: after a fix
        // and a restart it resumes by itself.
        await ExecuteAsync(connection, """
            insert into eventing.projection_checkpoints (projection) values ($1) on conflict (projection) do nothing
            """, ct, projection.Name);
        await ExecuteAsync(connection, """
            update eventing.projection_checkpoints set status = 'running', error = null, error_seq = null, error_event_type = null, updated_at = now()
            where projection = $1 and status = 'stopped'
            """, ct, projection.Name);

        var (position, status) = await ReadCheckpointAsync(connection, ct);
        GapRule.Horizon? horizon = null;
        var batchSize = options.ProjectionBatchSize;
        long searchPoisonUntil = 0; // while below this, apply one event at a time to find the failing one
        var gapDelay = TimeSpan.FromMilliseconds(10);

        while (!ct.IsCancellationRequested)
        {
            var seen = wakeup.Version;
            if (status == "stopped")
            {
                // Read again after taking the wakeup version: a rebuild that lands between the stop and
                // here has already signalled, and must not wait out a poll interval.
                (position, status) = await ReadCheckpointAsync(connection, ct);
                if (status == "stopped")
                    await wakeup.WaitAsync(seen, options.PollInterval, ct);
                continue;
            }

            var (rows, xmin, bound) = await ReadAsync(connection, position, batchSize, ct);
            var decision = GapRule.Decide(position, rows.Select(r => r.Sequence).ToList(), xmin, bound, horizon);
            horizon = decision.Horizon;
            Runtime.Lag = rows.Count == 0 ? 0 : rows[^1].Sequence - decision.NewPosition;
            Runtime.WaitingOnGapSince = decision.WaitingOnGap ? Runtime.WaitingOnGapSince ?? time.GetUtcNow() : null;

            if (decision.NewPosition > position)
            {
                var batch = rows.Take(decision.Take).ToList();
                var outcome = await ApplyAsync(connection, position, decision.NewPosition, batch, ct);
                switch (outcome)
                {
                    case Outcome.Applied:
                        metrics.EventsProjected(projection.Name, batch.Count);
                        position = decision.NewPosition;
                        if (batchSize == 1 && position >= searchPoisonUntil)
                            batchSize = options.ProjectionBatchSize; // past the failed batch: back to full batches
                        break;
                    case Outcome.Poisoned when batchSize > 1:
                        batchSize = 1; // find the one event that fails, applying the ones before it
                        searchPoisonUntil = decision.NewPosition;
                        continue;
                    case Outcome.Poisoned:
                        status = "stopped";
                        // The search is over. Whatever resumes it (a rebuild from the first event, a
                        // restart after a fix) goes in full batches: one transaction per event back up
                        // to here would take minutes on a long log.
                        batchSize = options.ProjectionBatchSize;
                        searchPoisonUntil = 0;
                        break;
                    case Outcome.Moved:
                        (position, status) = await ReadCheckpointAsync(connection, ct);
                        horizon = null;
                        batchSize = options.ProjectionBatchSize;
                        searchPoisonUntil = 0;
                        break;
                }
                if (rows.Count == batchSize && !decision.WaitingOnGap)
                    continue; // more to read right away
            }

            if (decision.WaitingOnGap)
            {
                // A hole that may still fill: look again soon, backing off while it stays open.
                await Task.Delay(gapDelay, time, ct);
                gapDelay = TimeSpan.FromTicks(Math.Min(gapDelay.Ticks * 2, options.PollInterval.Ticks));
            }
            else
            {
                gapDelay = TimeSpan.FromMilliseconds(10);
                await wakeup.WaitAsync(seen, options.PollInterval, ct);
                (position, status) = await ReadCheckpointAsync(connection, ct);
            }
        }
    }

    private enum Outcome { Applied, Poisoned, Moved }

    private async Task<Outcome> ApplyAsync(NpgsqlConnection connection, long from, long to, List<Row> batch, CancellationToken ct)
    {
        await using var transaction = await connection.BeginTransactionAsync(ct);
        try
        {
            // Fencing: the row lock serializes with a rebuild, and a checkpoint that moved means
            // someone else (a rebuild, or another host after a lost lock) owns the truth now.
            await using (var check = new NpgsqlCommand(
                "select position, status from eventing.projection_checkpoints where projection = $1 for update", connection, transaction))
            {
                check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
                await using var reader = await check.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                if (reader.GetInt64(0) != from || reader.GetString(1) == "stopped")
                    return Outcome.Moved;
            }

            var events = new List<StoredEvent>(batch.Count);
            foreach (var row in batch.Where(r => r.Json is not null))
            {
                events.Add(new StoredEvent(row.Sequence, row.EventId, row.StreamId, row.StreamVersion, row.EventType,
                    _wholeLog ? row.Json! : types.Deserialize(row.EventType, row.Json!), row.RecordedAt, row.Metadata));
            }
            if (events.Count > 0)
                await projection.ApplyAsync(events, new ProjectionContext(connection, transaction), ct);

            await using (var advance = new NpgsqlCommand("""
                update eventing.projection_checkpoints
                set position = $2, updated_at = now(),
                    status = case when status = 'rebuilding' and $2 >= coalesce(rebuild_to, 0) then 'running' else status end
                where projection = $1
                """, connection, transaction))
            {
                advance.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
                advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = to });
                await advance.ExecuteNonQueryAsync(ct);
            }
            await transaction.CommitAsync(ct);
            return Outcome.Applied;
        }
        catch (Exception e) when (IsPoison(e))
        {
            await transaction.RollbackAsync(ct);
            if (batch.Count > 1)
                return Outcome.Poisoned;
            var row = batch[0];
            logger.LogError(e, "Projection {Projection} stopped at event {Sequence} ({EventType})", projection.Name, row.Sequence, row.EventType);
            await ExecuteAsync(connection, """
                update eventing.projection_checkpoints
                set status = 'stopped', error = $2, error_seq = $3, error_event_type = $4, updated_at = now()
                where projection = $1
                """, ct, projection.Name, $"{e.GetType().Name}: {e.Message}", row.Sequence, row.EventType);
            return Outcome.Poisoned;
        }
    }

    /// <summary>
    /// A failure that will repeat on every try (the projection's own bug, or data it cannot read) as
    /// opposed to a lost connection or a restarting database, which is retried.
    /// </summary>
    private static bool IsPoison(Exception e) => e switch
    {
        OperationCanceledException => false,
        PostgresException pg => !pg.IsTransient,
        NpgsqlException => false,
        IOException or TimeoutException => false,
        _ => true,
    };

    private sealed record Row(long Sequence, Guid EventId, string StreamId, long StreamVersion, string EventType, string? Json,
        DateTimeOffset RecordedAt, EventMetadata Metadata);

    /// <returns>The rows past the checkpoint, the snapshot's xmin, and (when the rows show a hole) an xid
    /// handed out after the read, else the snapshot's xmax (unused then).</returns>
    private async Task<(List<Row> Rows, long Xmin, long Bound)> ReadAsync(NpgsqlConnection connection, long position, int limit, CancellationToken ct)
    {
        // Repeatable read: xmin and the rows come from one and the same snapshot.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new("select pg_snapshot_xmin(pg_current_snapshot())::text::bigint, pg_snapshot_xmax(pg_current_snapshot())::text::bigint"),
                new("""
                    select seq_id, id, stream_id, version, type,
                           case when $4 or type = any($2) then data::text end,
                           timestamp, user_name, correlation_id, causation_id
                    from marten.mt_events where seq_id > $1 order by seq_id limit $3
                    """)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<long> { TypedValue = position },
                        new NpgsqlParameter<string[]> { TypedValue = _typeNames },
                        new NpgsqlParameter<int> { TypedValue = limit },
                        new NpgsqlParameter<bool> { TypedValue = _wholeLog },
                    },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (xmin, xmax) = (reader.GetInt64(0), reader.GetInt64(1));
        await reader.NextResultAsync(ct);
        var rows = new List<Row>(limit);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6),
                EventStore.ReadMetadata(reader, 7)));
        }
        await reader.DisposeAsync();

        var bound = xmax;
        if (rows.Where((row, i) => row.Sequence != position + 1 + i).Any())
        {
            // A hole: bound it by an xid taken now, above the xid of whoever may still hold it.
            await using var xid = new NpgsqlCommand("select pg_current_xact_id()::text::bigint", connection, transaction);
            bound = (long)(await xid.ExecuteScalarAsync(ct))!;
        }
        await transaction.CommitAsync(ct);
        return (rows, xmin, bound);
    }

    private async Task<(long Position, string Status)> ReadCheckpointAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select position, status from eventing.projection_checkpoints where projection = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetString(1));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        await command.ExecuteNonQueryAsync(ct);
    }
}
