using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.CritterStack;
using Allmende.Eventing.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;
using Wolverine.Runtime.Serialization;

namespace Allmende.Eventing.Messaging;

public sealed record DeadLetter(
    Guid Id,
    Guid MessageId,
    string MessageType,
    string Handler,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FailedAt,
    string? Error,
    JsonElement? Message);

/// <summary>
/// Deliveries that ran out of retries: kept with their message and the last exception, in
/// Wolverine's wolverine_dead_letters table (docs/adr/0015). Ids are Wolverine's envelope ids.
/// </summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource, IServiceProvider services, MessageRouting routing, TypeRegistry types)
{
    private const string Wolverine = CritterStackRegistration.WolverineSchema;

    // Replayable ones are on their way back to the inbox; archived ones were given up (discarded).
    private static readonly string WolverineWaiting =
        $"from {Wolverine}.wolverine_dead_letters w where not coalesce(w.replayable, false) and w.archived_at is null";

    // Wolverine's envelope body (bytea) carries attempts and our message id.
    private static readonly string Letters = $"""
        select w.id, w.message_type, w.received_at as handler,
               coalesce(w.sent_at, w.failed_at) as created_at, w.failed_at,
               w.exception_type || ': ' || w.exception_message as error, w.body as envelope
        {WolverineWaiting}
        """;

    private IWolverineRuntime Runtime => services.GetRequiredService<IWolverineRuntime>();

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int offset, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select * from ({Letters}) l order by l.failed_at nulls last, l.created_at, l.id offset $1 limit $2
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadAsync(command, withMessage: false, ct);
    }

    public async Task<DeadLetter?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select * from ({Letters}) l where l.id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (await ReadAsync(command, withMessage: true, ct)).SingleOrDefault();
    }

    public async Task<long> CountAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"select count(*) {WolverineWaiting}");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Delivers it again from scratch (after a fix). False if it is not a dead letter.</summary>
    public async Task<bool> ReplayAsync(Guid id, CancellationToken ct = default)
    {
        // Taken out of Wolverine's dead letters and written back into its inbox, for the one handler
        // queue it died on, in one transaction of ours; handed to this host's queue once committed,
        // with a fresh retry budget. Not IDeadLetters.ReplayAsync: that only marks the row, and the
        // move waits for the durability agent the leader assigns, which on a freshly started host
        // did not run within 30 s (docs/adr/0015).
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        byte[] body;
        string queue;
        await using (var take = new NpgsqlCommand($"""
            delete from {Wolverine}.wolverine_dead_letters w
            where w.id = $1 and not coalesce(w.replayable, false) and w.archived_at is null
            returning w.body, w.received_at
            """, connection, transaction))
        {
            take.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using var reader = await take.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                return false;
            (body, queue) = (reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? "" : reader.GetString(1));
        }
        var envelope = EnvelopeSerializer.Deserialize(body);
        var handler = HandlersByQueue().GetValueOrDefault(QueueOf(queue))
            // A 409, and the letter stays (the transaction is not committed): replay it on a host that has the handler.
            ?? throw new DomainException("handler-not-here", $"Dead letter {id} died on {queue}, which no handler of this host listens to.");
        var message = JsonSerializer.Deserialize(envelope.Data, handler.MessageType, EventingJson.Options)!;
        var messageId = Guid.Parse(envelope.Headers[WolverineOutbox.MessageIdHeader]!);
        var metadata = new Streams.EventMetadata(envelope.Headers.GetValueOrDefault(WolverineOutbox.ActorHeader), envelope.CorrelationId,
            envelope.Headers.GetValueOrDefault(WolverineOutbox.CausationHeader));
        var pending = await services.GetRequiredService<WolverineOutbox>().ResendAsync(transaction, messageId, message, new Uri(queue), metadata);
        await transaction.CommitAsync(ct);
        await pending.FlushAsync();
        return true;
    }

    /// <summary>Gives the delivery up for good; the message stays for the record (Wolverine archives it).</summary>
    public async Task<bool> DiscardAsync(Guid id, CancellationToken ct = default)
    {
        if (!await IsWaitingAsync(id, ct))
            return false;
        await Runtime.Storage.DeadLetters.ArchiveMatchingAsync(new DeadLetterEnvelopeQuery([id]), ct);
        return true;
    }

    private async Task<bool> IsWaitingAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select exists (select 1 {WolverineWaiting} and w.id = $1)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task<IReadOnlyList<DeadLetter>> ReadAsync(NpgsqlCommand command, bool withMessage, CancellationToken ct)
    {
        var handlers = HandlersByQueue();
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var createdAt = reader.GetFieldValue<DateTimeOffset>(3);
            var failedAt = reader.IsDBNull(4) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(4);
            var error = reader.IsDBNull(5) ? null : reader.GetString(5);
            var messageType = reader.GetString(1);
            var handler = reader.IsDBNull(2) ? "" : reader.GetString(2);
            var envelope = EnvelopeSerializer.Deserialize(reader.GetFieldValue<byte[]>(6));
            var messageId = envelope.Headers.TryGetValue(WolverineOutbox.MessageIdHeader, out var header) && Guid.TryParse(header, out var parsed)
                ? parsed : envelope.Id;
            var descriptor = handlers.GetValueOrDefault(QueueOf(handler));
            // Wolverine dead-letters after the last attempt of the handler's policy (WolverineQueues).
            var attempts = envelope.Attempts > 0 ? envelope.Attempts : descriptor?.Retry.MaxAttempts ?? 0;
            JsonElement? message = withMessage && envelope.Data is { Length: > 0 } data ? JsonDocument.Parse(data).RootElement.Clone() : null;
            // Wolverine records the CLR name where it dead-letters; staff and clients know our stable one.
            var type = types.RegisteredTypes.FirstOrDefault(t => t.FullName == messageType);
            result.Add(new DeadLetter(reader.GetGuid(0), messageId, type is null ? messageType : types.NameOf(type), descriptor?.Name ?? handler, attempts,
                createdAt, failedAt, error, message));
        }
        return result;
    }

    /// <summary>Wolverine records the queue (local://name/) a letter died on; staff know the handler.</summary>
    private Dictionary<string, HandlerDescriptor> HandlersByQueue()
    {
        var byQueue = new Dictionary<string, HandlerDescriptor>(StringComparer.OrdinalIgnoreCase);
        foreach (var handler in routing.All)
            byQueue.TryAdd(WolverineQueues.QueueName(handler), handler);
        return byQueue;
    }

    private static string QueueOf(string receivedAt) =>
        receivedAt.StartsWith("local://", StringComparison.OrdinalIgnoreCase) ? receivedAt["local://".Length..].TrimEnd('/') : receivedAt;
}
