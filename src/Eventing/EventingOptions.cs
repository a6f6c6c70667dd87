using System.Reflection;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Storage;

namespace Allmende.Eventing;

/// <summary>
/// What the modules contribute to the store (type names, migrations, projections, handlers) and how
/// the background work runs. Modules add to it with services.Configure&lt;EventingOptions&gt;; the
/// scalar settings bind from the "Eventing" configuration section.
/// </summary>
public sealed class EventingOptions
{
    public TypeRegistry Types { get; } = new();

    internal List<Migration> Migrations { get; } = [];
    internal List<(Type Type, ProjectionLifecycle Lifecycle)> Projections { get; } = [];
    internal List<Assembly> HandlerAssemblies { get; } = [];

    /// <summary>Names this host in pg_stat_activity and in diagnostics.</summary>
    public string HostId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// Run async projections on this host: Marten's daemon, each projection a subscription that
    /// Wolverine assigns to one node (several hosts share the work; one runs each projection).
    /// </summary>
    public bool RunProjections { get; set; } = true;

    /// <summary>
    /// Deliver messages on this host: Wolverine's durable local queues listen, and its durability agent
    /// (recovery, scheduled messages) may run here. A writer-only host leaves its envelopes to any node.
    /// </summary>
    public bool RunDelivery { get; set; } = true;

    /// <summary>
    /// Fallback polling when no notification arrives (notifications wake workers at once): Marten's
    /// high-water detection when idle, and Wolverine's scheduled messages.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often Wolverine's node writes its heartbeat and its leader checks the agents' assignment: the
    /// durability agent (recovery, scheduled messages) and the async projections' subscriptions start on
    /// a fresh cluster within about this long. Every host polls at this rate (ADR 4).
    /// </summary>
    public TimeSpan NodeHealthInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Events an async projection reads and applies at a time; a catch-up after a rebuild commits after
    /// each such batch (a rebuild over a large log wants big batches).
    /// </summary>
    public int ProjectionBatchSize { get; set; } = 5_000;

    /// <summary>Server-side guard: a connection of ours left idle in a transaction is ended after this.</summary>
    public TimeSpan IdleInTransactionTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A handler runs in its delivery's transaction; past this it is cancelled and the attempt counts as
    /// failed. Keep it below <see cref="IdleInTransactionTimeout"/>.
    /// </summary>
    public TimeSpan HandlerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The health check names transactions with an xid open longer than this, and reports projections
    /// as waiting on an open transaction once Marten's high-water mark has stayed below the head this long.
    /// </summary>
    public TimeSpan LongTransactionThreshold { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Keep the audit hash chain over the log (docs/adr/0013); off only for benchmarks of other things.</summary>
    public bool AuditChain { get; set; } = true;

    /// <summary>The audit chain records a checkpoint after every this many events.</summary>
    public int AuditCheckpointInterval { get; set; } = 10_000;

    /// <summary>
    /// Sequence numbers the chain's verification and export read per transaction: they walk the log in
    /// short transactions of this many, so no long reader holds the async projections back (ADR 13).
    /// </summary>
    public int AuditPageSize { get; set; } = 5_000;

    /// <summary>
    /// How long a verification or export waits for a chain being rebuilt to reach the part it reads
    /// next; after that it answers 409 "being rebuilt, verify again shortly".
    /// </summary>
    public TimeSpan AuditRebuildWait { get; set; } = TimeSpan.FromSeconds(30);

    public EventingOptions AddMigrations(IEnumerable<Migration> migrations)
    {
        Migrations.AddRange(migrations);
        return this;
    }

    public EventingOptions AddProjection<TProjection>(ProjectionLifecycle lifecycle) where TProjection : IProjection
    {
        Projections.Add((typeof(TProjection), lifecycle));
        return this;
    }

    /// <summary>Discovers the message handlers of a module assembly.</summary>
    public EventingOptions AddHandlers(Assembly assembly)
    {
        HandlerAssemblies.Add(assembly);
        return this;
    }
}
