using System.CommandLine;
using System.Diagnostics;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Allmende.Bench;

/// <summary>
/// `messages`: commit-to-handler latency of one published message per commit on Wolverine's durable
/// local queues (docs/adr/0015; our outbox, the other side until step 3 (c), is gone).
/// </summary>
internal static class MessagesBenchmark
{
    public static Command Command(CommonOptions common)
    {
        var rate = new Option<int>("--rate") { Description = "Commits per second, each with one event and one message.", DefaultValueFactory = _ => 200 };
        var duration = new Option<int>("--duration") { Description = "Seconds of steady load per bus.", DefaultValueFactory = _ => 20 };
        var command = new Command("messages", "Commit-to-handler latency on Wolverine's durable local queues.") { rate, duration };
        command.SetAction(async (parse, ct) =>
        {
            Console.Out.Write(await RunAsync(parse.GetValue(common.Connection), parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(duration)), ct));
            return 0;
        });
        return command;
    }

    private static async Task<string> RunAsync(string? connection, int rate, TimeSpan duration, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var results = new List<(string Bus, ProjectionsBenchmark.LatencyResult Result)>();
        IReadOnlyList<(string, string)> facts = [];
        foreach (var bus in new[] { "Wolverine (durable local queue)" })
        {
            await using var database = await BenchDatabase.CreateAsync(connection, ct);
            await using var services = await database.StartEventingAsync(o =>
            {
                o.Types.Register<Counted>("bench.counted").Register<Pinged>("bench.pinged");
                o.AddHandlers(typeof(MessagesBenchmark).Assembly);
                o.RunDelivery = true;
                o.AuditChain = false;
            }, ct);
            facts = await database.DescribeAsync(ct);
            var hosted = services.GetServices<IHostedService>().ToList();
            foreach (var service in hosted)
                await service.StartAsync(ct);
            try
            {
                BenchDatabase.Log($"{bus}: {rate}/s for {duration.TotalSeconds:0} s ...");
                results.Add((bus, await ProjectionsBenchmark.LatencyAsync(services.GetRequiredService<EventStore>(), rate, duration, ct)));
            }
            finally
            {
                foreach (var service in Enumerable.Reverse(hosted))
                    await service.StopAsync(CancellationToken.None);
            }
        }

        var args = new List<string>();
        if (rate != 200) args.Add($"--rate {rate}");
        if (duration != TimeSpan.FromSeconds(20)) args.Add($"--duration {duration.TotalSeconds:0}");
        return new Markdown()
            .Line("```")
            .Line($"dotnet run -c Release --project bench/Allmende.Bench -- messages{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
            .Line("```")
            .Line()
            .Facts(facts.Append(("Run time of the verb", $"{total.Elapsed.TotalSeconds:0} s")))
            .Line($"Commit-to-handler latency: {rate} commits/s for {duration.TotalSeconds:0} s per bus, each one event and one published message " +
                  "(one handler, one host); from the return of `CommitAsync` to the start of the handler. Each bus on a fresh database of the same cluster.")
            .Line()
            .Table(["Bus", "Messages", "Achieved rate", "p50", "p99", "max"],
                [.. results.Select(r => new[]
                {
                    r.Bus, Markdown.Number(r.Result.Messages), Markdown.Number(r.Result.AchievedRate, "#,0.0") + "/s",
                    r.Result.Latencies.Format(50), r.Result.Latencies.Format(99), Latencies.FormatMs(r.Result.MaxMs),
                })], "lrrrrr")
            .ToString();
    }
}
