using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Allmende.Eventing.Health;

/// <summary>
/// Dead letters waiting for staff, and deliveries overdue (nobody delivering?). While both buses run
/// (docs/adr/0015, step 3), dead letters count those of Wolverine's too.
/// </summary>
internal sealed class OutboxHealthCheck(NpgsqlDataSource dataSource, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            select count(*) filter (where status = 'dead'),
                   count(*) filter (where status = 'pending' and due_at <= $1),
                   count(*) filter (where status = 'pending' and due_at <= $1 - interval '1 minute'),
                   (select count(*) from wolverine.wolverine_dead_letters where not coalesce(replayable, false) and archived_at is null)
            from eventing.deliveries where status in ('dead', 'pending')
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var (dead, due, overdue) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var wolverineDead = reader.GetInt64(3);
        dead += wolverineDead;
        var data = new Dictionary<string, object>
        {
            ["deadLetters"] = dead, ["wolverineDeadLetters"] = wolverineDead, ["due"] = due, ["overdueByAMinute"] = overdue,
        };
        return dead > 0 || overdue > 0
            ? HealthCheckResult.Degraded($"{dead} dead letter(s), {overdue} delivery(ies) overdue", data: data)
            : HealthCheckResult.Healthy("outbox flowing", data);
    }
}
