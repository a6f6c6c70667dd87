using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Allmende.Eventing.Health;

/// <summary>
/// Dead letters waiting for staff, and messages overdue (nobody delivering?), in Wolverine's tables
/// (docs/adr/0015). The check keeps its name and its data's keys: clients read them.
/// </summary>
internal sealed class OutboxHealthCheck(NpgsqlDataSource dataSource, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        // An envelope waits as 'Incoming' (retries included) or 'Scheduled' until its instant; a scheduled
        // one a minute past it has not been fired: no node runs the durability agent.
        await using var command = dataSource.CreateCommand("""
            select (select count(*) from wolverine.wolverine_dead_letters where not coalesce(replayable, false) and archived_at is null),
                   count(*) filter (where status = 'Incoming' or execution_time <= $1),
                   count(*) filter (where status = 'Scheduled' and execution_time <= $1 - interval '1 minute')
            from wolverine.wolverine_incoming_envelopes where status in ('Incoming', 'Scheduled')
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (dead, due, overdue) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var data = new Dictionary<string, object>
        {
            ["deadLetters"] = dead, ["wolverineDeadLetters"] = dead, ["due"] = due, ["overdueByAMinute"] = overdue,
        };
        return dead > 0 || overdue > 0
            ? HealthCheckResult.Degraded($"{dead} dead letter(s), {overdue} scheduled message(s) overdue", data: data)
            : HealthCheckResult.Healthy("messages flowing", data);
    }
}
