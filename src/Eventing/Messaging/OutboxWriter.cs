using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Eventing.Messaging;

internal enum MessageKind { Event, Command }

internal sealed record OutgoingMessage(Guid Id, object Body, MessageKind Kind, DateTimeOffset? DeliverAt, string[] Handlers);

/// <summary>PostgreSQL notification channels: a wake-up call only, never the carrier of data.</summary>
internal static class Channels
{
    public const string Events = "allmende_events";
    public const string Outbox = "allmende_outbox";
}

/// <summary>
/// Writes messages and their per-handler deliveries into the command's own transaction (the
/// transactional outbox): if the command's events commit, its messages do, and vice versa.
/// </summary>
internal static class OutboxWriter
{
    public static void AddTo(NpgsqlBatch batch, IReadOnlyList<OutgoingMessage> messages, IReadOnlyList<Guid> cancellations,
        TypeRegistry types, EventMetadata metadata, DateTimeOffset now)
    {
        if (messages.Count > 0)
        {
            // Messages and their deliveries in one statement (a data-modifying CTE runs whether or not it
            // is read, and the deliveries' foreign key is checked at the statement's end, when the
            // messages are there): one statement less in every unit of work that messages a handler
            // (docs/benchmarks.md, Bookings).
            var deliveries = messages.SelectMany(m => m.Handlers.Select(h => (m.Id, Handler: h, Due: m.DeliverAt ?? now))).ToList();
            const string insertMessages = """
                insert into eventing.outbox (message_id, message_type, kind, body, deliver_at, correlation_id, causation_id, actor, created_at)
                select m.id, m.type, m.kind, m.body, m.deliver_at, $6, $7, $8, $9
                from unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[]) as m(id, type, kind, body, deliver_at)
                """;
            var insert = new NpgsqlBatchCommand(deliveries.Count == 0 ? insertMessages : $"""
                with messages as ({insertMessages})
                insert into eventing.deliveries (message_id, handler, due_at)
                select * from unnest($10::uuid[], $11::text[], $12::timestamptz[])
                """);
            var p = insert.Parameters;
            p.Add(new NpgsqlParameter<Guid[]> { TypedValue = messages.Select(m => m.Id).ToArray() });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = messages.Select(m => types.NameOf(m.Body.GetType())).ToArray() });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = messages.Select(m => m.Kind == MessageKind.Command ? "command" : "event").ToArray() });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = messages.Select(m => types.Serialize(m.Body)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
            p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = messages.Select(m => m.DeliverAt ?? now).ToArray() });
            p.Add(Text(metadata.CorrelationId));
            p.Add(Text(metadata.CausationId));
            p.Add(Text(metadata.Actor));
            p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            if (deliveries.Count > 0)
            {
                p.Add(new NpgsqlParameter<Guid[]> { TypedValue = deliveries.Select(d => d.Id).ToArray() });
                p.Add(new NpgsqlParameter<string[]> { TypedValue = deliveries.Select(d => d.Handler).ToArray() });
                p.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = deliveries.Select(d => d.Due).ToArray() });
            }
            batch.BatchCommands.Add(insert);
        }

        if (cancellations.Count > 0)
        {
            var cancel = new NpgsqlBatchCommand("""
                update eventing.deliveries set status = 'cancelled', finished_at = $2
                where message_id = any($1) and status = 'pending'
                """);
            cancel.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = cancellations.ToArray() });
            cancel.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            batch.BatchCommands.Add(cancel);
        }
    }

    private static NpgsqlParameter Text(string? value) => SqlParameters.OrNull(value, NpgsqlDbType.Text);
}
