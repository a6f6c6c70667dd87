using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// What a handler gets besides the message: its unit of work, bound to the delivery's transaction
/// (what the handler writes commits together with "delivered", or not at all), and where the message
/// came from.
/// </summary>
public sealed class MessageContext
{
    internal MessageContext(Guid messageId, string messageType, EventMetadata metadata, int attempt, UnitOfWork work, ProjectionContext database)
    {
        MessageId = messageId;
        MessageType = messageType;
        Metadata = metadata;
        Attempt = attempt;
        Work = work;
        Database = database;
    }

    public Guid MessageId { get; }

    public string MessageType { get; }

    /// <summary>The metadata the message was sent with (actor, correlation).</summary>
    public EventMetadata Metadata { get; }

    /// <summary>1 on the first delivery, 2 on the first retry, …</summary>
    public int Attempt { get; }

    /// <summary>Events, messages and writes of this handler, committed with the delivery record.</summary>
    public UnitOfWork Work { get; }

    /// <summary>The delivery's connection and transaction, for writes of the module's own tables.</summary>
    public ProjectionContext Database { get; }
}
