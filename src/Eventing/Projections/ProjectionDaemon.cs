using System.Diagnostics.Metrics;
using Allmende.Eventing.Notifications;
using Allmende.Eventing.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// Runs every async projection of this host, each in its own loop: a poison event or a slow
/// projection holds back only itself. With several hosts, each projection runs on whichever host
/// holds its lock; the others stand by and take over when it goes.
/// </summary>
public sealed class ProjectionDaemon : BackgroundService
{
    private readonly List<ProjectionRunner> _runners;
    private readonly EventingOptions _options;

    public ProjectionDaemon(ProjectionSet projections, SessionDataSource sessions, TypeRegistry types, NotificationListener notifications,
        IOptions<EventingOptions> options, EventingMetrics metrics, TimeProvider time, ILoggerFactory loggers)
    {
        _options = options.Value;
        var logger = loggers.CreateLogger<ProjectionDaemon>();
        _runners = projections.Async
            .Select(p => new ProjectionRunner(p, sessions.Inner, types, notifications.Events, _options, metrics, time, logger))
            .ToList();
        metrics.ObserveProjectionLag(() => _runners
            .Where(r => r.Runtime.Owned)
            .Select(r => new Measurement<long>(r.Runtime.Lag, new KeyValuePair<string, object?>("projection", r.Projection.Name))));
    }

    /// <summary>Per projection: whether this host runs it, and whether it waits on an open transaction.</summary>
    public IReadOnlyDictionary<string, ProjectionRuntime> Runtimes => _runners.ToDictionary(r => r.Projection.Name, r => r.Runtime);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _options.RunProjections
            ? Task.WhenAll(_runners.Select(r => Task.Run(() => r.RunAsync(stoppingToken), stoppingToken)))
            : Task.CompletedTask;
}
