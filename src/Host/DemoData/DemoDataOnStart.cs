using Allmende.Host.Access;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Allmende.Host.DemoData;

/// <summary>
/// Seeds the demo data once the server listens: on first start in Development, or anywhere with
/// Allmende:DemoData=true (Allmende:DemoData=false turns it off in Development).
/// </summary>
internal sealed class DemoDataOnStart(
    IConfiguration configuration,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    IServer server,
    BootstrapAdminKey adminKey,
    TimeProvider time,
    ILogger<DemoDataOnStart> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wanted = configuration.GetValue<bool?>("Allmende:DemoData") ?? environment.IsDevelopment();
        if (!wanted || adminKey.Value is null)
            return;
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
            await started.Task.WaitAsync(stoppingToken);

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
            return; // not listening on a socket (the test server): tests seed through DemoData.SeedAsync
        var local = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)).Uri;
        using var client = new HttpClient { BaseAddress = local };
        client.DefaultRequestHeaders.Add("X-Api-Key", adminKey.Value);
        try
        {
            var summary = await DemoData.SeedAsync(client, time, stoppingToken);
            if (summary is null)
            {
                logger.LogInformation("Demo data: the database has sites already; nothing seeded");
                return;
            }
            Console.WriteLine($"Demo data: {summary.Sites} sites, {summary.Spaces} spaces, {summary.Organisations} organisations, {summary.People} people, {summary.Bookings} bookings.");
            Console.WriteLine($"Member API key (Mira Beispiel, Initiative Kiezkiosk): {summary.MemberKey}");
            await DemoSignIns.PrintAsync(client, stoppingToken);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
        {
            logger.LogError(e, "Seeding the demo data failed");
        }
    }
}
