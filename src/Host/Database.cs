using Allmende.Eventing.Provisioning;
using Npgsql;

namespace Allmende.Host;

/// <summary>
/// Where the database comes from: the configured connection string (ConnectionStrings:Postgres, or
/// the environment variable ConnectionStrings__Postgres), or else, in Development only, a private
/// server started from the machine's own PostgreSQL binaries (data in the git-ignored .pgdata folder
/// of the repository) or, without them, in a Docker container; stopped again when the host stops.
/// </summary>
internal static class Database
{
    public static async Task<string> ResolveConnectionStringAsync(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetConnectionString("Postgres");
        if (!string.IsNullOrWhiteSpace(configured))
            return configured;

        if (!builder.Environment.IsDevelopment())
            throw new PostgresUnavailableException(
                "No database is configured (ConnectionStrings:Postgres). Outside Development the host does not start its own PostgreSQL.");

        var dataDirectory = Path.Combine(RepositoryRoot(builder.Environment.ContentRootPath), ".pgdata", "dev");
        // The binaries first: their data in .pgdata/dev outlives the host; a container's does not.
        var postgres = await PrivatePostgres.StartAsync(new LocalPostgresOptions(dataDirectory), PostgresSource.Binaries);
        builder.Services.AddHostedService(_ => new StopOnShutdown(postgres));
        // A command-line verb runs no hosted services: it finds the server here and stops it itself.
        builder.Services.AddSingleton(postgres);
        Console.WriteLine($"PostgreSQL for Development: {postgres.Description}.");
        return await EnsureDatabaseAsync(postgres.ConnectionString, "allmende");
    }

    private static async Task<string> EnsureDatabaseAsync(string serverConnectionString, string database)
    {
        await using (var connection = new NpgsqlConnection(serverConnectionString))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection);
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
            if (await exists.ExecuteScalarAsync() is null)
            {
                await using var create = new NpgsqlCommand($"create database \"{database}\"", connection);
                await create.ExecuteNonQueryAsync();
            }
        }
        return new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = database }.ConnectionString;
    }

    internal static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Allmende.slnx")))
                return dir.FullName;
        }
        return start;
    }

    /// <summary>Registered first, so stopped last: the cluster outlives every worker that uses it.</summary>
    private sealed class StopOnShutdown(PrivatePostgres postgres) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await postgres.DisposeAsync();
    }
}
