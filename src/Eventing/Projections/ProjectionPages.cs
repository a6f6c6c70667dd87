using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// Applies an async projection's events up to a ceiling below which the log is final, in a transaction
/// the caller commits: Marten's (a subscription page, <see cref="ProjectionSubscription"/>) or a short
/// one of ours (a catch-up after a rebuild or a start, <see cref="ProjectionCatchUp"/>). The
/// projection's checkpoint row is taken <c>for update</c> first, so the two never apply the same
/// events: whichever comes second starts from the position the first left. Reads its rows from
/// <c>mt_events</c> with SQL (every type and as stored text for a whole-log projection; only its types,
/// deserialized, for a typed one): Marten's own page is never used, so nothing of the log passes
/// through Marten's deserializer.
/// </summary>
public sealed class ProjectionPages(TypeRegistry types, IOptions<EventingOptions> options, EventingMetrics metrics, ILogger<ProjectionPages> logger)
{
    /// <summary>Where a projection stands after a call.</summary>
    public readonly record struct Outcome(long Position, string Status);

    /// <param name="ceiling">Every sequence up to it is final (Marten's high-water mark, or a subscription's committed progress).</param>
    /// <param name="oneChunk">Apply at most one batch (<see cref="EventingOptions.ProjectionBatchSize"/>): a catch-up in short transactions.</param>
    public async Task<Outcome> ApplyUpToAsync(IProjection projection, long ceiling, NpgsqlConnection connection, NpgsqlTransaction transaction,
        bool oneChunk, CancellationToken ct)
    {
        await using (var insert = new NpgsqlCommand(
            "insert into eventing.projection_checkpoints (projection) values ($1) on conflict (projection) do nothing", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            await insert.ExecuteNonQueryAsync(ct);
        }
        long position;
        string status;
        await using (var check = new NpgsqlCommand(
            "select position, status from eventing.projection_checkpoints where projection = $1 for update", connection, transaction))
        {
            check.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            await using var reader = await check.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            (position, status) = (reader.GetInt64(0), reader.GetString(1));
        }
        // Stopped on a poison event: the position stays just before it (Marten's progress moves on;
        // a rebuild or a restart resumes from ours).
        if (status == "stopped" || position >= ceiling)
            return new Outcome(position, status);

        var wholeLog = projection is IWholeLogProjection;
        var typeNames = wholeLog ? [] : projection.EventTypes.Select(types.NameOf).ToArray();
        var batchSize = Math.Max(1, options.Value.ProjectionBatchSize);
        while (position < ceiling)
        {
            var rows = await ReadAsync(connection, transaction, position, ceiling, batchSize, wholeLog, typeNames, ct);
            // A full batch ends at its last row; a short one has read everything up to the ceiling.
            var to = rows.Count == batchSize ? rows[^1].Sequence : ceiling;
            // A stored body this host cannot read as its type is a poison event like any other: the ones
            // before it are applied, and the projection stops on it. A throw here would roll back Marten's
            // page and have it retried for ever.
            var (events, unreadable) = ToEvents(rows, wholeLog);
            if (events.Count > 0)
            {
                await transaction.SaveAsync("page", ct);
                try
                {
                    await projection.ApplyAsync(events, new ProjectionContext(connection, transaction), ct);
                    await transaction.ReleaseAsync("page", ct);
                }
                catch (Exception e) when (IsPoison(e))
                {
                    await transaction.RollbackAsync("page", ct);
                    return await FindPoisonAsync(projection, events, connection, transaction, ct);
                }
                metrics.EventsProjected(projection.Name, events.Count);
            }
            if (unreadable is { } poison)
                return await StopAsync(projection, poison.Failure, poison.Row.Sequence, poison.Row.EventType, connection, transaction, ct);
            position = to;
            if (oneChunk)
                break;
        }

        await using (var advance = new NpgsqlCommand("""
            update eventing.projection_checkpoints
            set position = $2, updated_at = now(),
                status = case when status = 'rebuilding' and $2 >= coalesce(rebuild_to, 0) then 'running' else status end
            where projection = $1
            returning status
            """, connection, transaction))
        {
            advance.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
            status = (string)(await advance.ExecuteScalarAsync(ct))!;
        }
        return new Outcome(position, status);
    }

    /// <summary>
    /// A batch failed: apply its events one at a time, each under its own savepoint, so the ones before
    /// the poison stay applied, and record the poison. Never throws for it: a throw would roll back the
    /// record, and Marten would retry the page for ever.
    /// </summary>
    private async Task<Outcome> FindPoisonAsync(IProjection projection, List<StoredEvent> events, NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await transaction.SaveAsync("event", ct);
            try
            {
                await projection.ApplyAsync([e], new ProjectionContext(connection, transaction), ct);
                await transaction.ReleaseAsync("event", ct);
                metrics.EventsProjected(projection.Name, 1);
            }
            catch (Exception failure) when (IsPoison(failure))
            {
                await transaction.RollbackAsync("event", ct);
                return await StopAsync(projection, failure, e.Sequence, e.EventType, connection, transaction, ct);
            }
        }
        // The batch failed but no single event does (a failure that depends on the batch as a whole):
        // the same batch would fail again, so stop on its first event rather than loop.
        throw new InvalidOperationException($"Projection {projection.Name} failed on a batch from event {events[0].Sequence} whose events each apply alone.");
    }

