using Microsoft.Extensions.Logging;
using Npgsql;

namespace Allmende.Eventing.Schema;

/// <summary>
/// Brings the database to the current schema at start-up. Every host runs it; a transaction-scoped
/// advisory lock makes concurrent start-ups take turns, so each migration runs exactly once and a
/// failing one leaves nothing behind (PostgreSQL DDL is transactional). Marten's tables come first
/// (<paramref name="beforeMigrations"/>): ours put the append-only guard on its log (docs/adr/0015).
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource dataSource, IEnumerable<Migration> migrations, ILogger<SchemaMigrator> logger,
    Func<CancellationToken, Task>? beforeMigrations = null)
{
    // Any constant that no other advisory-lock user of this database picks; "allmende" in ASCII.
    internal const long MigrationLockKey = 0x616C6C6D656E6465;

    private readonly IReadOnlyList<Migration> _migrations = Order(migrations);

    public async Task<int> MigrateAsync(CancellationToken ct = default)
    {
        if (beforeMigrations is not null)
            await beforeMigrations(ct);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using (var lockAndTable = new NpgsqlBatch(connection, transaction))
        {
            lockAndTable.BatchCommands.Add(new($"select pg_advisory_xact_lock({MigrationLockKey})"));
            lockAndTable.BatchCommands.Add(new("create schema if not exists eventing"));
            lockAndTable.BatchCommands.Add(new("""
                create table if not exists eventing.schema_versions (
                    module      text not null,
                    version     int  not null,
                    description text not null,
                    checksum    text not null,
                    applied_at  timestamptz not null default now(),
                    primary key (module, version))
                """));
            await lockAndTable.ExecuteNonQueryAsync(ct);
        }

        var applied = new Dictionary<(string, int), string>();
        await using (var read = new NpgsqlCommand("select module, version, checksum from eventing.schema_versions", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                applied[(reader.GetString(0), reader.GetInt32(1))] = reader.GetString(2);
        }

        var count = 0;
        foreach (var migration in _migrations)
        {
            if (applied.TryGetValue((migration.Module, migration.Version), out var checksum))
            {
                if (checksum != migration.Checksum)
                    throw new InvalidOperationException(
                        $"Migration {migration.Module} v{migration.Version} ('{migration.Description}') was changed after it was applied. Add a new version instead.");
                continue;
            }

            // Migration scripts hold several statements: run them as one parameterless command, which
            // Npgsql splits, and record the version after them in the same transaction.
            await using (var script = new NpgsqlCommand(migration.Sql, connection, transaction))
                await script.ExecuteNonQueryAsync(ct);
            await using (var record = new NpgsqlCommand(
                "insert into eventing.schema_versions (module, version, description, checksum) values ($1, $2, $3, $4)", connection, transaction))
            {
                record.Parameters.Add(new() { Value = migration.Module });
                record.Parameters.Add(new() { Value = migration.Version });
                record.Parameters.Add(new() { Value = migration.Description });
                record.Parameters.Add(new() { Value = migration.Checksum });
                await record.ExecuteNonQueryAsync(ct);
            }
            logger.LogInformation("Applied migration {Module} v{Version}: {Description}", migration.Module, migration.Version, migration.Description);
            count++;
        }

        await transaction.CommitAsync(ct);
        return count;
    }

    private static List<Migration> Order(IEnumerable<Migration> migrations)
    {
        // The eventing schema goes first: modules' projections may reference it.
        var ordered = migrations
            .OrderBy(m => m.Module == EventingSchema.Module ? 0 : 1)
            .ThenBy(m => m.Module, StringComparer.Ordinal)
            .ThenBy(m => m.Version)
            .ToList();
        var duplicate = ordered.GroupBy(m => (m.Module, m.Version)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Migration {duplicate.Key.Module} v{duplicate.Key.Version} is defined twice.");
        return ordered;
    }
}
