using Allmende.Eventing.Provisioning;
using Npgsql;

namespace Allmende.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server per test run: the configured one (ConnectionStrings__Postgres) or a
/// throwaway cluster from the machine's binaries, started by the same launcher the host uses.
/// A template database is migrated once through the real host; every test class then gets its own
/// database copied from it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
/// </summary>
internal static class TestPostgres
{
    private const string TemplateName = "allmende_template";
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static readonly Lazy<Task<string>> Server = new(StartServerAsync);
    private static LocalPostgres? _local;

    /// <summary>Connection string of the server's maintenance database.</summary>
    public static Task<string> ServerAsync() => Server.Value;

    public static async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var server = await Server.Value;
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(60, prefix.Length + 33)];
        // CREATE DATABASE … TEMPLATE needs the template free of connections: take turns.
        await CreateLock.WaitAsync();
        try
        {
            await ExecuteAsync(server, $"create database \"{name}\" template \"{TemplateName}\"");
        }
        finally
        {
            CreateLock.Release();
        }
        return WithDatabase(server, name);
    }

    /// <summary>A database with no schema at all, for tests of migration itself.</summary>
    public static async Task<string> CreateEmptyDatabaseAsync()
    {
        var server = await Server.Value;
        var name = $"empty_{Guid.NewGuid():N}";
        await ExecuteAsync(server, $"create database \"{name}\"");
        return WithDatabase(server, name);
    }

    public static string WithDatabase(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database, Pooling = true }.ConnectionString;

    private static async Task<string> StartServerAsync()
    {
        var configured = Environment.GetEnvironmentVariable("ConnectionStrings__Postgres");
        string server;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            server = new NpgsqlConnectionStringBuilder(configured) { Database = "postgres" }.ConnectionString;
        }
        else
        {
            var dir = Path.Combine(RepositoryRoot(), ".pgdata", $"test-{Environment.ProcessId}");
            _local = await LocalPostgres.StartAsync(new LocalPostgresOptions(dir) { DeleteOnDispose = true, Durable = false, MaxConnections = 300 });
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _local.Dispose();
            server = _local.ConnectionString;
        }

        await ExecuteAsync(server, $"drop database if exists \"{TemplateName}\" with (force)");
        await ExecuteAsync(server, $"create database \"{TemplateName}\"");
        var template = WithDatabase(server, TemplateName);
        // Migrate through the real host so the template holds exactly what production start-up creates.
        await using (var host = new AllmendeApp(template, runBackgroundWork: false))
        {
            await host.StartAsync();
        }
        NpgsqlConnection.ClearAllPools();
        return server;
    }

    /// <summary>One value from a fresh connection (so that it works while a host's pool is being killed).</summary>
    public static async Task<long> ScalarAsync(string connectionString, string sql, params object[] args)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L);
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Allmende.slnx")))
                return dir.FullName;
        }
        return Path.GetTempPath();
    }
}
