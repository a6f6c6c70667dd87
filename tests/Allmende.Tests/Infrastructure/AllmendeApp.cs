using Allmende.Eventing;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using System.Net.Http.Json;
using Npgsql;

namespace Allmende.Tests.Infrastructure;

/// <summary>
/// The real host over HTTP on its own real database. Subclasses add test-only events, projections
/// and handlers through <see cref="ConfigureServices"/>.
/// </summary>
public class AllmendeApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    private string? _connectionString;
    private readonly bool _runBackgroundWork = true;
    private readonly Dictionary<string, string?> _settings = [];

    // Each host would otherwise watch its appsettings and content files with inotify, and a machine
    // allows 128 inotify instances per user: with many hosts alive (the suite's, a helper's, a second
    // run) starting one failed. Tests never edit those files while a host runs.
    static AllmendeApp()
    {
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        Environment.SetEnvironmentVariable("DOTNET_USE_POLLING_FILE_WATCHER", "true");
    }

    public AllmendeApp()
    {
    }

    internal AllmendeApp(string connectionString, bool runBackgroundWork)
    {
        _connectionString = connectionString;
        _runBackgroundWork = runBackgroundWork;
    }

    public const string AdminKey = "test-admin-key";

    /// <summary>What this host logged during the current test, printed only if it fails.</summary>
    public HostLog Log { get; } = new();

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    public EventStore Store => Services.GetRequiredService<EventStore>();

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

    /// <summary>A client with the bootstrap admin key.</summary>
    public HttpClient AdminClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return client;
    }

    /// <summary>
    /// A client with a real API key of <paramref name="role"/>, issued through the API (member keys are
    /// bound to a person, funder keys to a funder; registered through the API when not given, since keys
    /// are issued only for principals that exist).
    /// </summary>
    public async Task<HttpClient> ClientAsync(string role, Guid? personId = null, Guid? funderId = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", await KeyAsync(role, personId, funderId));
        return client;
    }

    /// <summary>A real API key of <paramref name="role"/> (see <see cref="ClientAsync"/>).</summary>
    public async Task<string> KeyAsync(string role, Guid? personId = null, Guid? funderId = null)
    {
        using var admin = AdminClient();
        var response = await admin.PostAsJsonAsync("/api/access/keys", new
        {
            name = $"test {role}",
            role,
            personId = role == Allmende.Eventing.Api.Roles.Member ? personId ?? await PersonAsync() : personId,
            funderId = role == Allmende.Eventing.Api.Roles.Funder ? funderId ?? await FunderAsync() : (Guid?)null,
        });
        response.EnsureSuccessStatusCode();
        var issued = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        return issued.GetProperty("key").GetString()!;
    }

    /// <summary>A person registered through the API (acting for no organisation yet).</summary>
    public async Task<Guid> PersonAsync(string name = "Jonas Ehrenamt")
    {
        using var admin = AdminClient();
        var response = await admin.PostAsJsonAsync("/api/people", new { name, email = $"person.{Guid.NewGuid():N}@example.org" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A funder registered through the API.</summary>
    public async Task<Guid> FunderAsync(string name = "Stiftung Nachbarschaft")
    {
        using var admin = AdminClient();
        var response = await admin.PostAsJsonAsync("/api/funding/funders", new { name, kind = "foundation", contact = new { office = "Programm" } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Sets a configuration value before the host starts.</summary>
    public AllmendeApp With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    private bool _ownsDatabase;

    public virtual async Task InitializeAsync()
    {
        if (_connectionString is null)
        {
            _connectionString = await TestPostgres.CreateDatabaseAsync();
            _ownsDatabase = true;
        }
    }

    /// <summary>Starts the host (the factory otherwise starts lazily on first use).</summary>
    public Task StartAsync()
    {
        _ = Services;
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_ownsDatabase)
            await TestPostgres.DropDatabaseAsync(ConnectionString);
    }

    /// <summary>
    /// Whether this host's tests wait on Wolverine's durability agent: a scheduled message coming due (an offer's
    /// expiry, a no-show check, a reminder), a retry, a dead letter, or the envelopes of a node that died. Such a
    /// host polls every 200 ms instead of production's second, so that the waits stay short.
    /// </summary>
    protected virtual bool WaitsOnScheduledMessages => false;

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    // bench/suite-cpu.sh counts the suite's host starts (issue 13 item 6: each start costs seconds of CPU).
    private static readonly string? HostStartsFile = Environment.GetEnvironmentVariable("ALLMENDE_TEST_HOST_STARTS");
    private static readonly Lock HostStartsLock = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        if (HostStartsFile is not null)
            lock (HostStartsLock)
                File.AppendAllText(HostStartsFile, GetType().Name + Environment.NewLine);
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        builder.UseSetting("Eventing:RunProjections", _runBackgroundWork.ToString());
        builder.UseSetting("Eventing:RunDelivery", _runBackgroundWork.ToString());
        // Wolverine's durability agent (its recovery batch and its scheduled-message poll, each through its message
        // pipeline) and Marten's high-water agent poll every Eventing:PollInterval on every live host: at 200 ms an idle
        // test host cost three times the CPU of one before the move (issue 13 item 6). Commits wake the projections and
        // local queues deliver at once, whatever the interval; only what the durability agent brings waits for its poll.
        // So hosts poll as production does (1 s), and those whose tests wait on the agent every 200 ms.
        if (WaitsOnScheduledMessages)
            builder.UseSetting("Eventing:PollInterval", "00:00:00.200");
        builder.UseSetting("Allmende:BootstrapAdminKey", AdminKey);
        builder.UseSetting("Eventing:LongTransactionThreshold", "00:00:01");
        // Wolverine's leader is elected and assigns the durability agent and the projections' subscriptions
        // one health check after start (2 s by default): most tests' first projected read or handled message
        // waited for that. A shorter check, as a deployment that wants prompt start and takeover may choose.
        builder.UseSetting("Eventing:NodeHealthInterval", "00:00:00.500");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        // Not the console: a green run prints test names only (HostLogsOnFailure).
        builder.ConfigureLogging(logging => logging.ClearProviders().AddProvider(Log));
        builder.ConfigureServices(services =>
        {
            services.Configure<EventingOptions>(_ => { });
            ConfigureServices(services);
        });
    }
}
