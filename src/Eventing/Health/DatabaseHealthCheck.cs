using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Allmende.Eventing.Health;

/// <summary>Ready only when the database answers and the store's schema is in place.</summary>
internal sealed class DatabaseHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                "select current_setting('server_version'), (select count(*) from eventing.schema_versions)");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return HealthCheckResult.Healthy("PostgreSQL reachable", new Dictionary<string, object>
            {
                ["serverVersion"] = reader.GetString(0),
                ["migrations"] = reader.GetInt64(1),
            });
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL unreachable", e);
        }
    }
}
