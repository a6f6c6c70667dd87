using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Allmende.Tests.Infrastructure;

/// <summary>
/// What a test host logs, kept in memory instead of written to the console: a passing test prints
/// nothing of it, a failing one shows the lines its hosts logged while it ran, as its output
/// (<see cref="HostLogsOnFailure"/>).
/// </summary>
public sealed class HostLog : ILoggerProvider
{
    // Enough for one test's story; a fixture whose tests all pass must not grow without end.
    private const int Capacity = 5_000;

    private static readonly AsyncLocal<List<HostLog>?> CurrentTest = new();

    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>A host made while a test runs (not a class fixture) belongs to that test.</summary>
    public HostLog() => CurrentTest.Value?.Add(this);

    /// <summary>Starts collecting for one test: the hosts of its fixtures, and any it makes itself.</summary>
    internal static List<HostLog> BeginTest(IEnumerable<HostLog> fixtures)
    {
        var logs = fixtures.ToList();
        foreach (var log in logs)
            log._lines.Clear(); // what came before (other tests, start-up) is not this test's
        CurrentTest.Value = logs;
        return logs;
    }

    internal IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        // The lines stay readable after the host that wrote them has gone.
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(HostLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)} {logLevel} {category}: {formatter(state, exception)}";
            log.Add(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
