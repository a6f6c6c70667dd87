using Allmende.Eventing.Notifications;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using JasperFx;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using System.Text.Json;
using Weasel.Core;
using Wolverine;
using Wolverine.Marten;

namespace Allmende.Eventing.CritterStack;

/// <summary>
/// Marten and Wolverine, configured beside our own store (docs/adr/0015, step 1): their tables are
/// created at start-up and Wolverine's node runs, but no module writes to them yet. The log, the
/// projections and the outbox are still ours; later steps move them over one at a time.
/// </summary>
internal static class CritterStackRegistration
{
    /// <summary>Marten's tables (the log and its streams, later the projections' checkpoints).</summary>
    public const string MartenSchema = "marten";

    /// <summary>Wolverine's envelope storage: inbox, outbox, dead letters, scheduled messages, nodes.</summary>
    public const string WolverineSchema = "wolverine";

    public static void AddMartenAndWolverine(this IServiceCollection services, string connectionString, EventingOptions settings)
    {
        // A gap passed after a rolled-back append (every 409) is routine here, not a Warning (DaemonLog).
        DaemonLog.Register(services);
        services.AddMarten(sp =>
            {
                var options = MartenOptions(connectionString, settings.HostId, sp.GetRequiredService<IOptions<EventingOptions>>().Value.Types,
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger("Marten"));
                InlineProjections(options, sp);
                AsyncProjections(options, sp, settings);
                return options;
            })
            .UseLightweightSessions()
            // No ApplyAllDatabaseChangesOnStartup: the schema migrator brings Marten's tables (and
            // Wolverine's) up to date before ours at every start (MigrateOnStart); a second comparison
            // cost each start 0.13-0.17 s (issue 13 item 6).
            .IntegrateWithWolverine(integration =>
            {
                integration.MessageStorageSchemaName = WolverineSchema;
                // One node runs each subscription, and another takes it over when that node dies:
                // Wolverine assigns them as agents in balanced mode (below). Off on hosts that run no
                // projections (the test template, the benchmarks' writers): Marten's daemon stays off.
                integration.UseWolverineManagedEventSubscriptionDistribution = settings.RunProjections;
            });

        services.AddWolverine(options =>
        {
            options.ApplicationAssembly = typeof(CritterStackRegistration).Assembly;
            // Our MessageRouting finds the modules' handlers; the ones Wolverine carries sit on its
            // queues as pre-built handlers (WolverineQueues), so it discovers none itself and
            // generates no code for them: never Roslyn at run time (start-up time, issue 13 item 6).
            options.Discovery.DisableConventionalDiscovery();
            options.CodeGeneration.TypeLoadMode = TypeLoadMode.Static;
            // The messages' stored JSON is ours, as in our outbox (EventingJson).
            options.UseSystemTextJsonForSerialization(json =>
            {
                json.PropertyNamingPolicy = EventingJson.Options.PropertyNamingPolicy;
                json.PropertyNameCaseInsensitive = EventingJson.Options.PropertyNameCaseInsensitive;
                json.NumberHandling = EventingJson.Options.NumberHandling;
                json.DefaultIgnoreCondition = EventingJson.Options.DefaultIgnoreCondition;
                foreach (var converter in EventingJson.Options.Converters)
                    json.Converters.Add(converter);
            });
            // Scheduled messages are found by polling; as often as our outbox polled (ADR 6).
            options.Durability.ScheduledJobPollingTime = settings.PollInterval;
            // A prompt takeover. In balanced mode nothing of the durability agent (recovery of other nodes'
            // envelopes, scheduled messages, replayed dead letters) runs before the leader has assigned it to a
            // node, and the first leadership attempt and assignment come after FirstHealthCheckExecution *plus*
            // one HealthCheckPollingTime (3 s + 10 s by default), then the agent's first poll after
            // ScheduledJobFirstExecution (0.5-5 s, random): a restarted host handled nothing for 15-20 s
            // (docs/adr/0015). Now the health check (heartbeat, leadership, assignment) runs every
            // Eventing:NodeHealthInterval from the start, and the agent polls as soon as it is started.
            options.Durability.FirstHealthCheckExecution = TimeSpan.Zero;
            options.Durability.HealthCheckPollingTime = settings.NodeHealthInterval;
            options.Durability.ScheduledJobFirstExecution = TimeSpan.Zero;
            // A host that does not deliver (the test template, benchmarks' writers, a host in the
            // crash window of a durability test) recovers and runs nothing of Wolverine's inbox.
            options.Durability.DurabilityAgentEnabled = settings.RunDelivery;
            options.Durability.MessageStorageSchemaName = WolverineSchema;
            // Its tables are built by the schema migrator at every start (before ours, so that the test
            // template holds them too), not a second time by Wolverine (0.13-0.25 s a start, item 6).
            options.AutoBuildMessageStorageOnStartup = AutoCreate.None;
            // Several hosts share one database: leadership, node assignment and takeover (ADR 6 today),
            // of the durability agent and of the async projections' subscriptions. A host that runs no
            // background work (the test template, benchmarks' writers) runs alone.
            options.Durability.Mode = settings.RunDelivery || settings.RunProjections ? DurabilityMode.Balanced : DurabilityMode.Solo;
        });
    }

