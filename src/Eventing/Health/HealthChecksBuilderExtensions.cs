using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Eventing.Health;

public static class HealthChecksBuilderExtensions
{
    public static IHealthChecksBuilder AddEventingChecks(this IHealthChecksBuilder builder, params string[] tags) =>
        builder.AddCheck<DatabaseHealthCheck>("database", tags: tags)
            .AddCheck<ProjectionHealthCheck>("projections", tags: tags)
            .AddCheck<OutboxHealthCheck>("outbox", tags: tags);
}
