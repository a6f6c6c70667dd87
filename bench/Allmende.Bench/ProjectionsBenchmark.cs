using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using Allmende.Eventing;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Notifications;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Allmende.Bench;

/// <summary>A message whose delivery the latency phase times.</summary>
internal sealed record Pinged(Guid Id);

/// <summary>Notes when each message reached its handler.</summary>
internal sealed class PingTimer
{
    public static ConcurrentDictionary<Guid, long> Handled { get; } = new();

    public Task Handle(Pinged message, MessageContext context, CancellationToken ct)
    {
        Handled.TryAdd(message.Id, Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    }
}

/// <summary>
/// A realistic async projection: events and last sequence per stream. It folds each batch in memory
/// and writes it with one statement, as a read model over a million events should.
/// </summary>
internal sealed class StreamTotalsProjection : IProjection
{
    public string Name => "bench-stream-totals";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(Counted)];

    public static IEnumerable<Migration> Migrations =>
    [
        new("bench", 1, "stream totals", """
            create schema if not exists bench;
            create table bench.stream_totals (stream_id text primary key, events int not null, numbers bigint not null, last_seq bigint not null);
            """),
    ];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        var totals = events.GroupBy(e => e.StreamId).Select(g => (Stream: g.Key, Count: g.Count(), Numbers: g.Sum(e => ((Counted)e.Data).Number), Last: g.Max(e => e.Sequence))).ToList();
        await using var command = context.Command("""
            insert into bench.stream_totals as t (stream_id, events, numbers, last_seq)
            select * from unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[])
            on conflict (stream_id) do update set events = t.events + excluded.events, numbers = t.numbers + excluded.numbers, last_seq = excluded.last_seq
            where t.last_seq < excluded.last_seq
            """, totals.Select(t => t.Stream).ToArray(), totals.Select(t => t.Count).ToArray(), totals.Select(t => t.Numbers).ToArray(), totals.Select(t => t.Last).ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bench.stream_totals");
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>
/// `projections`: (1) rebuilding an async projection over a million events, beside a plain
/// COPY (SELECT … FROM marten.mt_events ORDER BY seq_id) TO STDOUT of the same rows; (2) commit-to-handler
/// latency of outbox messages under a steady append load.
/// </summary>
internal sealed class ProjectionsBenchmark(ProjectionsBenchmark.Settings settings)
{
    internal sealed record Settings(string? Connection, int Events, int Streams, int BatchSize, int Rate, TimeSpan Duration);

    public static Command Command(CommonOptions common)
    {
        var events = new Option<int>("--events") { Description = "Events in the log to rebuild from.", DefaultValueFactory = _ => 1_000_000 };
        var streams = new Option<int>("--streams") { Description = "Streams they are spread over.", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch-size") { Description = "The daemon's batch size (Eventing:ProjectionBatchSize).", DefaultValueFactory = _ => 5_000 };
        var rate = new Option<int>("--rate") { Description = "Commits per second (each with one event and one message) in the latency phase.", DefaultValueFactory = _ => 200 };
        var duration = new Option<int>("--duration") { Description = "Seconds of steady load in the latency phase.", DefaultValueFactory = _ => 20 };
        var command = new Command("projections", "Projection rebuild rate vs. COPY, and commit-to-handler latency (issue 3).") { events, streams, batch, rate, duration };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(parse.GetValue(common.Connection), parse.GetValue(events), parse.GetValue(streams), parse.GetValue(batch),
                parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(duration)));
            Console.Out.Write(await new ProjectionsBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        await using var services = await database.StartEventingAsync(o =>
        {
            o.Types.Register<Counted>("bench.counted").Register<Pinged>("bench.pinged");
            o.AddMigrations(StreamTotalsProjection.Migrations);
            o.AddProjection<StreamTotalsProjection>(ProjectionLifecycle.Async);
            o.AddHandlers(typeof(ProjectionsBenchmark).Assembly);
            o.RunProjections = true;
            o.RunDelivery = true;
            // The audit chain is an async projection too: it must not compete with the one measured.
            o.AuditChain = false;
            o.ProjectionBatchSize = settings.BatchSize;
        }, ct);
        var facts = await database.DescribeAsync(ct);

        BenchDatabase.Log($"writing {settings.Events:#,0} events over {settings.Streams:#,0} streams ...");
        await GenerateAsync(database, ct);
        await database.ExecuteAsync("vacuum analyze marten.mt_events; checkpoint;", ct);

        BenchDatabase.Log("COPY baseline ...");
        var copy = await CopyAsync(database, ct);
        BenchDatabase.Log($"  {copy.Rows:#,0} rows in {copy.Elapsed.TotalSeconds:0.00} s");

        // Messages are delivered by Wolverine's durable local queues, and the async projections run on
        // Marten's daemon as subscriptions Wolverine assigns (docs/adr/0015): its runtime runs both.
        await using (await BenchDatabase.StartBackgroundWorkAsync(services, ct))
        {
            var admin = services.GetRequiredService<ProjectionAdmin>();
            // As this verb measured it until step 4's follow-up (and as the commits before it still do): the
            // rebuild asked for as soon as the background work starts, so the time includes the daemon's own
            // start (on Marten's daemon: Wolverine's assignment of the subscription, the first high-water pass)
            // and every async projection's first catch-up over the fresh log (the knowledge horizon's too).
            BenchDatabase.Log("rebuild at the daemon's start ...");
            var atStart = await RebuildAsync(database, admin, ct);
            BenchDatabase.Log($"  {atStart.Events:#,0} events in {atStart.Elapsed.TotalSeconds:0.00} s");
            await CheckAsync(database, ct);
            // What an operator's rebuild meets: a daemon that runs and has caught up.
            await CaughtUpAsync(admin, ct);
            BenchDatabase.Log("rebuild, daemon running ...");
            var rebuild = await RebuildAsync(database, admin, ct);
            BenchDatabase.Log($"  {rebuild.Events:#,0} events in {rebuild.Elapsed.TotalSeconds:0.00} s");
            await CheckAsync(database, ct);

            BenchDatabase.Log($"latency: {settings.Rate}/s for {settings.Duration.TotalSeconds:0} s ...");
            var latency = await LatencyAsync(services.GetRequiredService<EventStore>(), ct);
            BenchDatabase.Log("done");
            return Report(facts, copy, atStart, rebuild, latency, total.Elapsed);
        }
    }

    private async Task CheckAsync(BenchDatabase database, CancellationToken ct)
    {
        var check = await database.ScalarAsync<long>("select sum(events) from bench.stream_totals", ct);
        if (check != settings.Events)
            throw new InvalidOperationException($"The rebuilt projection counts {check} events, not {settings.Events}.");
    }

    /// <summary>Until every async projection runs at the log's head (the knowledge horizon's first catch-up included).</summary>
    private static async Task CaughtUpAsync(ProjectionAdmin admin, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while ((await admin.StatusAsync(ct)).Any(s => s.Lifecycle == "async" && (s.Status != "running" || s.Position < s.Head)))
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
                throw new InvalidOperationException("The async projections did not catch up within 5 minutes.");
            await Task.Delay(20, ct);
        }
    }

    private async Task GenerateAsync(BenchDatabase database, CancellationToken ct)
    {
        var perStream = Math.Max(1, settings.Events / settings.Streams);
        await database.ExecuteAsync($"""
            insert into marten.mt_streams (id, type, version, timestamp, created)
            select 'bench-' || s, 'bench', least({perStream}, {settings.Events} - (s - 1) * {perStream}), now(), now()
            from generate_series(1, {(settings.Events + perStream - 1) / perStream}) s;
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp, user_name)
            select nextval('marten.mt_events_sequence'), gen_random_uuid(), 'bench-' || ((i - 1) / {perStream} + 1), (i - 1) % {perStream} + 1, 'bench.counted',
                   jsonb_build_object('writer', 1, 'number', i, 'note', 'bench'), now(), 'bench'
            from generate_series(1, {settings.Events}) i;
            """, ct);
    }

    private sealed record CopyResult(long Rows, TimeSpan Elapsed)
    {
        public double Rate => Rows / Elapsed.TotalSeconds;
    }

    private static async Task<CopyResult> CopyAsync(BenchDatabase database, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        var clock = Stopwatch.StartNew();
        long rows = 0;
        using (var reader = await connection.BeginTextExportAsync($"copy (select {EventStore.EventColumns} from marten.mt_events order by seq_id) to stdout", ct))
        {
            while (await reader.ReadLineAsync(ct) is not null)
                rows++;
        }
        return new CopyResult(rows, clock.Elapsed);
    }

    private sealed record RebuildResult(long Events, TimeSpan Elapsed)
    {
        public double Rate => Events / Elapsed.TotalSeconds;
    }

    private static async Task<RebuildResult> RebuildAsync(BenchDatabase database, ProjectionAdmin admin, CancellationToken ct)
    {
        var name = new StreamTotalsProjection().Name;
        var clock = Stopwatch.StartNew();
        var target = await admin.RebuildAsync(name, ct);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        while (true)
        {
            await using var command = new NpgsqlCommand("select position, status from eventing.projection_checkpoints where projection = $1", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct) && reader.GetInt64(0) >= target && reader.GetString(1) == "running")
                break;
            await reader.DisposeAsync();
            await Task.Delay(20, ct);
        }
        return new RebuildResult(target, clock.Elapsed);
    }

    internal sealed record LatencyResult(long Messages, double AchievedRate, Latencies Latencies, double MaxMs);

    /// <summary>
    /// Commits at a steady rate, each unit of work with one event and one published message, and times
    /// from the moment the commit returned to the moment the handler ran (the delivery's own commit
    /// follows in the same round trip as its "done" record).
    /// </summary>
    private Task<LatencyResult> LatencyAsync(EventStore store, CancellationToken ct) => LatencyAsync(store, settings.Rate, settings.Duration, ct);

    internal static async Task<LatencyResult> LatencyAsync(EventStore store, int rate, TimeSpan duration, CancellationToken ct)
    {
        PingTimer.Handled.Clear();
        var committed = new ConcurrentDictionary<Guid, long>();
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var clock = Stopwatch.StartNew();
        var writers = Math.Clamp(rate / 25, 1, 16); // enough writers that commit latency does not cap the rate
        var next = 0L;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var version = 0L;
            var stream = $"latency-{w}";
            while (true)
            {
                var slot = Interlocked.Increment(ref next) - 1;
                var due = interval * slot;
                if (due >= duration)
                    break;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait, ct);
                var id = Guid.NewGuid();
                var uow = store.Begin(new EventMetadata("bench"));
                if (version == 0)
                    uow.StartStream("bench", stream, new Counted(w, slot, "latency"));
                else
                    uow.Append(stream, version, new Counted(w, slot, "latency"));
                uow.Publish(new Pinged(id));
                version = (await uow.CommitAsync(ct))[^1].StreamVersion;
                committed[id] = Stopwatch.GetTimestamp();
            }
        }, ct)));
        var loadSeconds = clock.Elapsed.TotalSeconds;

        var deadline = Stopwatch.StartNew();
        while (committed.Keys.Any(id => !PingTimer.Handled.ContainsKey(id)) && deadline.Elapsed < TimeSpan.FromSeconds(60))
            await Task.Delay(50, ct);
        var latencies = new Latencies();
        var max = 0.0;
        foreach (var (id, at) in committed)
        {
            if (!PingTimer.Handled.TryGetValue(id, out var handled))
                throw new InvalidOperationException($"Message {id} was not handled within a minute.");
            // A notification can wake the handler before the committing client has read its answer.
            var ms = Math.Max(0, Stopwatch.GetElapsedTime(at, handled).TotalMilliseconds);
            latencies.Add(ms);
            max = Math.Max(max, ms);
        }
        return new LatencyResult(committed.Count, committed.Count / loadSeconds, latencies, max);
    }

    private string Report(IReadOnlyList<(string Name, string Value)> facts, CopyResult copy, RebuildResult atStart, RebuildResult rebuild, LatencyResult latency, TimeSpan elapsed)
    {
        var args = new List<string>();
        if (settings.Events != 1_000_000) args.Add($"--events {settings.Events}");
        if (settings.Streams != 10_000) args.Add($"--streams {settings.Streams}");
        if (settings.BatchSize != 5_000) args.Add($"--batch-size {settings.BatchSize}");
        if (settings.Rate != 200) args.Add($"--rate {settings.Rate}");
        if (settings.Duration != TimeSpan.FromSeconds(20)) args.Add($"--duration {settings.Duration.TotalSeconds:0}");
        var md = new Markdown()
            .Line("```")
            .Line($"dotnet run -c Release --project bench/Allmende.Bench -- projections{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
            .Line("```")
            .Line()
            .Facts(facts.Append(("Run time of the verb", $"{elapsed.TotalSeconds:0} s")));
        md.Line($"Rebuild: {settings.Events:#,0} events over {settings.Streams:#,0} streams, replayed by the async daemon from a reset " +
                $"(`ProjectionAdmin.RebuildAsync`, batches of {settings.BatchSize:#,0}) into a projection that keeps events and a sum per stream " +
                "(events deserialized, folded per batch, one upsert statement per batch, checkpoint in the same transaction). " +
                "\"Projection rebuild\": asked for once every async projection runs at the log's head, as an operator's rebuild meets the daemon. " +
                "\"Rebuild at the daemon's start\": asked for as soon as the background work starts (how this verb measured until ADR 15 step 4's follow-up), " +
                "so it includes the daemon's start and every async projection's first catch-up over the fresh log. " +
                "Baseline: `COPY (SELECT <the daemon's columns> FROM marten.mt_events ORDER BY seq_id) TO STDOUT` read to the end by the same client.")
          .Line()
          .Table(["What", "Events", "Seconds", "Events/s", "vs. COPY"],
          [
              ["COPY … ORDER BY seq TO STDOUT", Markdown.Number(copy.Rows), copy.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Markdown.Number(copy.Rate), "100 %"],
              ["Rebuild at the daemon's start", Markdown.Number(atStart.Events), atStart.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Markdown.Number(atStart.Rate), Markdown.Percent(atStart.Rate / copy.Rate)],
              ["Projection rebuild", Markdown.Number(rebuild.Events), rebuild.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), Markdown.Number(rebuild.Rate), Markdown.Percent(rebuild.Rate / copy.Rate)],
          ], "lrrrr");
        md.Line($"Commit-to-handler latency: {settings.Rate} commits/s for {settings.Duration.TotalSeconds:0} s, each one event and one published message " +
                "(one handler); measured from the return of `CommitAsync` to the start of the handler (on one host the commit hands the envelope to Wolverine's queue in process; other hosts recover it from the inbox table).")
          .Line()
          .Table(["Messages", "Achieved rate", "p50", "p99", "max"],
          [
              [Markdown.Number(latency.Messages), Markdown.Number(latency.AchievedRate, "#,0.0") + "/s", latency.Latencies.Format(50), latency.Latencies.Format(99), Latencies.FormatMs(latency.MaxMs)],
          ], "rrrrr");
        return md.ToString();
    }
}