    /// <summary>
    /// Each inline projection of ours as a Marten inline projection (<see cref="InlineProjection"/>), in the
    /// modules' order: Marten runs them in every session that appends, the unit of work's and a delivery's.
    /// Rebuilds do not go through Marten: <see cref="ProjectionAdmin"/> replays the log into our projection
    /// with SQL, as it reads every projection's events (Marten's rebuild would deserialize through its own
    /// reader and run its daemon's machinery for a projection that keeps no Marten progress).
    /// </summary>
    private static void InlineProjections(StoreOptions options, IServiceProvider sp)
    {
        foreach (var projection in sp.GetRequiredService<ProjectionSet>().Inline)
            options.Projections.Add(new InlineProjection(projection), JasperFx.Events.Projections.ProjectionLifecycle.Inline, projection.Name);
    }

    /// <summary>
    /// Each async projection of ours as a Marten subscription (<see cref="ProjectionSubscription"/>), and a
    /// prompt daemon: an event is projected within well under a second on an idle host (the as-of reports
    /// wait at most two seconds for the knowledge horizon). Never switched on:
    /// <c>SkipStaleGapsDespiteLiveTransactionsAfter</c> (docs/adr/0015).
    /// </summary>
    private static void AsyncProjections(StoreOptions options, IServiceProvider sp, EventingOptions settings)
    {
        var pages = sp.GetRequiredService<ProjectionPages>();
        var catchUp = sp.GetRequiredService<ProjectionCatchUp>();
        foreach (var projection in sp.GetRequiredService<ProjectionSet>().Async)
            options.Projections.Subscribe(new ProjectionSubscription(projection, pages, catchUp));
        if (!settings.RunProjections)
            return;
        // A commit wakes the high-water agent (this host's at once, others' by NOTIFY); polling is the fallback.
        options.Projections.Wakeup = new DaemonWakeup(sp.GetRequiredService<NotificationListener>().Events);
        options.Projections.SlowPollingTime = settings.PollInterval;
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(Math.Min(100, settings.PollInterval.TotalMilliseconds));
        // How long a gap must have stood before Marten looks for a transaction that may still fill it
        // (3 s by default). Not a timer that skips anything: the gap is passed only when no such
        // transaction is alive (its evidence rule); a rolled-back append's burned number must not hold
        // every projection for seconds.
        options.Projections.StaleSequenceThreshold = TimeSpan.FromMilliseconds(200);
        // Its watchdog restarts a high-water agent whose loop has not cycled for this long; with a long
        // fallback poll (a host that relies on notifications) that is not a wedged agent.
        options.Projections.HighWaterStalenessThreshold = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(30).Ticks, 3 * settings.PollInterval.Ticks));
    }

    /// <summary>Marten's settings for one database: the host's, and a test's that lays out an empty database.</summary>
    internal static StoreOptions MartenOptions(string connectionString, string hostId, TypeRegistry types, ILogger? logger = null)
    {
        var options = new StoreOptions();
        // Its own pool, reset on return: Wolverine keeps session-level advisory locks on some of
        // its connections, which our main pool (no reset, ADR 6) must never carry.
        var connection = new NpgsqlConnectionStringBuilder(connectionString)
        {
            ApplicationName = $"allmende:{hostId}:marten",
        };
        options.Connection(connection.ConnectionString);
        options.DatabaseSchemaName = MartenSchema;
        options.Events.DatabaseSchemaName = MartenSchema;
        // Our stream ids are strings ("booking-…", "grant-…") and keep their names.
        options.Events.StreamIdentity = StreamIdentity.AsString;
        // The quick append, one call of mt_quick_append_events per stream that returns the events'
        // versions and sequence numbers in the same round trip, so our inline projections (applied by a
        // transaction participant after the append, in its transaction: InlineWrites) see them. Rich
        // reserves the sequence numbers first, a round trip more per unit (docs/adr/0015, "Step 5 as
        // built"). Despite its name, QuickWithServerTimestamps is the quick mode that writes the
        // timestamp the writer set on each event (our TimeProvider's); plain Quick stamps the database's now().
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        // An append with an expected version locks its stream row before it compares, so two racing
        // appends at one version queue up and the later one is told the version it lost to (MT003,
        // mapped to our ConcurrencyException with the stream's id), as our own writer's update did.
        // Without it both pass the check and the later one fails on the events' key, which names no stream.
        options.Events.UseExclusiveLockOnConcurrentAppends = true;
        // Nothing that rewrites or removes stored events (ADR 13): archiving stays off, and so do
        // masking and compacting, which are opt-in calls we never make. The tombstones Marten writes
        // over the numbers of a failed save are not opt-in: a trigger keeps them out (eventing migration 8).
        options.Events.UseArchivedStreamPartitioning = false;
        // Who and in answer to what: actor, correlation and causation in Marten's own columns
        // (user_name, correlation_id, causation_id), so Marten's readers see them too.
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        // The stored format is ours (EventingJson): Marten reads and writes the same JSON.
        options.UseSystemTextJsonForSerialization(new JsonSerializerOptions(EventingJson.Options), EnumStorage.AsString, Casing.CamelCase);
        // Every type the modules registered, under its stable name (Marten's alias is what
        // mt_events.type stores). This also makes Marten create its event tables at start-up.
        foreach (var type in types.RegisteredTypes)
            options.Events.MapEventType(type, types.NameOf(type));
        options.Events.MapEventType<NeverAppended>(NeverAppended.TypeName);
        // Failed commands are logged with their parameters; event bodies may carry personal
        // data (encrypted, ADR 8, but the key ids and envelopes need not reach the logs).
        options.DisableNpgsqlLogging = true;
        options.Logger(new MartenLog(logger ?? NullLogger.Instance));
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        return options;
    }
}
