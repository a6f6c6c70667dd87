using Marten;
using Npgsql;

namespace Allmende.Eventing.Schema;

/// <summary>
/// `import-log`: copies a log written before the move to Marten (eventing.events and .streams) into
/// Marten's tables once, keeping every sequence number, id, version, type name, instant and the
/// metadata, so that the chain's entries, the projections' checkpoints and the knowledge horizon's
/// positions stay valid as they are (docs/adr/0015). Migration eventing v6 refuses to start on such a
/// database until this has run; afterwards it drops the old tables.
/// </summary>
public sealed class LogImport(NpgsqlDataSource dataSource, IDocumentStore marten)
{
    /// <returns>How many events were copied; 0 when there was no old log to copy.</returns>
    public async Task<long> ImportAsync(CancellationToken ct = default)
    {
        await marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        // The migrations' lock: no host migrates (and drops the old tables) halfway through the copy.
        await ScalarAsync(connection, transaction, $"select pg_advisory_xact_lock({SchemaMigrator.MigrationLockKey})", ct);
        if (await ScalarAsync(connection, transaction, "select to_regclass('eventing.events') is not null", ct) is not true
            || await ScalarAsync(connection, transaction, "select exists (select 1 from eventing.events)", ct) is not true)
            return 0;
        if (await ScalarAsync(connection, transaction, "select exists (select 1 from marten.mt_events)", ct) is true)
            throw new InvalidOperationException(
                "Marten's log (marten.mt_events) already holds events: the old log is imported only into an empty one.");

        await ScalarAsync(connection, transaction, """
            insert into marten.mt_streams (id, type, version, timestamp, created)
            select stream_id, stream_type, version, updated_at, created_at from eventing.streams
            """, ct);
        var copied = (long)(await ScalarAsync(connection, transaction, """
            with copied as (
                insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp, user_name, correlation_id, causation_id)
                select seq, event_id, stream_id, stream_version, event_type, data, recorded_at, actor, correlation_id, causation_id
                from eventing.events order by seq
                returning 1)
            select count(*) from copied
            """, ct))!;
        // New events continue after every number the old log drew, burned ones included.
        await ScalarAsync(connection, transaction, """
            select setval('marten.mt_events_sequence', greatest(
                (select max(seq) from eventing.events),
                coalesce(pg_sequence_last_value(pg_get_serial_sequence('eventing.events', 'seq')), 1)))
            """, ct);
        await transaction.CommitAsync(ct);
        return copied;
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        return await command.ExecuteScalarAsync(ct);
    }
}
