using Allmende.Eventing.Audit;
using Allmende.Eventing.CritterStack;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Notifications;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Reporting;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Streams;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing;

public static class EventingServiceCollectionExtensions
{
    /// <summary>
    /// The event store, its schema migration at start-up, the async projections (on Marten's daemon,
    /// distributed by Wolverine) and the message delivery. Call before the modules' Add methods: hosted services start in registration order,
    /// and the schema must exist before anything else touches the database.
    /// </summary>
    public static IServiceCollection AddEventing(this IServiceCollection services, string connectionString, Action<EventingOptions>? configure = null)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        var options = services.AddOptions<EventingOptions>();
        if (configure is not null)
            options.Configure(configure);
        services.Configure<EventingOptions>(o => o.AddMigrations(EventingSchema.Migrations));
        services.AddReporting();
        // After every Configure (the host binds AuditChain from configuration): the audit hash chain.
        services.PostConfigure<EventingOptions>(o =>
        {
            if (o.AuditChain)
                o.AddProjection<AuditChainProjection>(ProjectionLifecycle.Async);
        });
        services.AddSingleton<AuditTrail>();

        // The pool everything uses: connections come back without a reset (no session state is
        // left on them: every lock of ours is transaction-scoped), which the reset would cost on
        // every unit of work (docs/benchmarks.md).
        services.AddSingleton(sp => BuildDataSource(sp, connectionString, resetOnClose: false));
        // For the few connections that carry session state (LISTEN):
        // when they return to the pool, the reset releases it.
        services.AddSingleton(sp => new SessionDataSource(BuildDataSource(sp, connectionString, resetOnClose: true)));
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<EventingOptions>>().Value.Types);
        services.AddSingleton(sp => new ProjectionSet(
            sp.GetRequiredService<IOptions<EventingOptions>>().Value.Projections
                .Select(p => ((IProjection)ActivatorUtilities.CreateInstance(sp, p.Type), p.Lifecycle))));
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<EventingOptions>>().Value;
            return new MessageRouting(settings.HandlerAssemblies, settings.Types);
        });
        services.AddSingleton(sp => new SchemaMigrator(
            sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptions<EventingOptions>>().Value.Migrations,
            sp.GetRequiredService<ILogger<SchemaMigrator>>(),
            async _ =>
            {
                await sp.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
                // Wolverine's tables too, here rather than by its durability agent: a host that does
                // not deliver runs no agent, and the test template must hold them all the same.
                await sp.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>().Storage.Admin.MigrateAsync();
            }));
        services.AddSingleton<EventingMetrics>();
        services.AddSingleton<LogImport>();
        services.AddSingleton<EventStore>();

        services.AddSingleton<ProjectionAdmin>();
        services.AddSingleton<ProjectionPages>();
        services.AddSingleton<ProjectionCatchUp>();
        services.AddSingleton<Health.HighWaterWatch>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<NotificationListener>();
        services.AddSingleton<CommitSignals>();
        services.AddSingleton<WolverineOutbox>();
        services.AddSingleton<WolverineDeliveries>();
        services.AddSingleton<WolverineQueues>();
        services.AddSingleton<Wolverine.IWolverineExtension>(sp => sp.GetRequiredService<WolverineQueues>());

        services.AddHostedService<MigrateOnStart>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationListener>());
        services.AddHostedService(sp => sp.GetRequiredService<CommitSignals>());
        services.AddHostedService(sp => sp.GetRequiredService<ProjectionCatchUp>());

        // Marten and Wolverine beside our store (docs/adr/0015): what this host is for is known only
        // from the settings the caller binds, so read them here once.
        var settings = new EventingOptions();
        configure?.Invoke(settings);
        services.AddMartenAndWolverine(connectionString, settings);
        return services;
    }

    private static NpgsqlDataSource BuildDataSource(IServiceProvider sp, string connectionString, bool resetOnClose)
    {
        var settings = sp.GetRequiredService<IOptions<EventingOptions>>().Value;
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= $"allmende:{settings.HostId}";
        builder.ConnectionStringBuilder.NoResetOnClose = !resetOnClose;
        // The store sends the same few statements all day: let Npgsql prepare them once per
        // connection (they survive the pool's reset) instead of parsing and planning each time.
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            builder.ConnectionStringBuilder.MaxAutoPrepare = 50;
        // A transaction left open by a bug of ours must not hold the async daemon back forever.
        var timeout = (int)settings.IdleInTransactionTimeout.TotalMilliseconds;
        builder.ConnectionStringBuilder.Options = $"{builder.ConnectionStringBuilder.Options} -c idle_in_transaction_session_timeout={timeout}".Trim();
        builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
        return builder.Build();
    }

    private sealed class MigrateOnStart(SchemaMigrator migrator) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
