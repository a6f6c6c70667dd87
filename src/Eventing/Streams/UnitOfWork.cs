using Allmende.Eventing.Messaging;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Npgsql;
using NpgsqlTypes;

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

        await using var connection = await _store.DataSource.OpenConnectionAsync(ct);
        IReadOnlyList<StoredEvent> stored;
        if (IsOneStatement())
        {
            // One append and nothing else: its single statement is atomic by itself, and leaving out
            // BEGIN/COMMIT saves a round trip on the hottest path (docs/benchmarks.md).
            stored = await WriteAsync(connection, null, ct);
        }
        else
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            stored = await WriteAsync(connection, transaction, ct);
            await transaction.CommitAsync(ct);
        }
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

    private bool IsOneStatement() =>
        _writes.Count == 1 && !HasMessages && _cancellations.Count == 0 && _enlisted.Count == 0
        && !_store.Projections.Inline.Any(p => _writes[0].Events.Any(e => p.EventTypes.Contains(e.GetType())));

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

    private async Task<IReadOnlyList<StoredEvent>> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        var now = _store.Time.GetUtcNow();
        var stored = new List<StoredEvent>();

        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            foreach (var write in _writes)
                batch.BatchCommands.Add(AppendCommand(write, now));
            if (_cancellations.Count > 0)
                batch.BatchCommands.Add(_store.Wolverine.Cancel(_cancellations, _store.WolverineQueues.AllQueues()));

            if (batch.BatchCommands.Count > 0)
            {
                try
                {
                    await using var reader = await batch.ExecuteReaderAsync(ct);
                    foreach (var write in _writes)
                    {
                        var byId = new Dictionary<Guid, (long Seq, long Version)>();
                        while (await reader.ReadAsync(ct))
                            byId[reader.GetGuid(2)] = (reader.GetInt64(0), reader.GetInt64(1));
                        if (byId.Count == 0 && write.Kind == WriteKind.Expected)
                        {
                            await reader.DisposeAsync();
                            var actual = await EventStore.CurrentVersionAsync(connection, transaction, write.StreamId, ct);
                            throw new ConcurrencyException(write.StreamId, write.ExpectedVersion, actual);
                        }
                        for (var i = 0; i < write.Events.Count; i++)
                        {
                            var (seq, version) = byId[write.EventIds[i]];
                            var data = write.Events[i];
                            stored.Add(new StoredEvent(seq, write.EventIds[i], write.StreamId, version,
                                _store.Types.NameOf(data.GetType()), data, now, Metadata));
                        }
                        await reader.NextResultAsync(ct);
                    }
                    // Drain the remaining results (cancellations) so that their errors surface here.
                    while (await reader.NextResultAsync(ct))
                    {
                    }
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == StreamsKey)
                {
                    var started = _writes.Where(w => w.Kind == WriteKind.Start).ToList();
                    var write = started.FirstOrDefault(w => e.Detail?.Contains($"({w.StreamId})", StringComparison.Ordinal) == true) ?? started.First();
                    throw new StreamAlreadyExistsException(write.StreamId);
                }
            }
        }

        if (transaction is null)
            return stored; // the one-statement path: no projection and nothing enlisted has work

        var context = new ProjectionContext(connection, transaction);
        foreach (var projection in _store.Projections.Inline)
        {
            var relevant = stored.Where(e => projection.EventTypes.Contains(e.Data.GetType())).ToList();
            if (relevant.Count > 0)
                await projection.ApplyAsync(relevant, context, ct);
        }
        foreach (var write in _enlisted)
            await write(context, ct);
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

    private NpgsqlBatchCommand AppendCommand(StreamWrite write, DateTimeOffset now)
    {
        // Marten's tables in Marten's shape (docs/adr/0015): its readers fold these streams too. Each
        // form writes the stream row before the events in one statement. That ordering is load-bearing:
        // the transaction holds an xid before it draws a sequence number, which the async daemon's gap
        // rule relies on (docs/adr/0005-exact-gap-rule-for-async-projections.md). The timestamp is our
        // TimeProvider's instant, not the database's clock: as-of reads and tests rely on it.
        const string insertEvents = """
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp, correlation_id, causation_id, user_name)
            select nextval('marten.mt_events_sequence'), e.id, $1, s.base + e.ord, e.type, e.data, $3, $4, $5, $6
            from s, unnest($7::uuid[], $8::text[], $9::jsonb[]) with ordinality as e(id, type, data, ord)
            order by e.ord
            returning seq_id, version, id
            """;
        var sql = write.Kind switch
        {
            WriteKind.Start => """
                with s as (
                    insert into marten.mt_streams (id, type, version, timestamp, created)
                    values ($1, $2, $10, $3, $3)
                    returning 0::bigint as base)
                """,
            WriteKind.Expected => """
                with s as (
                    update marten.mt_streams set version = $2::bigint + $10, timestamp = $3
                    where id = $1 and version = $2::bigint
                    returning $2::bigint as base)
                """,
            _ => """
                with s as (
                    insert into marten.mt_streams as t (id, type, version, timestamp, created)
                    values ($1, $2, $10, $3, $3)
                    on conflict (id) do update set version = t.version + $10, timestamp = $3
                    returning t.version - $10 as base)
                """,
        } + "\n" + insertEvents;

        var command = new NpgsqlBatchCommand(sql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string>{ TypedValue = write.StreamId });
        if (write.Kind == WriteKind.Expected)
            p.Add(new NpgsqlParameter<long> { TypedValue = write.ExpectedVersion });
        else
            p.Add(SqlParameters.OrNull(write.StreamType, NpgsqlDbType.Text));
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        p.Add(Text(Metadata.CorrelationId));
        p.Add(Text(Metadata.CausationId));
        p.Add(Text(Metadata.Actor));
        p.Add(new NpgsqlParameter<Guid[]> { TypedValue = write.EventIds });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = write.Events.Select(e => _store.Types.NameOf(e.GetType())).ToArray() });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = write.Events.Select(_store.Types.Serialize).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        p.Add(new NpgsqlParameter<long> { TypedValue = write.Events.Count });
        return command;
    }

    /// <summary>Marten's primary key of mt_streams: a started stream whose id is taken.</summary>
    private const string StreamsKey = "pkey_mt_streams_id";

    private static NpgsqlParameter Text(string? value) => SqlParameters.OrNull(value, NpgsqlDbType.Text);

    private enum WriteKind { Start, Expected, Any }

    private sealed record StreamWrite(string StreamId, WriteKind Kind, long ExpectedVersion, string? StreamType, IReadOnlyList<object> Events)
    {
        public Guid[] EventIds { get; } = Events.Select(_ => Guid.CreateVersion7()).ToArray();
    }
}
