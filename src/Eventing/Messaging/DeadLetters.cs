using System.Text.Json;
using Npgsql;

namespace Allmende.Eventing.Messaging;

public sealed record DeadLetter(
    long Id,
    Guid MessageId,
    string MessageType,
    string Handler,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FailedAt,
    string? Error,
    JsonElement? Message);

/// <summary>Deliveries that ran out of retries: kept with their message and the last exception.</summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = """
        d.id, o.message_id, o.message_type, d.handler, d.attempts, o.created_at, d.finished_at, d.last_error
        """;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int offset, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns}, null::text from eventing.deliveries d join eventing.outbox o using (message_id)
            where d.status = 'dead' order by d.id offset $1 limit $2
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, ct);
    }

    public async Task<DeadLetter?> FindAsync(long id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns}, o.body::text from eventing.deliveries d join eventing.outbox o using (message_id)
            where d.status = 'dead' and d.id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return (await ReadAsync(command, ct)).SingleOrDefault();
    }

    public async Task<long> CountAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("select count(*) from eventing.deliveries where status = 'dead'");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Delivers it again from scratch (after a fix). False if it is not a dead letter.</summary>
    public async Task<bool> ReplayAsync(long id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            update eventing.deliveries set status = 'pending', attempts = 0, due_at = $2, finished_at = null
            where id = $1 and status = 'dead'
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        var replayed = await command.ExecuteNonQueryAsync(ct) == 1;
        if (replayed)
        {
            await using var notify = dataSource.CreateCommand($"select pg_notify('{Channels.Outbox}', '')");
            await notify.ExecuteNonQueryAsync(ct);
        }
        return replayed;
    }

    /// <summary>Gives the delivery up for good; the message stays for the record.</summary>
    public async Task<bool> DiscardAsync(long id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            update eventing.deliveries set status = 'discarded', finished_at = now() where id = $1 and status = 'dead'
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<IReadOnlyList<DeadLetter>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new DeadLetter(
                reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : JsonDocument.Parse(reader.GetString(8)).RootElement.Clone()));
        }
        return result;
    }
}
