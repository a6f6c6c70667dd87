using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Allmende.Eventing;
using Allmende.Eventing.Provisioning;
using Allmende.Eventing.Schema;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Bench;

/// <summary>
/// The server a benchmark runs against and a fresh database on it: either a private, durable
/// cluster started from the machine's PostgreSQL binaries (data in the git-ignored .pgdata/bench,
/// deleted afterwards) or an existing server given by --connection / ConnectionStrings__Postgres.
/// Also runs pgbench against the same database, so that every figure has its baseline beside it.
/// </summary>
internal sealed partial class BenchDatabase : IAsyncDisposable
{
    /// <summary>Per process, so that two runs against one server do not drop each other's database.</summary>
    public static readonly string DatabaseName = $"allmende_bench_{Environment.ProcessId}";

    private readonly LocalPostgres? _local;
    private readonly string _serverConnectionString;

    private BenchDatabase(LocalPostgres? local, string serverConnectionString)
    {
        _local = local;
        _serverConnectionString = serverConnectionString;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = DatabaseName }.ConnectionString;
    }

    /// <summary>The benchmark database.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's postmaster when it runs on this machine (for CPU accounting), else 0.</summary>
    public int PostmasterPid { get; private set; }

    /// <summary>Where the server came from, for the report.</summary>
    public string Origin => _local is null
        ? "existing server (--connection / ConnectionStrings__Postgres)"
        : $"private cluster started by LocalPostgres (Durable = true) in {_local.DataDirectory}";

    public static async Task<BenchDatabase> CreateAsync(string? connection, CancellationToken ct)
    {
        connection = string.IsNullOrWhiteSpace(connection) ? Environment.GetEnvironmentVariable("ConnectionStrings__Postgres") : connection;
        LocalPostgres? local = null;
        string server;
        if (!string.IsNullOrWhiteSpace(connection))
        {
            server = connection;
        }
        else
        {
            var dir = Path.Combine(RepositoryRoot(), ".pgdata", "bench");
            Log($"Starting a durable PostgreSQL cluster in {dir} ...");
            local = await LocalPostgres.StartAsync(new LocalPostgresOptions(dir) { DeleteOnDispose = true, Durable = true, MaxConnections = 200 }, ct);
            if (!local.OwnsServer)
                Log($"Note: reusing a server an earlier run left running in {local.DataDirectory}; stop it (pg_ctl -D ... stop) for a fresh cluster.");
            server = local.ConnectionString;
        }

        var database = new BenchDatabase(local, server);
        try
        {
            await using var connectionToServer = new NpgsqlConnection(database.MaintenanceConnectionString);
            await connectionToServer.OpenAsync(ct);
            await ExecuteAsync(connectionToServer, $"drop database if exists {DatabaseName} with (force)", ct);
            await ExecuteAsync(connectionToServer, $"create database {DatabaseName}", ct);
            await using var pid = new NpgsqlCommand("select pg_backend_pid()", connectionToServer);
            database.PostmasterPid = PostmasterOf((int)(await pid.ExecuteScalarAsync(ct))!);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    private string MaintenanceConnectionString =>
        new NpgsqlConnectionStringBuilder(_serverConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;

    /// <summary>
    /// The event store composed as the host composes it (background work off), with its schema
    /// migrated. <paramref name="configure"/> registers the benchmark's event types, projections etc.
    /// </summary>
    /// <param name="npgsqlSettings">Extra connection-string settings for the store's data source (to try tunings without changing src/).</param>
    public async Task<ServiceProvider> StartEventingAsync(Action<EventingOptions> configure, CancellationToken ct, string? npgsqlSettings = null)
    {
        var connectionString = string.IsNullOrWhiteSpace(npgsqlSettings)
            ? ConnectionString
            : new NpgsqlConnectionStringBuilder($"{ConnectionString};{npgsqlSettings}").ConnectionString;
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEventing(connectionString, o =>
        {
            o.RunProjections = false;
            o.RunDelivery = false;
            configure(o);
        });
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync(ct);
        return provider;
    }

    /// <summary>
    /// Starts what runs the async projections (docs/adr/0015): Wolverine's runtime, which assigns the
    /// projections' Marten subscriptions to this node and runs them (and delivers messages when
    /// RunDelivery), the commit notifications that wake Marten's daemon, and the catch-up after a rebuild.
    /// Stops them when disposed.
    /// </summary>
    public static async Task<IAsyncDisposable> StartBackgroundWorkAsync(ServiceProvider services, CancellationToken ct)
    {
        var hosted = services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
            .Where(s => s is Allmende.Eventing.Notifications.NotificationListener or Allmende.Eventing.Notifications.CommitSignals
                or Allmende.Eventing.Projections.ProjectionCatchUp or Wolverine.Runtime.IWolverineRuntime)
            .ToList();
        foreach (var service in hosted)
            await service.StartAsync(ct);
        return new Stopping(hosted);
    }

    private sealed class Stopping(List<Microsoft.Extensions.Hosting.IHostedService> hosted) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var service in Enumerable.Reverse(hosted))
                await service.StopAsync(CancellationToken.None);
        }
    }

    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await ExecuteAsync(connection, sql, ct);
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>What <see cref="RaisePriorityAsync"/> did, for the report.</summary>
    public string Priority { get; private set; } = "normal (nice 0)";

    /// <summary>
    /// On a shared machine others' builds and tests take turns with the benchmark; a higher priority
    /// (lower nice value) for this process (all its threads, and so pgbench, which it starts) and for
    /// the cluster it started itself (postmaster and children, and so every later backend) keeps
    /// their share small. Needs root; an existing server is left alone.
    /// </summary>
    public async Task RaisePriorityAsync(int nice, CancellationToken ct)
    {
        if (nice >= 0 || Environment.UserName != "root" || !OperatingSystem.IsLinux()) return;
        var ids = Directory.GetDirectories($"/proc/{Environment.ProcessId}/task").Select(Path.GetFileName).ToList();
        var server = _local is { OwnsServer: true } && PostmasterPid > 0;
        if (server)
        {
            ids.Add(PostmasterPid.ToString(CultureInfo.InvariantCulture));
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    if (int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture) == PostmasterPid)
                        ids.Add(Path.GetFileName(dir));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { }
            }
        }
        var start = new ProcessStartInfo("renice") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["-n", nice.ToString(CultureInfo.InvariantCulture), "-p", .. ids!]) start.ArgumentList.Add(a!);
        try
        {
            using var process = Process.Start(start);
            if (process is null) return;
            await process.WaitForExitAsync(ct);
            if (process.ExitCode == 0)
                Priority = $"nice {nice} for the bench process and pgbench{(server ? " and the server" : "")} (the machine may be shared)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // no renice: run at normal priority
        }
    }

    /// <summary>
    /// Vacuums and analyzes what earlier phases wrote, then flushes dirty pages, so that no phase pays
    /// for the previous one's autovacuum or checkpoint.
    /// </summary>
    public async Task SettleAsync(CancellationToken ct)
    {
        await ExecuteAsync("vacuum (analyze)", ct);
        await ExecuteAsync("checkpoint", ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    // Waiting for quiet must not make a verb run for minutes on a machine that stays busy.
    private TimeSpan _quietBudget = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Waits (at most <paramref name="limit"/>, and at most 20 s over the whole run) until the machine
    /// is nearly idle, so that others' builds and tests on this small machine do not distort the next
    /// phase. The report's "others" column shows what was left.
    /// </summary>
    public async Task WaitForQuietAsync(TimeSpan limit, CancellationToken ct)
    {
        var waited = TimeSpan.Zero;
        while (true)
        {
            var before = CpuSnapshot.Take(PostmasterPid);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var busy = CpuSnapshot.Take(PostmasterPid).Since(before);
            if (!busy.Known || busy.OthersShare < 0.10) return;
            if (waited >= limit || _quietBudget <= TimeSpan.Zero)
            {
                Log($"  the machine is still {busy.OthersShare:P0} busy with other work; measuring anyway (see the 'Others' column).");
                return;
            }
            if (waited == TimeSpan.Zero) Log($"  the machine is {busy.OthersShare:P0} busy with other work; waiting for quiet ...");
            waited += TimeSpan.FromSeconds(1);
            _quietBudget -= TimeSpan.FromSeconds(1);
        }
    }

    private static int PostmasterOf(int backendPid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{backendPid}/stat");
            var ppid = int.Parse(text[(text.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            return File.ReadAllText($"/proc/{ppid}/comm").Trim() is "postgres" or "postmaster" ? ppid : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0; // the server runs elsewhere (or in a container)
        }
    }

    // ---- machine and server, for the report ----

    public async Task<IReadOnlyList<(string Name, string Value)>> DescribeAsync(CancellationToken ct)
    {
        var settings = new List<string>();
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var name in new[] { "fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "shared_buffers", "max_wal_size" })
            {
                await using var command = new NpgsqlCommand($"show {name}", connection);
                settings.Add($"{name}={await command.ExecuteScalarAsync(ct)}");
            }
        }
        var version = await ScalarAsync<string>("select version()", ct);
        return
        [
            ("Date", DateTimeOffset.Now.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)),
            ("CPU", $"{Environment.ProcessorCount} logical cores (nproc){(CpuModel() is { } model ? ", " + model : "")}"),
            ("RAM", MemoryTotal() ?? "unknown"),
            ("OS", RuntimeInformation.OSDescription),
            (".NET", $"{RuntimeInformation.FrameworkDescription}, {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")} GC" +
                (RuntimeVariables() is { Length: > 0 } variables ? $", {variables}" : "")),
            ("PostgreSQL", version),
            ("Server", Origin),
            ("Priority", Priority),
            ("Server settings", string.Join(", ", settings)),
            ("Client and server", "same machine, TCP over 127.0.0.1"),
        ];
    }

    /// <summary>DOTNET_ settings in the environment, which change how the runtime behaves (and so the figures).</summary>
    private static string RuntimeVariables() => string.Join(", ", Environment.GetEnvironmentVariables().Keys.Cast<string>()
        .Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal)
            && !new[] { "DOTNET_CLI_", "DOTNET_ROOT", "DOTNET_NOLOGO", "DOTNET_GENERATE_ASPNET_CERTIFICATE", "DOTNET_HOST_PATH" }
                .Any(p => k.StartsWith(p, StringComparison.Ordinal)))
        .Order(StringComparer.Ordinal)
        .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}"));

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string? MemoryTotal()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return kb > 0 ? $"{kb / 1024.0 / 1024.0:0.0} GiB" : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    // ---- pgbench ----

    /// <summary>
    /// Runs <paramref name="script"/> with pgbench against the benchmark database:
    /// <c>pgbench -n -f script.sql -c N -j N -T secs</c> (or <c>-t count</c>), logging every
    /// transaction's latency so that percentiles are computed the same way as for the store.
    /// <paramref name="protocol"/>: pgbench's -M (simple, extended, prepared); null leaves its default (simple).
    /// </summary>
    public async Task<PgbenchResult> PgbenchAsync(string script, int clients, TimeSpan? duration, int? transactionsPerClient, CancellationToken ct,
        string? protocol = null)
    {
        var pgbench = FindPgbench() ?? throw new InvalidOperationException("pgbench not found (install postgresql-client or postgresql-contrib).");
        var work = Directory.CreateTempSubdirectory("allmende-pgbench-");
        try
        {
            var scriptFile = Path.Combine(work.FullName, "script.sql");
            await File.WriteAllTextAsync(scriptFile, script, ct);
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            var arguments = new List<string>
            {
                "-n", "-f", scriptFile, "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", clients.ToString(CultureInfo.InvariantCulture),
                "-l", $"--log-prefix={Path.Combine(work.FullName, "log")}",
                "-h", builder.Host ?? "127.0.0.1", "-p", builder.Port.ToString(CultureInfo.InvariantCulture),
                "-U", builder.Username ?? "postgres", DatabaseName,
            };
            if (protocol is not null)
                arguments.InsertRange(0, ["-M", protocol]);
            if (duration is { } d)
                arguments.InsertRange(0, ["-T", ((int)Math.Ceiling(d.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]);
            else
                arguments.InsertRange(0, ["-t", (transactionsPerClient ?? 1).ToString(CultureInfo.InvariantCulture)]);

            var start = new ProcessStartInfo(pgbench) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in arguments) start.ArgumentList.Add(a);
            if (!string.IsNullOrEmpty(builder.Password)) start.Environment["PGPASSWORD"] = builder.Password;

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {pgbench}");
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            var output = await stdout;
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"pgbench failed ({process.ExitCode}):\n{output}\n{await stderr}");

            var tps = double.Parse(TpsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var processed = long.Parse(ProcessedLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
            var latencies = new Latencies();
            foreach (var log in work.GetFiles("log.*"))
            {
                foreach (var line in File.ReadLines(log.FullName))
                {
                    // client_id transaction_no time(µs) script_no time_epoch time_us
                    var fields = line.Split(' ', 4);
                    if (fields.Length >= 3 && long.TryParse(fields[2], CultureInfo.InvariantCulture, out var micros))
                        latencies.Add(micros / 1000.0);
                }
            }
            return new PgbenchResult(tps, processed, latencies);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public static string? FindPgbench()
    {
        var candidates = new List<string>();
        if (LocalPostgres.FindBinDirectory() is { } bin) candidates.Add(Path.Combine(bin, "pgbench"));
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "pgbench")));
        candidates.Add("/usr/bin/pgbench");
        return candidates.FirstOrDefault(File.Exists);
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();

    [GeneratedRegex(@"number of transactions actually processed: ([0-9]+)")]
    private static partial Regex ProcessedLine();

    // ---- the rest ----

    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static string RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Allmende.slnx")))
                    return dir.FullName;
            }
        }
        return Environment.CurrentDirectory;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var connection = new NpgsqlConnection(MaintenanceConnectionString);
            await connection.OpenAsync();
            await ExecuteAsync(connection, $"drop database if exists {DatabaseName} with (force)", CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            Log($"Could not drop {DatabaseName}: {e.Message}");
        }
        if (_local is not null)
            await _local.DisposeAsync();
    }
}

internal sealed record PgbenchResult(double Tps, long Transactions, Latencies Latencies);
