using System.Security.Cryptography;
using System.Text;
using Allmende.Eventing.CritterStack;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.RDBMS;
using Wolverine.Runtime;
using Wolverine.Transports;

namespace Allmende.Eventing.Messaging;

internal enum MessageKind { Event, Command }

internal sealed record OutgoingMessage(Guid Id, object Body, MessageKind Kind, DateTimeOffset? DeliverAt);

/// <summary>
/// Puts a unit of work's messages into Wolverine's inbox table in the unit's own transaction (the
/// transactional outbox, docs/adr/0015): if the events commit, so do the messages, and vice versa.
/// Wolverine routes each message (one envelope per handler queue) and serializes it; the envelopes
/// are written with one statement on our connection, and handed to this host's queues only after
/// the commit (<see cref="Pending.FlushAsync"/>).
/// </summary>
internal sealed class WolverineOutbox(IServiceProvider services, IOptions<EventingOptions> options)
{
    /// <summary>Our message id (what Publish returned), carried so handlers see it as causation.</summary>
    public const string MessageIdHeader = "allmende-message-id";

    public const string ActorHeader = "allmende-actor";

    public const string CausationHeader = "allmende-causation";

    private IWolverineRuntime Runtime => services.GetRequiredService<IWolverineRuntime>();

    /// <summary>
    /// Writes the envelopes of <paramref name="messages"/> in <paramref name="transaction"/>, sent at the unit of
    /// work's instant (<paramref name="sentAt"/>, our clock's, the instant its events carry).
    /// </summary>
    public async Task<Pending> WriteAsync(NpgsqlTransaction transaction, IReadOnlyList<OutgoingMessage> messages, EventMetadata metadata, DateTimeOffset sentAt)
    {
        var (context, collected) = await EnlistAsync(metadata);
        foreach (var message in messages)
            await context.PublishAsync(message.Body, Delivery(message.Id, message.DeliverAt, metadata));
        return await StoreAsync(transaction, context, collected, sentAt);
    }

    /// <summary>
    /// Writes <paramref name="message"/> again, to the one handler queue it was dead-lettered on, in
    /// <paramref name="transaction"/> (a replay: the same message id, so the same envelope id).
    /// </summary>
    public async Task<Pending> ResendAsync(NpgsqlTransaction transaction, Guid messageId, object message, Uri queue, EventMetadata metadata)
    {
        var (context, collected) = await EnlistAsync(metadata);
        await context.EndpointFor(queue).SendAsync(message, Delivery(messageId, null, metadata));
        return await StoreAsync(transaction, context, collected, null);
    }

    private async Task<(Wolverine.Runtime.MessageContext, CollectedEnvelopes)> EnlistAsync(EventMetadata metadata)
    {
        var context = new Wolverine.Runtime.MessageContext(Runtime) { CorrelationId = metadata.CorrelationId };
        var collected = new CollectedEnvelopes();
        await context.EnlistInOutboxAsync(collected);
        return (context, collected);
    }

    private static DeliveryOptions Delivery(Guid messageId, DateTimeOffset? deliverAt, EventMetadata metadata)
    {
        var delivery = new DeliveryOptions { ScheduledTime = deliverAt };
        delivery.Headers[MessageIdHeader] = messageId.ToString();
        if (metadata.Actor is not null)
            delivery.Headers[ActorHeader] = metadata.Actor;
        if (metadata.CausationId is not null)
            delivery.Headers[CausationHeader] = metadata.CausationId;
        return delivery;
    }

    private async Task<Pending> StoreAsync(NpgsqlTransaction transaction, Wolverine.Runtime.MessageContext context, CollectedEnvelopes collected, DateTimeOffset? sentAt)
    {
        // A host that does not deliver (a writer only) leaves its envelopes to any node; one that does
        // keeps them and hands them to its queues after the commit.
        var deliverHere = options.Value.RunDelivery;
        foreach (var envelope in collected.Envelopes)
        {
            // Derived from our message id and the handler's queue, so that CancelScheduled finds it.
            envelope.Id = EnvelopeId(Guid.Parse(envelope.Headers[MessageIdHeader]!), envelope.Destination!);
            // Our stable name, not the CLR type's: what a stored envelope holds must survive a rename
            // (WolverineQueues registers the name for reading it back).
            envelope.MessageType = options.Value.Types.NameOf(envelope.Message!.GetType());
            if (!deliverHere)
                envelope.OwnerId = TransportConstants.AnyNode;
            // Written with the events that caused it, at their instant: the envelope pairs with them.
            if (sentAt is { } at)
                envelope.SentAt = at;
        }
        if (collected.Envelopes.Count > 0)
        {
            if (Runtime.Storage is not IMessageDatabase database)
                throw new InvalidOperationException("Wolverine's message storage is not the PostgreSQL database this unit of work writes to.");
            await database.StoreIncomingAsync(transaction, [.. collected.Envelopes]);
        }
        return new Pending(deliverHere && collected.Envelopes.Count > 0 ? context : null);
    }

    /// <summary>Deletes the not yet fired envelopes of scheduled messages, in the caller's batch.</summary>
    public NpgsqlBatchCommand Cancel(IReadOnlyList<Guid> messageIds, IEnumerable<Uri> queues)
    {
        var ids = messageIds.SelectMany(m => queues.Select(q => EnvelopeId(m, q))).ToArray();
        var command = new NpgsqlBatchCommand(
            $"delete from {CritterStackRegistration.WolverineSchema}.wolverine_incoming_envelopes where id = any($1) and status = 'Scheduled'");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = ids });
        return command;
    }

    internal static Guid EnvelopeId(Guid messageId, Uri queue)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{messageId:N}|{queue}"), hash);
        return new Guid(hash[..16]);
    }

    /// <summary>Envelopes written in a transaction, to be handed to this host's queues once it committed.</summary>
    internal sealed class Pending(Wolverine.Runtime.MessageContext? context)
    {
        public static readonly Pending None = new(null);

        public Task FlushAsync() => context?.FlushOutgoingMessagesAsync() ?? Task.CompletedTask;
    }

    /// <summary>Collects what Wolverine would persist, so that it goes into our transaction as one statement.</summary>
    private sealed class CollectedEnvelopes : IEnvelopeTransaction
    {
        public List<Envelope> Envelopes { get; } = [];

        public Task PersistOutgoingAsync(Envelope envelope) => throw NotLocal(envelope);

        public Task PersistOutgoingAsync(Envelope[] envelopes) => envelopes.Length == 0 ? Task.CompletedTask : throw NotLocal(envelopes[0]);

        public Task PersistIncomingAsync(Envelope envelope)
        {
            Envelopes.Add(envelope);
            return Task.CompletedTask;
        }

        public ValueTask RollbackAsync() => ValueTask.CompletedTask;

        public Task<bool> TryMakeEagerIdempotencyCheckAsync(Envelope envelope, DurabilitySettings settings, CancellationToken cancellation) =>
            Task.FromResult(true);

        private static InvalidOperationException NotLocal(Envelope envelope) =>
            new($"{envelope.MessageType} is routed to {envelope.Destination}; only durable local queues are carried in our transaction.");
    }
}