    /// <summary>Records the projection as stopped on a poison event, its position just before it. Never throws for it.</summary>
    private async Task<Outcome> StopAsync(IProjection projection, Exception failure, long sequence, string eventType, NpgsqlConnection connection,
        NpgsqlTransaction transaction, CancellationToken ct)
    {
        logger.LogError(failure, "Projection {Projection} stopped at event {Sequence} ({EventType})", projection.Name, sequence, eventType);
        await using var stop = new NpgsqlCommand("""
            update eventing.projection_checkpoints
            set status = 'stopped', position = $5, error = $2, error_seq = $3, error_event_type = $4, updated_at = now()
            where projection = $1
            """, connection, transaction);
        stop.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
        stop.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"{failure.GetType().Name}: {failure.Message}" });
        stop.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        stop.Parameters.Add(new NpgsqlParameter<string> { TypedValue = eventType });
        stop.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence - 1 });
        await stop.ExecuteNonQueryAsync(ct);
        return new Outcome(sequence - 1, "stopped");
    }

    /// <summary>
    /// The rows as events, up to the first whose body cannot be read as its type (returned beside them):
    /// a typed projection's events are deserialized, a whole-log projection's stay the stored text.
    /// </summary>
    private (List<StoredEvent> Events, (Row Row, Exception Failure)? Unreadable) ToEvents(List<Row> rows, bool wholeLog)
    {
        var events = new List<StoredEvent>(rows.Count);
        foreach (var r in rows)
        {
            object data;
            try
            {
                data = wholeLog ? r.Json : types.Deserialize(r.EventType, r.Json);
            }
            catch (Exception e) when (IsPoison(e))
            {
                return (events, (r, e));
            }
            events.Add(new StoredEvent(r.Sequence, r.EventId, r.StreamId, r.StreamVersion, r.EventType, data, r.RecordedAt, r.Metadata));
        }
        return (events, null);
    }

    /// <summary>
    /// A failure that will repeat on every try (the projection's own bug, or data it cannot read) as
    /// opposed to a lost connection or a restarting database, which Marten retries with the page.
    /// </summary>
    private static bool IsPoison(Exception e) => e switch
    {
        OperationCanceledException => false,
        PostgresException pg => !pg.IsTransient,
        NpgsqlException => false,
        IOException or TimeoutException => false,
        _ => true,
    };

    private sealed record Row(long Sequence, Guid EventId, string StreamId, long StreamVersion, string EventType, string Json,
        DateTimeOffset RecordedAt, EventMetadata Metadata);

    private static async Task<List<Row>> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long after, long ceiling, int limit,
        bool wholeLog, string[] typeNames, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select seq_id, id, stream_id, version, type, data::text, timestamp, user_name, correlation_id, causation_id
            from marten.mt_events
            where seq_id > $1 and seq_id <= $2 and ($4 or type = any($3))
            order by seq_id limit $5
            """, connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<long> { TypedValue = after },
                new NpgsqlParameter<long> { TypedValue = ceiling },
                new NpgsqlParameter<string[]> { TypedValue = typeNames },
                new NpgsqlParameter<bool> { TypedValue = wholeLog },
                new NpgsqlParameter<int> { TypedValue = limit },
            },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<Row>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new Row(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), EventStore.ReadMetadata(reader, 7)));
        }
        return rows;
    }
}
