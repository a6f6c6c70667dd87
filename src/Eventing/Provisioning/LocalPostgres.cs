using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Allmende.Eventing.Provisioning;

public sealed record LocalPostgresOptions(string DataDirectory)
{
    /// <summary>Throwaway clusters for tests.</summary>
    public bool DeleteOnDispose { get; init; }

    /// <summary>False trades crash safety for speed (fsync, synchronous_commit, full_page_writes off): tests only.</summary>
    public bool Durable { get; init; } = true;

    public int MaxConnections { get; init; } = 200;
}

/// <summary>No PostgreSQL to be had; the message names the one command that fixes it on this machine.</summary>
public sealed class PostgresUnavailableException(string reason) : Exception(
    $"PostgreSQL is not available: {reason}{Environment.NewLine}" +
    $"Fix: {PostgresFix.ForThisMachine()}{Environment.NewLine}" +
    "(or set ConnectionStrings__Postgres to a server you have)");

/// <summary>
/// A private PostgreSQL cluster run from the machine's own binaries, so that `dotnet run` and
/// `dotnet test` need neither Docker nor a configured server.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable, IDisposable
{
    public const int MinimumMajorVersion = 15;
    // The binaries refuse to run as root; as root we run them as the user Debian's package creates.
    private const string ServerUser = "postgres";
    private static readonly TimeSpan ShortCommand = TimeSpan.FromSeconds(30);

    private readonly string _pgCtl;
    private readonly bool _deleteOnDispose;
    private int _disposed;

    private LocalPostgres(string binDirectory, string dataDirectory, int port, bool ownsServer, bool deleteOnDispose)
    {
        _pgCtl = Path.Combine(binDirectory, "pg_ctl");
        DataDirectory = dataDirectory;
        Port = port;
        OwnsServer = ownsServer;
        _deleteOnDispose = deleteOnDispose;
    }

    public string ConnectionString => ConnectionStringFor(Port);
    public int Port { get; }
    public string DataDirectory { get; }
    public bool OwnsServer { get; }

    private static bool IsRoot => Environment.UserName == "root"; // .NET derives it from geteuid()

    public static async Task<LocalPostgres> StartAsync(LocalPostgresOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var bin = FindBinDirectory() ?? throw new PostgresUnavailableException(
            $"no PostgreSQL >= {MinimumMajorVersion} binaries found (pg_ctl on PATH or /usr/lib/postgresql/*/bin/pg_ctl).");
        var requested = Path.GetFullPath(options.DataDirectory);
        var dataDirectory = IsRoot ? await ReachableByServerUserAsync(requested, ct) : requested;

        // A host restarted during development finds the server of its previous run still there.
        if (LiveServer(dataDirectory) is not null)
            return new(bin, dataDirectory, await WaitForConnectionsAsync(dataDirectory, ct), ownsServer: false, options.DeleteOnDispose);

        await InitializeClusterAsync(bin, dataDirectory, ct);
        // Nothing live holds it (LiveServer said so); a pid reused by another process would make postgres refuse.
        File.Delete(Path.Combine(dataDirectory, "postmaster.pid"));

        var pgCtl = Path.Combine(bin, "pg_ctl");
        var log = Path.Combine(dataDirectory, "server.log");
        for (var attempt = 1; ; attempt++)
        {
            var logOffset = File.Exists(log) ? new FileInfo(log).Length : 0;
            var started = await RunAsync(pgCtl,
                ["-D", dataDirectory, "-l", log, "-w", "-t", "60", "-o", ServerOptions(options, dataDirectory, FreeLoopbackPort()), "start"],
                TimeSpan.FromSeconds(90), ct);
            if (started.ExitCode == 0)
                return new(bin, dataDirectory, await WaitForConnectionsAsync(dataDirectory, ct), ownsServer: true, options.DeleteOnDispose);

            var reason = LogTail(log, logOffset);
            // Between probing a free port and the server binding it, someone else may have taken it.
            if (attempt < 3 && reason.Contains("could not bind", StringComparison.OrdinalIgnoreCase))
                continue;
            // A timed-out start can leave a server behind that nobody will stop.
            await RunAsync(pgCtl, ["-D", dataDirectory, "-m", "immediate", "stop"], ShortCommand, CancellationToken.None);
            throw new PostgresUnavailableException(
                $"the server in {dataDirectory} did not start: {started.Output}{Environment.NewLine}{reason}");
        }
    }

    /// <summary>The directory holding pg_ctl, initdb and postgres of version 15 or later; null if there is none.</summary>
    public static string? FindBinDirectory()
    {
        var candidates = new List<string>();
        // Symlinks (/usr/local/bin/pg_ctl -> /usr/lib/postgresql/15/bin/pg_ctl) lead to the directory with initdb and postgres.
        if (FindOnPath(Executable("pg_ctl")) is { } onPath && Path.GetDirectoryName(File.ResolveLinkTarget(onPath, true)?.FullName ?? onPath) is { } dir)
            candidates.Add(dir);
        // Where the packages of the commands PostgresFix names put them without touching PATH:
        // Debian's postgresql, Homebrew's keg-only postgresql@N, the EDB installer winget runs.
        (string Parent, string Pattern)[] installs = OperatingSystem.IsWindows()
            ? [(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles), "PostgreSQL"), "*")]
            : [("/usr/lib/postgresql", "*"), ("/opt/homebrew/opt", "postgresql@*"), ("/usr/local/opt", "postgresql@*")];
        candidates.AddRange(installs
            .Where(i => Directory.Exists(i.Parent))
            .SelectMany(i => Directory.GetDirectories(i.Parent, i.Pattern))
            .OrderByDescending(d => int.TryParse(new string(Path.GetFileName(d).SkipWhile(ch => !char.IsAsciiDigit(ch)).TakeWhile(char.IsAsciiDigit).ToArray()), out var major) ? major : 0)
            .Select(d => Path.Combine(d, "bin")));
        return candidates.FirstOrDefault(d =>
            new[] { "pg_ctl", "initdb", "postgres" }.All(b => File.Exists(Path.Combine(d, Executable(b))))
            && MajorVersion(Path.Combine(d, Executable("pg_ctl"))) >= MinimumMajorVersion);
    }

    private static string Executable(string name) => OperatingSystem.IsWindows() ? name + ".exe" : name;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (OwnsServer)
            {
                var stopped = await RunAsync(_pgCtl, ["-D", DataDirectory, "-m", "fast", "-w", "stop"], TimeSpan.FromSeconds(60), CancellationToken.None);
                if (stopped.ExitCode != 0)
                    await Console.Error.WriteLineAsync($"LocalPostgres: stopping the server in {DataDirectory} failed: {stopped.Output}");
            }
            // Never pull the directory from under a server someone else still runs.
            if (_deleteOnDispose && Directory.Exists(DataDirectory) && LiveServer(DataDirectory) is null)
                Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"LocalPostgres: disposing {DataDirectory} failed: {e.Message}");
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string ConnectionStringFor(int port) => $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres";

    private static async Task InitializeClusterAsync(string bin, string dataDirectory, CancellationToken ct)
    {
        if (File.Exists(Path.Combine(dataDirectory, "PG_VERSION"))) return;
        Directory.CreateDirectory(dataDirectory);
        if (IsRoot) await RunAsync("chown", [$"{ServerUser}:", dataDirectory], ShortCommand, ct, asServerUser: false);

        var initdb = Path.Combine(bin, "initdb");
        string[] common = ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8"];
        var result = await RunAsync(initdb, [.. common, "--locale=C.UTF-8"], TimeSpan.FromMinutes(2), ct);
        // Some systems (macOS, minimal images) lack the C.UTF-8 locale; initdb cleans up after itself on failure.
        if (result.ExitCode != 0)
            result = await RunAsync(initdb, [.. common, "--no-locale"], TimeSpan.FromMinutes(2), ct);
        if (result.ExitCode != 0)
            throw new PostgresUnavailableException($"initdb failed for {dataDirectory}: {result.Output}");
    }

    private static string ServerOptions(LocalPostgresOptions options, string dataDirectory, int port)
    {
        // Unix socket paths are limited to 107 bytes; a deep data directory gets TCP only (pg_ctl -w does not need the socket).
        var socketDirectory = Encoding.UTF8.GetByteCount(dataDirectory) + "/.s.PGSQL.65535".Length < 108 ? dataDirectory : "";
        List<string> settings = ["-c", "listen_addresses=127.0.0.1", "-p", port.ToString(), "-k", socketDirectory,
            "-c", $"max_connections={options.MaxConnections}"];
        if (!options.Durable)
            settings.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        // pg_ctl hands -o to /bin/sh.
        return string.Join(' ', settings.Select(ShellQuote));
    }

    /// <summary>As root, the server user must reach the data directory; if it cannot (say, under /root), use a stable place it can.</summary>
    private static async Task<string> ReachableByServerUserAsync(string requested, CancellationToken ct)
    {
        var existing = requested;
        while (!Directory.Exists(existing)) existing = Path.GetDirectoryName(existing) ?? "/";
        // Missing directories below `existing` are created by root, readable for all under the usual umask 022.
        if ((await RunAsync("test", ["-x", existing], ShortCommand, ct)).ExitCode == 0) return requested;

        const string parent = "/var/tmp/allmende-pg";
        Directory.CreateDirectory(parent);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(parent, (UnixFileMode)0b111_101_101); // root's umask may be 077
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(requested)))[..16];
        var fallback = Path.Combine(parent, hash);
        await Console.Error.WriteLineAsync($"LocalPostgres: user {ServerUser} cannot reach {requested}; using {fallback} instead.");
        return fallback;
    }

    /// <summary>The live postmaster of the directory, if any, with its port (0 while it is still starting).</summary>
    private static (int Pid, int Port)? LiveServer(string dataDirectory)
    {
        string[] lines;
        try { lines = File.ReadAllLines(Path.Combine(dataDirectory, "postmaster.pid")); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        // After a crash or a container restart the file outlives its process, and the pid may now belong to another one.
        if (lines.Length == 0 || !int.TryParse(lines[0], out var pid) || !IsPostgresProcess(pid)) return null;
        return (pid, lines.Length > 3 && int.TryParse(lines[3], out var port) ? port : 0);
    }

    private static bool IsPostgresProcess(int pid)
    {
        try
        {
            if (Directory.Exists("/proc/self"))
            {
                // "5071 (postgres) S 1 …": a zombie (Z) is dead too, and containers without an init may keep one around.
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var close = stat.LastIndexOf(')');
                return stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..close] is "postgres" or "postmaster" && stat[close + 2] != 'Z';
            }
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static async Task<int> WaitForConnectionsAsync(string dataDirectory, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var server = LiveServer(dataDirectory)
                ?? throw new PostgresUnavailableException($"the server in {dataDirectory} went away while starting:{Environment.NewLine}{LogTail(Path.Combine(dataDirectory, "server.log"), 0)}");
            if (server.Port > 0 && await AcceptsConnectionsAsync(server.Port, ct)) return server.Port;
            if (DateTime.UtcNow > deadline)
                throw new PostgresUnavailableException($"the server in {dataDirectory} (pid {server.Pid}) does not accept connections on 127.0.0.1:{server.Port}.");
            await Task.Delay(200, ct);
        }
    }

    private static async Task<bool> AcceptsConnectionsAsync(int port, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor(port) + ";Pooling=false;Timeout=3");
        try
        {
            await connection.OpenAsync(ct);
            return true;
        }
        // A refused login still proves the server is up; only "starting up" (57P03) and network errors mean wait.
        catch (PostgresException e) when (e.SqlState != PostgresErrorCodes.CannotConnectNow) { return true; }
        catch (NpgsqlException) { return false; }
    }

    private static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try { return ((IPEndPoint)listener.LocalEndpoint).Port; }
        finally { listener.Stop(); }
    }

    private static string LogTail(string log, long fromOffset)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(fromOffset, stream.Length), SeekOrigin.Begin);
            var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join(Environment.NewLine, lines.TakeLast(15));
        }
        catch (IOException) { return "(no server log)"; }
    }

    private static int? MajorVersion(string pgCtl)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(pgCtl, "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(10_000)) { process.Kill(); return null; }
            // "pg_ctl (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
            var text = output.GetAwaiter().GetResult();
            var at = text.IndexOf("(PostgreSQL) ", StringComparison.Ordinal);
            var digits = at < 0 ? "" : new string(text[(at + 13)..].TakeWhile(char.IsAsciiDigit).ToArray());
            return int.TryParse(digits, out var major) ? major : null;
        }
        catch (Win32Exception) { return null; }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"])
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private readonly record struct CommandResult(int ExitCode, string Output);

    private static async Task<CommandResult> RunAsync(
        string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct, bool asServerUser = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The caller's directory (say, /root) may be closed to the server user, which makes the binaries complain.
            WorkingDirectory = "/",
        };
        if (asServerUser && IsRoot && FindOnPath("runuser") is { } runuser)
        {
            start.FileName = runuser;
            foreach (var a in (string[])["-u", ServerUser, "--", file, .. arguments]) start.ArgumentList.Add(a);
        }
        else if (asServerUser && IsRoot)
        {
            start.FileName = "su";
            foreach (var a in (string[])[ServerUser, "-s", "/bin/sh", "-c", string.Join(' ', new[] { file }.Concat(arguments).Select(ShellQuote))])
                start.ArgumentList.Add(a);
        }
        else
        {
            start.FileName = file;
            foreach (var a in arguments) start.ArgumentList.Add(a);
        }

        Process process;
        try { process = Process.Start(start) ?? throw new PostgresUnavailableException($"could not run {file}."); }
        catch (Win32Exception e) { throw new PostgresUnavailableException($"could not run {start.FileName}: {e.Message}"); }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timer.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(timer.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                ct.ThrowIfCancellationRequested();
                throw new PostgresUnavailableException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0}s.");
            }
            return new(process.ExitCode, ((await stdout) + (await stderr)).Trim());
        }
    }
}
