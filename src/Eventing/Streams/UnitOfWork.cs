using Allmende.Eventing.Messaging;
using Allmende.Eventing.Projections;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;

namespace Allmende.Eventing.Streams;

/// <summary>
/// Everything one command changes: events on one or more streams, the inline projections' writes, and
/// the messages it publishes, sends or schedules. <see cref="CommitAsync"/> writes all of it in one
/// transaction or nothing. A unit of work created for a message handler is bound to the delivery's
/// transaction instead, so the handler's effects commit together with its delivery record.
/// </summary>
public sealed class UnitOfWork
{
    private readonly EventStore _store;
    private readonly NpgsqlConnection? _boundConnection;
    private readonly NpgsqlTransaction? _boundTransaction;
    private readonly List<StreamWrite> _writes = [];
    private readonly List<OutgoingMessage> _messages = [];
    private WolverineOutbox.Pending _pending = WolverineOutbox.Pending.None;
    private readonly List<Guid> _cancellations = [];
    private readonly List<Func<ProjectionContext, CancellationToken, Task>> _enlisted = [];
    private bool _committed;

    internal UnitOfWork(EventStore store, EventMetadata metadata, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        _store = store;
        Metadata = metadata;
        _boundConnection = connection;
        _boundTransaction = transaction;
    }

    public EventMetadata Metadata { get; }

    public bool IsCommitted => _committed;

    /// <summary>Whether it writes events (async projections have work once it commits).</summary>
    public bool HasEvents => _writes.Count > 0;

    /// <summary>Whether it writes messages (deliveries may be due once it commits).</summary>
    public bool HasMessages => _messages.Count > 0;

    public bool HasChanges => _writes.Count > 0 || HasMessages || _cancellations.Count > 0 || _enlisted.Count > 0;

    /// <summary>Starts a new stream; the commit fails with <see cref="StreamAlreadyExistsException"/> if it exists.</summary>
    public void StartStream(string streamType, string streamId, params IEnumerable<object> events) =>
        Add(new StreamWrite(streamId, WriteKind.Start, 0, streamType, [.. events]));

