using Allmende.Host.Access;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Npgsql;

namespace Allmende.Host.DemoData;

/// <summary>
/// Seeds the demo data once the server listens: on first start in Development, or anywhere with
/// Allmende:DemoData=true (Allmende:DemoData=false turns it off in Development). Then prints the
/// keys a person needs, last and framed, so they do not scroll away above the start-up log.
/// </summary>
internal sealed class DemoDataOnStart(
    IConfiguration configuration,
    IHostEnvironment environment,
    IHostApplicationLifetime lifetime,
    IServer server,
    BootstrapAdminKey adminKey,
    NpgsqlDataSource database,
    TimeProvider time,
    ILogger<DemoDataOnStart> logger) : BackgroundService
{
    /// <summary>Whether this host seeds the demo data (on an empty database).</summary>
    public static bool Wanted(IConfiguration configuration, IHostEnvironment environment) =>
        configuration.GetValue<bool?>("Allmende:DemoData") ?? environment.IsDevelopment();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var wanted = Wanted(configuration, environment);
        if (adminKey.Value is null || (!wanted && !adminKey.MadeUp))
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

        List<string> lines = [$"Allmende is ready: {local}   (API page: {new Uri(local, "api-docs")})"];
        if (adminKey.MadeUp)
            lines.Add($"Admin API key:  {adminKey.Value}   (set Allmende__BootstrapAdminKey to choose your own)");
        if (wanted)
        {
            using var client = new HttpClient { BaseAddress = local };
            client.DefaultRequestHeaders.Add("X-Api-Key", adminKey.Value);
            try
            {
                var summary = await DemoData.SeedAsync(client, time, stoppingToken);
                if (summary is null)
                {
                    lines.Add("Demo data: there already (the member key was printed on the first start; delete .pgdata/dev for a fresh one).");
                }
                else
                {
                    lines.Add($"Member API key: {summary.MemberKey}   (Mira Beispiel, Initiative Kiezkiosk)");
                    lines.Add($"Demo data: {summary.Sites} sites, {summary.Spaces} spaces, {summary.Organisations} organisations, {summary.People} people, {summary.Bookings} bookings.");
                    lines.AddRange(await DemoSignIns.LinesAsync(client, stoppingToken));
                }
                await DeliveriesSettledAsync(stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException)
            {
                logger.LogError(e, "Seeding the demo data failed");
                lines.Add("Demo data: seeding failed, see the log above.");
            }
        }

        var rule = new string('=', Math.Min(100, lines.Max(l => l.Length)));
        Console.WriteLine(string.Join(Environment.NewLine, ["", rule, .. lines, rule, ""]));
    }

    /// <summary>
    /// The seeding's messages reach the other modules within moments, with a few expected retries:
    /// waiting for them (a bounded while) keeps their log lines above the keys instead of below.
    /// </summary>
    private async Task DeliveriesSettledAsync(CancellationToken ct)
    {
        var deadline = time.GetUtcNow().AddSeconds(15);
        while (time.GetUtcNow() < deadline)
        {
            // Retries come back within seconds; what is due later (reminders, expiries) is no part of seeding.
            // Messages travel on Wolverine (docs/adr/0015): an envelope waits while 'Incoming' (retries included).
            await using var command = database.CreateCommand("""
                select exists (select 1 from wolverine.wolverine_incoming_envelopes
                               where status = 'Incoming' or (status = 'Scheduled' and execution_time <= now() + interval '30 seconds'))
                """);
            if (await command.ExecuteScalarAsync(ct) is false)
                return;
            await Task.Delay(100, ct);
        }
    }
}
