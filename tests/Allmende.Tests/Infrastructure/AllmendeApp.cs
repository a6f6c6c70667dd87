using Allmende.Eventing;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
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

    public AllmendeApp()
    {
    }

    internal AllmendeApp(string connectionString, bool runBackgroundWork)
    {
        _connectionString = connectionString;
        _runBackgroundWork = runBackgroundWork;
    }

    public const string AdminKey = "test-admin-key";

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("The database is created in InitializeAsync.");

    public EventStore Store => Services.GetRequiredService<EventStore>();

    public NpgsqlDataSource DataSource => Services.GetRequiredService<NpgsqlDataSource>();

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

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        builder.UseSetting("Eventing:RunProjections", _runBackgroundWork.ToString());
        builder.UseSetting("Eventing:RunDelivery", _runBackgroundWork.ToString());
        builder.UseSetting("Eventing:PollInterval", "00:00:00.200");
        builder.UseSetting("Eventing:TakeoverInterval", "00:00:00.300");
        builder.UseSetting("Allmende:BootstrapAdminKey", AdminKey);
        builder.UseSetting("Eventing:LongTransactionThreshold", "00:00:01");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        builder.ConfigureServices(services =>
        {
            services.Configure<EventingOptions>(_ => { });
            ConfigureServices(services);
        });
    }
}
