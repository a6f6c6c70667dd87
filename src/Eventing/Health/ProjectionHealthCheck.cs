using Allmende.Eventing.Projections;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Health;

/// <summary>
/// Lag of every async projection (events and seconds behind), any projection stopped on a poison
/// event (naming it), and the open transactions that hold projections back, by pid and age, so that
/// staff can end them. Degraded, not unhealthy: the API still serves, but someone must look.
/// </summary>
internal sealed class ProjectionHealthCheck(ProjectionAdmin admin, ProjectionDaemon daemon, NpgsqlDataSource dataSource, IOptions<EventingOptions> options, TimeProvider time) : IHealthCheck
{
    private TimeSpan WaitWorthReporting => options.Value.LongTransactionThreshold;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = await admin.StatusAsync(cancellationToken);
        var runtimes = daemon.Runtimes;
        var now = time.GetUtcNow();
        var data = new Dictionary<string, object>();
        var problems = new List<string>();

        foreach (var s in statuses.Where(s => s.Lifecycle == "async"))
        {
            var runtime = runtimes.GetValueOrDefault(s.Name);
            var waitingSince = runtime?.WaitingOnGapSince;
            data[s.Name] = new
            {
                s.Status,
                s.Position,
                s.EventsBehind,
                s.SecondsBehind,
                s.RebuildProgress,
                runsHere = runtime?.Owned ?? false,
                waitingOnOpenTransactionSeconds = waitingSince is { } w ? (now - w).TotalSeconds : (double?)null,
                s.Error,
                s.ErrorSequence,
                s.ErrorEventType,
            };
            if (s.Status == "stopped")
                problems.Add($"projection {s.Name} stopped at event {s.ErrorSequence} ({s.ErrorEventType}): {s.Error}");
            if (waitingSince is { } since && now - since > WaitWorthReporting)
                problems.Add($"projection {s.Name} waits on an open transaction");
        }

        var blocking = await LongTransactionsAsync(cancellationToken);
        if (blocking.Count > 0)
            data["openTransactions"] = blocking;

        return problems.Count == 0
            ? HealthCheckResult.Healthy("projections up to date or catching up", data)
            : HealthCheckResult.Degraded(string.Join("; ", problems), data: data);
    }

    /// <summary>Transactions holding an xid for a while: until they end, the gap rule cannot pass them.</summary>
    private async Task<List<object>> LongTransactionsAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select pid, state, extract(epoch from now() - xact_start)::float8, application_name, left(query, 200)
            from pg_stat_activity
            where backend_xid is not null and pid <> pg_backend_pid() and now() - xact_start > $1
            order by xact_start limit 10
            """);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = WaitWorthReporting });
        var result = new List<object>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result.Add(new
            {
                pid = reader.GetInt32(0),
                state = reader.IsDBNull(1) ? null : reader.GetString(1),
                ageSeconds = Math.Round(reader.GetDouble(2), 1),
                application = reader.IsDBNull(3) ? null : reader.GetString(3),
                query = reader.IsDBNull(4) ? null : reader.GetString(4),
            });
        }
        return result;
    }
}
