using System.Text.Json;
using Allmende.Eventing.Health;
using Allmende.Eventing.Storage;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Allmende.Host;

/// <summary>
/// /health/live: the process answers. /health/ready: the database, the projections and the outbox,
/// each with its details as JSON so that staff see what lags and why.
/// </summary>
internal static class Health
{
    private const string Ready = "ready";

    public static IServiceCollection AddAllmendeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddEventingChecks(Ready);
        return services;
    }

    public static IEndpointRouteBuilder MapAllmendeHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(Ready),
            ResponseWriter = WriteJsonAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                // Degraded (a stopped projection, dead letters) still serves traffic; staff must look.
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        return endpoints;
    }

    private static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new
                {
                    status = e.Value.Status.ToString(),
                    description = e.Value.Description,
                    error = e.Value.Exception?.Message,
                    data = e.Value.Data,
                }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, EventingJson.Options));
    }
}
