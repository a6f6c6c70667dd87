using System.Text;
using System.Text.Json;
using Allmende.Eventing.Messaging;
using Npgsql;
using Wolverine.Runtime.Serialization;

namespace Allmende.Tests.Infrastructure;

/// <summary>
/// The messages Wolverine carries, read back from its inbox table: one envelope per handler queue,
/// so one row per message here (by our message id), with the JSON body a handler receives.
/// </summary>
internal static class WolverineEnvelopes
{
    public sealed record Published(Guid MessageId, string Type, string Body);

    public static async Task<IReadOnlyList<Published>> PublishedAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "select body from wolverine.wolverine_incoming_envelopes where length(body) > 0");
        var byMessage = new Dictionary<Guid, Published>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var envelope = EnvelopeSerializer.Deserialize(reader.GetFieldValue<byte[]>(0));
            if (!envelope.Headers.TryGetValue(WolverineOutbox.MessageIdHeader, out var id) || envelope.Data is null)
                continue;
            var messageId = Guid.Parse(id!);
            byMessage.TryAdd(messageId, new Published(messageId, envelope.MessageType!, Encoding.UTF8.GetString(envelope.Data)));
        }
        // Our message ids are version 7: in the order they were published.
        return [.. byMessage.Values.OrderBy(p => p.MessageId)];
    }

    /// <summary>
    /// How many envelopes of <paramref name="type"/> whose body names <paramref name="id"/> in <paramref name="property"/>
    /// a handler has handled (one envelope per handler queue; "handled" commits with the handler's effects).
    /// </summary>
    public static async Task<int> HandledAsync(NpgsqlDataSource dataSource, string type, string property, Guid id)
    {
        await using var command = dataSource.CreateCommand(
            "select body from wolverine.wolverine_incoming_envelopes where status = 'Handled' and message_type = $1 and length(body) > 0");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
        var handled = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var envelope = EnvelopeSerializer.Deserialize(reader.GetFieldValue<byte[]>(0));
            if (envelope.Data is not null && JsonDocument.Parse(envelope.Data).RootElement.TryGetProperty(property, out var value)
                && value.ValueKind == JsonValueKind.String && value.GetString() == id.ToString())
                handled++;
        }
        return handled;
    }

    /// <summary>How many envelopes of our message <paramref name="messageId"/> a handler has handled.</summary>
    public static async Task<int> HandledAsync(NpgsqlDataSource dataSource, Guid messageId)
    {
        await using var command = dataSource.CreateCommand(
            "select body from wolverine.wolverine_incoming_envelopes where status = 'Handled' and length(body) > 0");
        var handled = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var envelope = EnvelopeSerializer.Deserialize(reader.GetFieldValue<byte[]>(0));
            if (envelope.Headers.TryGetValue(WolverineOutbox.MessageIdHeader, out var id) && id == messageId.ToString())
                handled++;
        }
        return handled;
    }

    /// <summary>Every envelope in Wolverine's inbox table, as stored (headers, correlation, sent-at, body).</summary>
    public static async Task<IReadOnlyList<Wolverine.Envelope>> EnvelopesAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "select body from wolverine.wolverine_incoming_envelopes where length(body) > 0");
        var envelopes = new List<Wolverine.Envelope>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            envelopes.Add(EnvelopeSerializer.Deserialize(reader.GetFieldValue<byte[]>(0)));
        return envelopes;
    }

    /// <summary>Those whose body names <paramref name="id"/> in <paramref name="property"/>.</summary>
    public static async Task<IReadOnlyList<Published>> PublishedAsync(NpgsqlDataSource dataSource, string property, Guid id) =>
        [.. (await PublishedAsync(dataSource)).Where(p =>
            JsonDocument.Parse(p.Body).RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == id.ToString())];
}
