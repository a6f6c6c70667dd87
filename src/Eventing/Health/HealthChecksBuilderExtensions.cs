using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Eventing.Health;

public static class HealthChecksBuilderExtensions
{
    public static IHealthChecksBuilder AddEventingChecks(this IHealthChecksBuilder builder, params string[] tags) =>
        builder.AddCheck<DatabaseHealthCheck>("database", tags: tags);
}
