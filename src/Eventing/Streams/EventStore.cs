using Microsoft.Extensions.DependencyInjection;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Notifications;
using Allmende.Eventing.Storage;
using Npgsql;

namespace Allmende.Eventing.Streams;

/// <summary>
/// The event log on PostgreSQL: begins units of work and reads streams back, folded into state or as
/// stored events, as they are now or as they were at a version or an instant.
/// </summary>
public sealed class EventStore(
    NpgsqlDataSource dataSource,
    TypeRegistry types,
    MessageRouting routing,
    TimeProvider time,
    EventingMetrics metrics,
    CommitSignals signals,
    IServiceProvider services)
{
    private WolverineOutbox? _wolverine;
    private WolverineQueues? _wolverineQueues;
    private Marten.IDocumentStore? _sessions;

    internal NpgsqlDataSource DataSource => dataSource;
    internal TypeRegistry Types => types;
    internal MessageRouting Routing => routing;
    internal TimeProvider Time => time;
    internal EventingMetrics Metrics => metrics;
    internal CommitSignals Signals => signals;
    // Resolved on first use: what Wolverine carries is known only once the modules configured it.
    internal WolverineOutbox Wolverine => _wolverine ??= services.GetRequiredService<WolverineOutbox>();
    internal WolverineQueues WolverineQueues => _wolverineQueues ??= services.GetRequiredService<WolverineQueues>();
    /// <summary>Marten's store: the writer appends through its sessions (docs/adr/0015, step 5).</summary>
    internal Marten.IDocumentStore Sessions => _sessions ??= services.GetRequiredService<Marten.IDocumentStore>();

    public UnitOfWork Begin(EventMetadata metadata) => new(this, metadata);

    /// <summary>A unit of work inside a transaction someone else commits (message deliveries).</summary>
    internal UnitOfWork Begin(EventMetadata metadata, NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        new(this, metadata, connection, transaction);

    /// <summary>
    /// Folds a stream into its state. With <paramref name="version"/> or <paramref name="asOf"/>, folds
    /// only the events up to that version or recorded up to that instant. Null if there were none.
    /// </summary>
    public async Task<StreamState<TState>?> LoadAsync<TState>(string streamId, long? version = null, DateTimeOffset? asOf = null, CancellationToken ct = default)
        where TState : IEventSourced<TState>
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await LoadAsync<TState>(connection, null, streamId, version, asOf, ct);
    }

    internal async Task<StreamState<TState>?> LoadAsync<TState>(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string streamId, long? version, DateTimeOffset? asOf, CancellationToken ct)
        where TState : IEventSourced<TState>
    {
        var events = await ReadStreamAsync(connection, transaction, streamId, version, asOf, ct);
        if (events.Count == 0)
            return null;
        var state = TState.Initial;
        foreach (var e in events)
            state = TState.Evolve(state, e.Data);
        return new StreamState<TState>(streamId, events[^1].StreamVersion, state);
    }

    /// <summary>A stream's events in version order, optionally only up to a version or an instant.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long? version = null, DateTimeOffset? asOf = null, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await ReadStreamAsync(connection, null, streamId, version, asOf, ct);
    }

    private async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        string streamId, long? version, DateTimeOffset? asOf, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select {EventColumns} from marten.mt_events
            where stream_id = $1 and version <= coalesce($2, version)
              -- As of an instant: everything before the first event recorded after it, so that hosts'
              -- clock skew can never fold a later version without an earlier one.
              and version < coalesce(
                  (select min(version) from marten.mt_events later where later.stream_id = $1 and later.timestamp > $3),
                  9223372036854775807)
            order by version
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        command.Parameters.Add(SqlParameters.OrNull(version, NpgsqlTypes.NpgsqlDbType.Bigint));
        command.Parameters.Add(SqlParameters.OrNull(asOf, NpgsqlTypes.NpgsqlDbType.TimestampTz));
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            events.Add(ReadEvent(reader));
        return events;
    }

    /// <summary>The stream's version now, or null if it does not exist.</summary>
    public async Task<long?> CurrentVersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await CurrentVersionAsync(connection, null, streamId, ct);
    }

    internal static async Task<long?> CurrentVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string streamId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select version from marten.mt_streams where id = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        return await command.ExecuteScalarAsync(ct) is long version ? version : null;
    }

    /// <summary>
    /// An event's columns in Marten's log (docs/adr/0015), in the order <see cref="ReadEvent"/> reads
    /// them: sequence, id, stream, version, type, body, recorded at, actor, correlation, causation.
    /// </summary>
    internal const string EventColumns =
        "seq_id, id, stream_id, version, type, data::text, timestamp, user_name, correlation_id, causation_id";

    /// <summary>Reads a row selected with <see cref="EventColumns"/>; a null data column leaves the payload unread.</summary>
    internal StoredEvent ReadEvent(NpgsqlDataReader reader)
    {
        var type = reader.GetString(4);
        return new StoredEvent(
            reader.GetInt64(0),
            reader.GetGuid(1),
            reader.GetString(2),
            reader.GetInt64(3),
            type,
            types.Deserialize(type, reader.GetString(5)),
            reader.GetFieldValue<DateTimeOffset>(6),
            ReadMetadata(reader, 7));
    }

    /// <summary>Actor, correlation id and causation id, selected in that order from <paramref name="first"/> on.</summary>
    internal static EventMetadata ReadMetadata(NpgsqlDataReader reader, int first) =>
        new(reader.IsDBNull(first) ? null : reader.GetString(first),
            reader.IsDBNull(first + 1) ? null : reader.GetString(first + 1),
            reader.IsDBNull(first + 2) ? null : reader.GetString(first + 2));
}
