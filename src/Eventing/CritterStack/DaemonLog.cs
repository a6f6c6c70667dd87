using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Allmende.Eventing.CritterStack;

/// <summary>
/// The host's loggers for Marten, with one of its daemon's messages at the level it has for us. Marten's
/// high-water detection logs a Warning each time it passes a sequence gap that no live transaction can
/// fill: a rolled-back append's burned numbers, so one per lost optimistic-concurrency race (every 409)
/// and per rolled-back command, which is routine here. That one is logged as Information (below the
/// "Marten" category's Warning in appsettings.json). Its other messages keep their levels, among them
/// the Warning that it holds before a gap a live transaction may still fill, which an operator must see.
/// Marten takes its daemon's logger from the container's <see cref="ILoggerFactory"/> (its own setting for
/// one is internal), so this wraps the host's factory; every other category passes through unchanged.
/// </summary>
internal sealed class DaemonLog(ILoggerFactory inner) : ILoggerFactory
{
    /// <summary>Wraps the logger factory the container would otherwise give (<c>AddLogging</c>'s).</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddLogging();
        var host = services.Last(d => d.ServiceType == typeof(ILoggerFactory));
        if (host.ImplementationType is not { } factoryType)
            return; // someone registered their own factory: leave it as it is
        services.Remove(host);
        services.AddSingleton(factoryType);
        services.AddSingleton<ILoggerFactory>(sp => new DaemonLog((ILoggerFactory)sp.GetRequiredService(factoryType)));
    }

    /// <summary>The category Marten's daemon logs its high-water detection under.</summary>
    internal const string DaemonCategory = "Marten.Events.Daemon.ProjectionDaemon";

    /// <summary>The start of the message template for a gap passed with no evidence of a live transaction.</summary>
    internal const string PassedGap = "Daemon high water detection is skipping the event sequence range";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == DaemonCategory ? new Daemon(logger) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose()
    {
        // The wrapped factory is the container's to dispose (registered on its own).
    }

    private sealed class Daemon(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel) || (logLevel == LogLevel.Warning && inner.IsEnabled(LogLevel.Information));

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning && IsPassedGap(state))
                logLevel = LogLevel.Information;
            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        private static bool IsPassedGap<TState>(TState state) =>
            state is IReadOnlyList<KeyValuePair<string, object?>> values
            && values.Any(v => v.Key == "{OriginalFormat}" && v.Value is string format && format.StartsWith(PassedGap, StringComparison.Ordinal));
    }
}
