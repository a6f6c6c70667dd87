using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Allmende.Bench;

/// <summary>
/// The real host (src/Host, built in the bench's own configuration through the project reference)
/// run as a child process in the Production environment on a loopback port, against the benchmark
/// database: Kestrel, the middleware, authentication and the modules exactly as deployed. A process
/// of its own, so that its CPU is told apart from the load generator's and the server's.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(Process process, Uri address, string adminKey, string dll)
    {
        _process = process;
        Address = address;
        AdminKey = adminKey;
        Dll = dll;
    }

    public Uri Address { get; }

    /// <summary>The bootstrap admin key the host was started with (made up per run).</summary>
    public string AdminKey { get; }

    public string Dll { get; }

    public int Pid => _process.Id;

    /// <summary>The configuration this bench was built in; the host is built in the same through the project reference.</summary>
    public const string Configuration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    public static string DefaultDll(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "src", "Host", "bin", Configuration, "net10.0", "Allmende.Host.dll");

    public static async Task<HostProcess> StartAsync(string dll, string connectionString, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        if (!File.Exists(dll))
            throw new InvalidOperationException($"The host is not built at {dll} (dotnet build -c {Configuration} src/Host, or give --host-dll).");
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var adminKey = "bench-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

        var start = new ProcessStartInfo(Dotnet())
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/');
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Allmende__BootstrapAdminKey"] = adminKey;
        start.Environment["Allmende__TokenSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        foreach (var (name, value) in settings)
            start.Environment[name] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the host");
        var host = new HostProcess(process, address, adminKey, dll);
        process.OutputDataReceived += (_, e) => host.Collect(e.Data);
        process.ErrorDataReceived += (_, e) => host.Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await host.WaitUntilReadyAsync(ct);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    private void Collect(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            // Only the start and any trouble matter; a bounded tail keeps a long run's memory flat.
            if (_output.Length > 64_000) _output.Remove(0, 32_000);
            _output.AppendLine(line);
        }
    }

    /// <summary>What the host printed (the tail), for error reports.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The host exited ({_process.ExitCode}):\n{Output}");
            try
            {
                using var response = await client.GetAsync("/health/ready", ct);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                // busy migrating
            }
            await Task.Delay(200, ct);
        }
        throw new TimeoutException($"The host did not become ready within 120 s:\n{Output}");
    }

    /// <summary>CPU seconds (user + system) the host process has used so far; 0 where /proc is missing.</summary>
    public double CpuSeconds() => CpuSnapshot.ProcessSeconds(_process.Id);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet executable of the runtime this bench runs on (…/dotnet/shared/Microsoft.NETCore.App/x.y.z/ → …/dotnet/dotnet).</summary>
    private static string Dotnet()
    {
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM: the host stops its workers and closes its connections before the database is dropped.
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                try
                {
                    using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
                    if (kill is not null) await kill.WaitForExitAsync(CancellationToken.None);
                }
                catch (System.ComponentModel.Win32Exception)
                {
                    // no kill(1): Kill below after the timeout
                }
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        _process.Dispose();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Dll} (pid {Pid}) on {Address}");
}
