using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Projections;

public sealed record ProjectionStatus(
    string Name,
    string Lifecycle,
    string Status,
    long Position,
    long Head,
    long EventsBehind,
    double SecondsBehind,
    double? RebuildProgress,
    string? Error,
    long? ErrorSequence,
    string? ErrorEventType);

/// <summary>What staff can see of projections and do with them: status, lag, rebuild.</summary>
public sealed class ProjectionAdmin(
    NpgsqlDataSource dataSource,
    ProjectionSet projections,
    ProjectionCatchUp catchUp,
    EventStore store,
    TypeRegistry types,
    TimeProvider time)
{
    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var head = await ScalarAsync<long>(connection, null, "select coalesce(max(seq_id), 0) from marten.mt_events", ct);
        var result = new List<ProjectionStatus>();
        foreach (var projection in projections.Inline)
            result.Add(new ProjectionStatus(projection.Name, "inline", "running", head, head, 0, 0, null, null, null, null));

        foreach (var projection in projections.Async)
        {
            await using var command = new NpgsqlCommand("""
                select c.position, c.status, c.rebuild_to, c.error, c.error_seq, c.error_event_type,
                       (select count(*) from (select 1 from marten.mt_events e where e.seq_id > c.position limit 1000001) behind),
                       (select min(timestamp) from (select timestamp from marten.mt_events e where e.seq_id > c.position order by seq_id limit 1) oldest)
                from (select $1::text as projection) p
                left join eventing.projection_checkpoints c using (projection)
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            if (reader.IsDBNull(0))
            {
                result.Add(new ProjectionStatus(projection.Name, "async", "not started", 0, head, head, 0, null, null, null, null));
                continue;
            }
            var position = reader.GetInt64(0);
            var status = reader.GetString(1);
            double? progress = status == "rebuilding" && !reader.IsDBNull(2) && reader.GetInt64(2) > 0
                ? Math.Round(Math.Min(1, (double)position / reader.GetInt64(2)), 4)
                : null;
            var oldest = reader.IsDBNull(7) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(7);
            result.Add(new ProjectionStatus(
                projection.Name, "async", status, position, head, reader.GetInt64(6),
                oldest is null ? 0 : Math.Max(0, (time.GetUtcNow() - oldest.Value).TotalSeconds),
                progress,
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return result;
    }

    /// <summary>
    /// Rebuilds a projection from the first event while the system runs. An async projection is reset
    /// (tables and checkpoint, under the checkpoint's row lock so no page is half-applied) and then
    /// caught up in the background to what its Marten subscription has passed, and from there by the
    /// subscription's pages on whichever node runs it. An inline projection is replayed in one
    /// transaction that holds off appends meanwhile, so it never misses a concurrent write.
    /// </summary>
    /// <returns>The head sequence the rebuild has to reach.</returns>
    public async Task<long> RebuildAsync(string name, CancellationToken ct = default)
    {
        var projection = projections.Find(name) ?? throw new KeyNotFoundException($"There is no projection named '{name}'.");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var context = new ProjectionContext(connection, transaction);

        if (projections.IsAsync(projection))
        {
            await ExecuteAsync(connection, transaction, """
                insert into eventing.projection_checkpoints (projection) values ($1) on conflict (projection) do nothing
                """, ct, name);
            await ExecuteAsync(connection, transaction, "select 1 from eventing.projection_checkpoints where projection = $1 for update", ct, name);
            var head = await ScalarAsync<long>(connection, transaction, "select coalesce(max(seq_id), 0) from marten.mt_events", ct);
            await projection.ResetAsync(context, ct);
            await ExecuteAsync(connection, transaction, """
                update eventing.projection_checkpoints
                set position = 0, status = case when $2 = 0 then 'running' else 'rebuilding' end, rebuild_from = 0, rebuild_to = $2,
                    error = null, error_seq = null, error_event_type = null, updated_at = now()
                where projection = $1
                """, ct, name, head);
            await transaction.CommitAsync(ct);
            catchUp.Request(name);
            return head;
        }

        // Appends update their stream rows: this lock waits for running appends and holds off new ones.
        await ExecuteAsync(connection, transaction, "lock table marten.mt_streams in share mode", ct);
        await projection.ResetAsync(context, ct);
        var names = projection.EventTypes.Select(types.NameOf).ToArray();
        long last = 0;
        while (true)
        {
            var batch = new List<StoredEvent>();
            await using (var read = new NpgsqlCommand($"""
                select {EventStore.EventColumns} from marten.mt_events
                where seq_id > $1 and type = any($2) order by seq_id limit 5000
                """, connection, transaction))
            {
                read.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
                read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = names });
                await using var reader = await read.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    batch.Add(store.ReadEvent(reader));
            }
            if (batch.Count == 0)
                break;
            await projection.ApplyAsync(batch, context, ct);
            last = batch[^1].Sequence;
        }
        await transaction.CommitAsync(ct);
        return last;
    }

    /// <summary>
    /// Rebuilds and stays until the projection has caught up, reporting progress: the command-line
    /// verb. It catches up itself to what the projection's Marten subscription has passed; beyond that
    /// the subscription's pages, on whichever node runs it, carry it to the head.
    /// </summary>
    public async Task RebuildAndWaitAsync(string name, IProgress<ProjectionStatus> progress, CancellationToken ct = default)
    {
        var target = await RebuildAsync(name, ct);
        var projection = projections.Find(name)!;
        if (!projections.IsAsync(projection))
        {
            progress.Report((await StatusAsync(ct)).Single(s => s.Name == name));
            return;
        }

        while (true)
        {
            await catchUp.CatchUpAsync(projection, ct);
            var status = (await StatusAsync(ct)).Single(s => s.Name == name);
            progress.Report(status);
            if (status.Status == "stopped")
                throw new InvalidOperationException($"The rebuild of {name} stopped at event {status.ErrorSequence}: {status.Error}");
            if (status.Status == "running" && status.Position >= target)
                return;
            await Task.Delay(TimeSpan.FromSeconds(1), time, ct);
        }
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct, params object[] args)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        await command.ExecuteNonQueryAsync(ct);
    }
}
