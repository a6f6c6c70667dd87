using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// A read model kept from the log. It owns its tables (created by its module's migrations) and writes
/// them only through the connection and transaction it is given, so that its writes commit together
/// with the events (inline) or with its checkpoint (async). Applying must be idempotent: a row
/// remembers the last sequence it absorbed, so a replay never counts twice.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name: the key of its checkpoint and of the admin endpoints.</summary>
    string Name { get; }

    /// <summary>The event types it reads; events of other types are skipped (and still checkpointed).</summary>
    IReadOnlyCollection<Type> EventTypes { get; }

    Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct);

    /// <summary>Empties the projection's tables, before a rebuild replays the log into them.</summary>
    Task ResetAsync(ProjectionContext context, CancellationToken ct);
}

/// <summary>
/// An async projection over the log as stored: it receives every event, whatever its type and whether
/// or not this host knows the type, with <see cref="StoredEvent.Data"/> the stored JSON text (a
/// string), never deserialized or upcast. For the audit chain, which must hash what is stored.
/// <see cref="IProjection.EventTypes"/> is not consulted. Async only: inline application and inline rebuilds deserialize.
/// </summary>
public interface IWholeLogProjection : IProjection;

public enum ProjectionLifecycle
{
    /// <summary>Applied in the appending transaction: the read model is never behind (e.g. slot guards).</summary>
    Inline,

    /// <summary>Applied after commit by the daemon, in global order: for models spanning streams.</summary>
    Async,
}

/// <summary>The transaction a projection writes in.</summary>
public sealed class ProjectionContext(NpgsqlConnection connection, NpgsqlTransaction transaction)
{
    public NpgsqlConnection Connection { get; } = connection;

    public NpgsqlTransaction Transaction { get; } = transaction;

    public NpgsqlCommand Command(string sql, params object?[] positionalParameters)
    {
        var command = new NpgsqlCommand(sql, Connection, Transaction);
        foreach (var value in positionalParameters)
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    public NpgsqlBatch Batch() => new(Connection, Transaction);
}

/// <summary>The projections this host runs, resolved once from the module registrations.</summary>
public sealed class ProjectionSet
{
    public ProjectionSet(IEnumerable<(IProjection Projection, ProjectionLifecycle Lifecycle)> projections)
    {
        var all = projections.ToList();
        var duplicate = all.GroupBy(p => p.Projection.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"Two projections are named '{duplicate.Key}'.");
        Inline = all.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).Select(p => p.Projection).ToList();
        Async = all.Where(p => p.Lifecycle == ProjectionLifecycle.Async).Select(p => p.Projection).ToList();
    }

    public IReadOnlyList<IProjection> Inline { get; }

    public IReadOnlyList<IProjection> Async { get; }

    public IProjection? Find(string name) =>
        Inline.Concat(Async).FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));

    public bool IsAsync(IProjection projection) => Async.Contains(projection);
}