    /// <summary>Appends after <paramref name="expectedVersion"/>; any other version fails with <see cref="ConcurrencyException"/>.</summary>
    public void Append(string streamId, long expectedVersion, params IEnumerable<object> events)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedVersion);
        Add(new StreamWrite(streamId, WriteKind.Expected, expectedVersion, null, [.. events]));
    }

    /// <summary>Appends whatever the stream's version is, creating the stream if it does not exist.</summary>
    public void Append(string streamId, params IEnumerable<object> events) =>
        Add(new StreamWrite(streamId, WriteKind.Any, 0, null, [.. events]));

    /// <summary>Publishes an integration event to every handler subscribed to its type.</summary>
    public Guid Publish(object integrationEvent) => Enqueue(integrationEvent, MessageKind.Event, null);

    /// <summary>Sends a command to its one handler.</summary>
    public Guid Send(object command) => Enqueue(command, MessageKind.Command, null);

    /// <summary>
    /// Delivers a message to every handler of its type at an instant: durable across restarts, fired
    /// once, cancellable by the returned id until it fires.
    /// </summary>
    public Guid Schedule(object message, DateTimeOffset deliverAt) => Enqueue(message, MessageKind.Event, deliverAt);

    /// <summary>Cancels a scheduled message that has not fired yet, in this unit's transaction.</summary>
    public void CancelScheduled(Guid messageId) => _cancellations.Add(messageId);

    /// <summary>Adds a write of the module's own (e.g. a key table) to this unit's transaction.</summary>
    public void Enlist(Func<ProjectionContext, CancellationToken, Task> write) => _enlisted.Add(write);

    /// <summary>Reads a stream inside this unit's transaction when it is bound to one.</summary>
    public Task<StreamState<TState>?> LoadAsync<TState>(string streamId, CancellationToken ct = default)
        where TState : IEventSourced<TState> =>
        _boundConnection is null
            ? _store.LoadAsync<TState>(streamId, ct: ct)
            : _store.LoadAsync<TState>(_boundConnection, _boundTransaction, streamId, null, null, ct);

    /// <summary>Writes everything in one transaction. Returns the events as stored, in order.</summary>
    public async Task<IReadOnlyList<StoredEvent>> CommitAsync(CancellationToken ct = default)
    {
        if (_committed)
            throw new InvalidOperationException("This unit of work was already committed.");
        _committed = true;

        if (_boundConnection is not null)
            return await WriteAsync(_boundConnection, _boundTransaction!, ct);

        // A connection of our main pool (no reset on close, auto-prepare: ADR 6), not one of Marten's
        // pool, which resets every returned connection (DISCARD ALL, a round trip) because Wolverine
        // keeps advisory locks on some of its connections. BEGIN goes out with the first statement.
        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var stored = await WriteAsync(connection, transaction, ct);
        await transaction.CommitAsync(ct);
        _store.Metrics.EventsAppended(stored.Count);
        await FlushAsync();
        _store.Signals.Committed(HasEvents);
        return stored;
    }

    /// <summary>
    /// Hands the messages Wolverine carries to this host's queues; only after the transaction that
    /// wrote them committed (a unit bound to a delivery's transaction is flushed by that delivery).
    /// </summary>
    internal Task FlushAsync() => _pending.FlushAsync();

    private void Add(StreamWrite write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(write.StreamId);
        if (write.Events.Count == 0)
            throw new ArgumentException("A stream write needs at least one event.", nameof(write));
        foreach (var e in write.Events)
            _store.Types.NameOf(e.GetType()); // fail at the call site, not at commit, for unregistered types
        _writes.Add(write);
    }

    private Guid Enqueue(object message, MessageKind kind, DateTimeOffset? deliverAt)
    {
        var handlers = _store.Routing.HandlersFor(message.GetType());
        if (kind == MessageKind.Command && handlers.Count != 1)
            throw new InvalidOperationException(
                $"A command needs exactly one handler; {message.GetType().Name} has {handlers.Count}.");
        var id = Guid.CreateVersion7();
        _messages.Add(new OutgoingMessage(id, message, kind, deliverAt));
        return id;
    }

    /// <summary>
    /// Everything, in the caller's transaction, which it commits or (by disposing it) rolls back: the
    /// events through a Marten session bound to that transaction, which also runs the inline projections
    /// (<see cref="InlineProjection"/>), then the enlisted writes, the cancellations and Wolverine's
    /// envelopes (docs/adr/0015, "Step 5 as built"). A unit without events has no projection to run:
    /// Marten skips its save, and the rest is written here all the same.
    /// </summary>
    private async Task<IReadOnlyList<StoredEvent>> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var now = _store.Time.GetUtcNow();
        var stored = _writes.Count == 0 ? [] : await AppendAsync(connection, transaction, now, ct);

        var context = new ProjectionContext(connection, transaction);
        foreach (var write in _enlisted)
            await write(context, ct);
        if (_cancellations.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(_store.Wolverine.Cancel(_cancellations, _store.WolverineQueues.AllQueues()));
            await batch.ExecuteNonQueryAsync(ct);
        }
        if (_messages.Count > 0)
        {
            // Wolverine fires a scheduled envelope by the real clock; the instant asked for is by ours. Convert
            // by their present distance: none in production, where ours is the system's; a test's clock set
            // ahead or behind keeps its due instants (docs/adr/0015, "Scheduled time").
            var drift = DateTimeOffset.UtcNow - now;
            var messages = drift == TimeSpan.Zero ? _messages
                : [.. _messages.Select(m => m.DeliverAt is { } at ? m with { DeliverAt = at + drift } : m)];
            _pending = await _store.Wolverine.WriteAsync(transaction, messages, Metadata, now);
        }

        return stored;
    }

    /// <summary>
    /// The events through a lightweight Marten session on our transaction (it commits nothing itself),
    /// and Marten's inline projections, which are ours (<see cref="InlineWrites"/>). After SaveChanges
    /// each event carries the sequence and version the database gave it: the quick append reads them back
    /// from <c>mt_quick_append_events</c> in the same round trip.
    /// </summary>
    private async Task<List<StoredEvent>> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken ct)
    {
        await using var session = _store.Sessions.LightweightSession(SessionOptions.ForTransaction(transaction));
        // Marten's metadata columns (user_name, correlation_id, causation_id), filled from the session.
        session.LastModifiedBy = Metadata.Actor;
        session.CorrelationId = Metadata.CorrelationId;
        session.CausationId = Metadata.CausationId;

        var appended = new List<IEvent>();
        foreach (var write in _writes)
        {
            var events = write.Events.ToArray();
            var action = write.Kind switch
            {
                WriteKind.Start => StartStream(session, write.StreamType!, write.StreamId, events),
                // Marten's expected version is the stream's version AFTER the append; ours is the one before.
                WriteKind.Expected => session.Events.Append(write.StreamId, write.ExpectedVersion + events.Length, events),
                _ => session.Events.Append(write.StreamId, events),
            };
            // Marten keeps one action per stream in a session: this write's events are its last ones.
            var mine = action.Events.Skip(action.Events.Count - events.Length).ToList();
            foreach (var e in mine)
            {
                // Our clock's instant (tests set clocks, as-of reads depend on it), one for the whole unit,
                // the instant its outgoing envelopes carry too; Marten keeps a timestamp that is set, and the
                // append mode QuickWithServerTimestamps writes it. Ids are UUIDv7, as our writer drew them.
                e.Timestamp = now;
                e.Id = Guid.CreateVersion7();
            }
            appended.AddRange(mine);
        }

        if (_writes.Any(w => w.Kind == WriteKind.Any))
            await LockStreamsAsync(connection, transaction, ct);

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (AsOurs(e) is { } conflict)
        {
            throw await conflict;
        }
        // The slot guard's exclusion violation and the like, as the projection threw them.
        InlineWrites.ThrowIfFailed(session);

        return [.. appended.Select(InlineWrites.Stored)];
    }

    /// <summary>
    /// "Append whatever the version is" must not lose a race: Marten's append function reads the stream's
    /// version without a lock when no version is expected, so two such appends would both take the next
    /// version and the second would fail on its key. Locking the stream rows first (creating a missing one
    /// at version 0, which the append then continues) makes them wait for each other, as our own upsert did.
    /// </summary>
    private async Task LockStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into marten.mt_streams as s (id, version, timestamp, created)
            select id, 0, now(), now() from unnest($1::text[]) as id order by id
            on conflict (id) do update set version = s.version
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]>
        {
            TypedValue = _writes.Where(w => w.Kind == WriteKind.Any).Select(w => w.StreamId).Distinct().ToArray(),
        });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static StreamAction StartStream(IDocumentSession session, string streamType, string streamId, object[] events)
    {
        var action = session.Events.StartStream(streamId, events);
        // mt_streams.type holds our stream type ("booking"), as before; Marten would derive it from an
        // aggregate CLR type, which our streams do not have. Its setter is internal, hence the accessor.
        SetStreamType(action, streamType);
        return action;
    }

    [System.Runtime.CompilerServices.UnsafeAccessor(System.Runtime.CompilerServices.UnsafeAccessorKind.Method, Name = "set_AggregateTypeName")]
    private static extern void SetStreamType(StreamAction action, string? value);

    /// <summary>
    /// Marten's answers to a taken stream id and a stale expected version, as ours (the 409s stay byte for
    /// byte). The actual version is read afresh: the failed transaction can no longer be read in.
    /// </summary>
    private Task<Exception>? AsOurs(Exception e) => e switch
    {
        Marten.Exceptions.ExistingStreamIdCollisionException taken => Task.FromResult<Exception>(new StreamAlreadyExistsException(StreamOf(taken.Id))),
        JasperFx.Events.ExistingStreamIdCollisionException taken => Task.FromResult<Exception>(new StreamAlreadyExistsException(StreamOf(taken.Id))),
        JasperFx.ConcurrencyException stale => ConflictAsync(stale.Id),
        _ => null,
    };

    private string StreamOf(object? id) =>
        id?.ToString() is { } key && _writes.Any(w => w.StreamId == key) ? key : _writes[0].StreamId;

    /// <summary>The stream that lost (the one Marten named, else the first whose version moved) and its version now.</summary>
    private async Task<Exception> ConflictAsync(object? id)
    {
        await using var connection = await _store.DataSource.OpenConnectionAsync();
        var candidates = id?.ToString() is { } key && _writes.Any(w => w.StreamId == key)
            ? _writes.Where(w => w.StreamId == key).Take(1)
            : _writes.Where(w => w.Kind == WriteKind.Expected).DefaultIfEmpty(_writes[0]);
        ConcurrencyException? conflict = null;
        foreach (var write in candidates)
        {
            var actual = await EventStore.CurrentVersionAsync(connection, null, write.StreamId, CancellationToken.None);
            conflict ??= new ConcurrencyException(write.StreamId, write.ExpectedVersion, actual);
            if (actual != write.ExpectedVersion)
                return new ConcurrencyException(write.StreamId, write.ExpectedVersion, actual);
        }
        return conflict!;
    }

    private enum WriteKind { Start, Expected, Any }

    private sealed record StreamWrite(string StreamId, WriteKind Kind, long ExpectedVersion, string? StreamType, IReadOnlyList<object> Events);
}
