using Allmende.Eventing.Projections;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine.Runtime;

namespace Allmende.Eventing.Health;

/// <summary>
/// Lag of every async projection (events and seconds behind), any projection stopped on a poison
/// event (naming it), Marten's high-water mark against the log's head, and the open transactions that
/// may hold that mark back, by pid and age, so that staff can end them. Degraded, not unhealthy: the
/// API still serves, but someone must look.
/// </summary>
internal sealed class ProjectionHealthCheck(
    ProjectionAdmin admin,
    HighWaterWatch watch,
    IWolverineRuntime wolverine,
    NpgsqlDataSource dataSource,
    IOptions<EventingOptions> options,
    TimeProvider time) : IHealthCheck
{
    private TimeSpan WaitWorthReporting => options.Value.LongTransactionThreshold;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var statuses = await admin.StatusAsync(cancellationToken);
        var (mark, head) = await HighWaterAsync(cancellationToken);
        var waiting = watch.Observe(mark, head, time.GetUtcNow());
        var running = wolverine.Agents.AllRunningAgentUris();
        var data = new Dictionary<string, object>
        {
            ["highWater"] = new { mark, head, belowHeadSeconds = waiting?.TotalSeconds },
        };
        var problems = new List<string>();

        foreach (var s in statuses.Where(s => s.Lifecycle == "async"))
        {
            data[s.Name] = new
            {
                s.Status,
                s.Position,
                s.EventsBehind,
                s.SecondsBehind,
                s.RebuildProgress,
                runsHere = running.Any(uri => RunsProjection(uri, s.Name)),
                s.Error,
                s.ErrorSequence,
                s.ErrorEventType,
            };
            if (s.Status == "stopped")
                problems.Add($"projection {s.Name} stopped at event {s.ErrorSequence} ({s.ErrorEventType}): {s.Error}");
            else if (options.Value.RunProjections && waiting > WaitWorthReporting && s.Position < head)
                problems.Add($"projection {s.Name} waits on an open transaction");
        }

        var blocking = await LongTransactionsAsync(cancellationToken);
        if (blocking.Count > 0)
            data["openTransactions"] = blocking;

        return problems.Count == 0
            ? HealthCheckResult.Healthy("projections up to date or catching up", data)
            : HealthCheckResult.Degraded(string.Join("; ", problems), data: data);
    }

    /// <summary>Whether a Wolverine agent (event-subscriptions://…/{shard}/all) is the projection's subscription.</summary>
    internal static bool RunsProjection(Uri agent, string projection) =>
        agent.Scheme == "event-subscriptions"
        && agent.AbsolutePath.TrimEnd('/').EndsWith($"/{projection}/all", StringComparison.OrdinalIgnoreCase);

    private async Task<(long Mark, long Head)> HighWaterAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("""
            select coalesce((select last_seq_id from marten.mt_event_progression where name = 'HighWaterMark'), 0),
                   coalesce((select max(seq_id) from marten.mt_events), 0)
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Transactions holding an xid for a while: until they end, Marten's high-water detection cannot
    /// pass a gap below them.
    /// </summary>
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
