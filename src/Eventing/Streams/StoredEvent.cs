namespace Allmende.Eventing.Streams;

/// <summary>Who caused a change and in answer to what: recorded with every event and message.</summary>
public sealed record EventMetadata(string? Actor, string? CorrelationId = null, string? CausationId = null)
{
    public static readonly EventMetadata System = new("system");
}

/// <summary>An event as the log holds it: its place in the global order and in its stream.</summary>
public sealed record StoredEvent(
    long Sequence,
    Guid EventId,
    string StreamId,
    long StreamVersion,
    string EventType,
    object Data,
    DateTimeOffset RecordedAt,
    EventMetadata Metadata);

/// <summary>A stream folded into its state, with the version a writer must expect to append after it.</summary>
public sealed record StreamState<TState>(string StreamId, long Version, TState State);

/// <summary>
/// An aggregate's state: an immutable value and a pure fold. Decisions read it; only events change it.
/// </summary>
public interface IEventSourced<TSelf> where TSelf : IEventSourced<TSelf>
{
    static abstract TSelf Initial { get; }

    static abstract TSelf Evolve(TSelf state, object @event);
}

public static class EventSourced
{
    /// <summary>The state after the events, in order: what a decision's events make of the state it was taken on.</summary>
    public static TState Fold<TState>(this TState state, IEnumerable<object> events) where TState : IEventSourced<TState> =>
        events.Aggregate(state, (s, e) => TState.Evolve(s, e));
}
