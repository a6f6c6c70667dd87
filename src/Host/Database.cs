using Allmende.Eventing.Provisioning;
using Npgsql;

namespace Allmende.Host;

/// <summary>
/// Where the database comes from: the configured connection string (ConnectionStrings:Postgres, or
/// the environment variable ConnectionStrings__Postgres), or else, in Development only, a private
/// cluster started from the machine's own PostgreSQL binaries, with its data in the git-ignored
/// .pgdata folder of the repository, stopped again when the host stops.
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
        var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(dataDirectory));
        builder.Services.AddHostedService(_ => new StopOnShutdown(postgres));
        // A command-line verb runs no hosted services: it finds the cluster here and stops it itself.
        builder.Services.AddSingleton(postgres);
        Console.WriteLine($"PostgreSQL for Development on 127.0.0.1:{postgres.Port} (data in {postgres.DataDirectory}).");
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

    private static string RepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Allmende.slnx")))
                return dir.FullName;
        }
        return start;
    }

    /// <summary>Registered first, so stopped last: the cluster outlives every worker that uses it.</summary>
    private sealed class StopOnShutdown(LocalPostgres postgres) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken) => await postgres.DisposeAsync();
    }
}
