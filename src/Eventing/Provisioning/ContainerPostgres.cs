using DotNet.Testcontainers.Builders;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.PostgreSql;

namespace Allmende.Eventing.Provisioning;

/// <summary>
/// PostgreSQL in a throwaway Docker container (Testcontainers), for machines with a Docker engine
/// and no PostgreSQL binaries. Its data goes with the container.
/// </summary>
internal sealed class ContainerPostgres : IAsyncDisposable
{
    /// <summary>The major version docker-compose.yml uses too.</summary>
    public const string Image = "postgres:15";

    private readonly PostgreSqlContainer _container;

    private ContainerPostgres(PostgreSqlContainer container) => _container = container;

    /// <summary>Superuser connection to the maintenance database.</summary>
    public string ConnectionString => _container.GetConnectionString();

    /// <summary>Throws <see cref="DockerUnavailableException"/> when no engine answers.</summary>
    public static async Task<ContainerPostgres> StartAsync(LocalPostgresOptions options, CancellationToken ct)
    {
        List<string> settings = ["-c", $"max_connections={options.MaxConnections}"];
        if (!options.Durable)
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        var container = new PostgreSqlBuilder(Image)
            .WithDatabase("postgres")
            .WithCommand([.. settings])
            // We say in one line what we started; Testcontainers' own progress lines are noise here.
            .WithLogger(NullLogger.Instance)
            .Build();
        try
        {
            await container.StartAsync(ct);
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }
        return new ContainerPostgres(container);
    }

    public ValueTask DisposeAsync() => _container.DisposeAsync();
}
