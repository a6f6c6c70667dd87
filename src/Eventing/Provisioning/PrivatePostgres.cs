using DotNet.Testcontainers.Builders;

namespace Allmende.Eventing.Provisioning;

/// <summary>Where a private PostgreSQL comes from.</summary>
public enum PostgresSource
{
    /// <summary>The machine's own binaries (<see cref="LocalPostgres"/>).</summary>
    Binaries,

    /// <summary>A container, where a Docker engine answers (Testcontainers).</summary>
    Docker,
}

/// <summary>
/// A private PostgreSQL for `dotnet run` (Development) and `dotnet test`: started from the
/// machine's binaries or in a Docker container, whichever the caller prefers and this machine has
/// (ADR 4). Stopped (the container removed) on dispose, if this process started it.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly IAsyncDisposable _server;

    private PrivatePostgres(IAsyncDisposable server, string connectionString, PostgresSource source, string description)
    {
        _server = server;
        ConnectionString = connectionString;
        Source = source;
        Description = description;
    }

    /// <summary>Superuser connection to the maintenance database.</summary>
    public string ConnectionString { get; }

    public PostgresSource Source { get; }

    /// <summary>One line saying what was started and where, for the console.</summary>
    public string Description { get; }

    /// <summary>
    /// Tries <paramref name="preferred"/> first, then the other. Docker is only asked where
    /// <see cref="DockerEngine.Candidate"/> finds an endpoint, so a machine without one pays nothing.
    /// </summary>
    public static async Task<PrivatePostgres> StartAsync(LocalPostgresOptions options, PostgresSource preferred, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var notUsed = new List<string>();
        foreach (var source in preferred == PostgresSource.Docker
                     ? [PostgresSource.Docker, PostgresSource.Binaries]
                     : new[] { PostgresSource.Binaries, PostgresSource.Docker })
        {
            if (source == PostgresSource.Binaries)
            {
                if (LocalPostgres.FindBinDirectory() is not { } bin)
                {
                    notUsed.Add($"no PostgreSQL >= {LocalPostgres.MinimumMajorVersion} binaries");
                    continue;
                }
                // Binaries that are there but fail are a problem to see, not to step around.
                var local = await LocalPostgres.StartAsync(options, ct);
                var reused = local.OwnsServer ? "" : ", already running";
                return new(local, local.ConnectionString, PostgresSource.Binaries,
                    $"binaries in {bin}, 127.0.0.1:{local.Port}, data in {local.DataDirectory}{reused}");
            }

            if (DockerEngine.Candidate() is not { } endpoint)
            {
                notUsed.Add("no Docker engine");
                continue;
            }
            try
            {
                var container = await ContainerPostgres.StartAsync(options, ct);
                var port = new Npgsql.NpgsqlConnectionStringBuilder(container.ConnectionString).Port;
                return new(container, container.ConnectionString, PostgresSource.Docker,
                    $"Docker container ({ContainerPostgres.Image}) via Testcontainers, port {port}; its data goes with it");
            }
            catch (DockerUnavailableException)
            {
                notUsed.Add($"no Docker engine answers at {endpoint}");
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // An engine that answers but cannot run the image (say, offline without it): try the binaries.
                notUsed.Add($"the container did not start at {endpoint} ({e.GetType().Name}: {e.Message.Split('\n')[0]})");
            }
        }
        throw new PostgresUnavailableException(string.Join("; ", notUsed) + ".");
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
