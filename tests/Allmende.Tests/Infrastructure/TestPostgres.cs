using Allmende.Eventing.Provisioning;
using Npgsql;

namespace Allmende.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server per test run: the configured one (ConnectionStrings__Postgres), or a
/// throwaway one in a Docker container (where an engine answers) or from the machine's binaries,
/// started by the same launcher the host uses; one line of the test output says which.
/// A template database is migrated once through the real host; every test class then gets its own
/// database copied from it (CREATE DATABASE … TEMPLATE), which takes milliseconds.
/// </summary>
internal static class TestPostgres
{
    // Per test process, so that two runs against one configured server do not collide.
    private static readonly string TemplateName = $"allmende_template_{Environment.ProcessId}";
    private static readonly SemaphoreSlim CreateLock = new(1, 1);
    private static readonly Lazy<Task<string>> Server = new(StartServerAsync);
    private static PrivatePostgres? _local;

    // xunit runs the test classes' async work side by side, each host with its own pool; on a loaded
    // 2-core machine classes overlap for longer, and 300 ran out ("too many clients") in a CI run.
    // An idle backend costs a few MB and only the connections used are opened.
    private const int MaxConnections = 1000;

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

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await ExecuteAsync(await Server.Value, $"drop database if exists \"{name}\" with (force)");
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
            var named = new NpgsqlConnectionStringBuilder(server);
            Console.WriteLine($"Tests use the PostgreSQL of ConnectionStrings__Postgres ({named.Host}:{named.Port}).");
        }
        else
        {
            var root = Path.Combine(RepositoryRoot(), ".pgdata");
            RemoveLeftovers(root);
            var dir = Path.Combine(root, $"test-{Environment.ProcessId}");
            // A container where a Docker engine answers, else the binaries (ADR 4); a machine with no
            // engine in sight does not ask Testcontainers at all, so this costs it nothing.
            _local = await PrivatePostgres.StartAsync(
                new LocalPostgresOptions(dir) { DeleteOnDispose = true, Durable = false, MaxConnections = MaxConnections }, PostgresSource.Docker);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => _local.DisposeAsync().AsTask().GetAwaiter().GetResult();
            server = _local.ConnectionString;
            Console.WriteLine($"Tests use PostgreSQL from {_local.Description}.");
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

    /// <summary>
    /// A test process that is killed (or ended by the runner before its exit handler finishes) leaves
    /// its cluster's folder behind; the next run removes those whose process and server are gone.
    /// </summary>
    private static void RemoveLeftovers(string root)
    {
        if (!Directory.Exists(root))
            return;
        foreach (var dir in Directory.GetDirectories(root, "test-*"))
        {
            var alive = int.TryParse(Path.GetFileName(dir)["test-".Length..], out var pid) && Directory.Exists($"/proc/{pid}");
            var serverPidFile = Path.Combine(dir, "postmaster.pid");
            var serverAlive = File.Exists(serverPidFile)
                && int.TryParse(File.ReadLines(serverPidFile).FirstOrDefault(), out var serverPid) && Directory.Exists($"/proc/{serverPid}");
            if (alive || serverAlive)
                continue;
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // someone else's, or busy: leave it
            }
        }
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
