using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Bench;

/// <summary>The small event every append benchmark writes.</summary>
internal sealed record Counted(int Writer, long Number, string Note);

/// <summary>
/// `append`: single-event commits per second at 1 and at 32 concurrent writers, and a bulk append
/// of 100,000 events, each beside pgbench inserting the same rows into a table shaped like
/// eventing.events on the same database.
/// </summary>
internal sealed class AppendBenchmark(AppendBenchmark.Settings settings)
{
    internal sealed record Settings(
        string? Connection,
        TimeSpan Duration,
        TimeSpan Warmup,
        int[] Writers,
        bool StreamPerTransaction,
        bool NotifyBaseline,
        int BatchEvents,
        int BatchSize);

    public static Command Command(CommonOptions common)
    {
        var duration = new Option<int>("--duration") { Description = "Seconds measured per single-event phase.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Seconds of warm-up before each phase (not counted).", DefaultValueFactory = _ => 2 };
        var writers = new Option<int[]>("--writers")
        {
            Description = "Concurrent writers (and pgbench clients) per phase.",
            DefaultValueFactory = _ => [1, 32],
            AllowMultipleArgumentsPerToken = true,
        };
        var streamPerTx = new Option<bool>("--stream-per-transaction")
        {
            Description = "Start a new stream in every transaction (StartStream) instead of appending to the writer's own stream (Append with expected version).",
        };
        var notify = new Option<bool>("--notify-baseline")
        {
            Description = "Also run pgbench with a pg_notify in each transaction, as the store issues one per commit.",
        };
        var batchEvents = new Option<int>("--batch-events") { Description = "Events in the bulk append.", DefaultValueFactory = _ => 100_000 };
        var batchSize = new Option<int>("--batch-size") { Description = "Events per unit of work in the bulk append (one new stream each).", DefaultValueFactory = _ => 1_000 };

        var command = new Command("append", "Event store append throughput and latency vs. a pgbench insert baseline (issue 2).")
        {
            duration, warmup, writers, streamPerTx, notify, batchEvents, batchSize,
        };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(
                parse.GetValue(common.Connection),
                TimeSpan.FromSeconds(parse.GetValue(duration)),
                TimeSpan.FromSeconds(parse.GetValue(warmup)),
                parse.GetValue(writers) ?? [1, 32],
                parse.GetValue(streamPerTx),
                parse.GetValue(notify),
                parse.GetValue(batchEvents),
                parse.GetValue(batchSize));
            Console.Out.Write(await new AppendBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    private const string EventColumns = "event_id, stream_id, stream_version, event_type, data, recorded_at, correlation_id, causation_id, actor";

    // One autocommit insert of one event-shaped row: the least a durable single-event append can cost.
    private const string SingleInsertScript = $"""
        insert into bench.events_like ({EventColumns})
        values (gen_random_uuid(), gen_random_uuid()::text, 1, 'bench.counted', jsonb_build_object('writer', :client_id, 'number', 1, 'note', 'bench'), now(), null, null, 'bench');
        """;

    // The same, with the pg_notify the store adds to every commit, still one statement and one round trip.
    private const string SingleInsertNotifyScript = $"""
        with i as (insert into bench.events_like ({EventColumns}) values (gen_random_uuid(), gen_random_uuid()::text, 1, 'bench.counted', jsonb_build_object('writer', :client_id, 'number', 1, 'note', 'bench'), now(), null, null, 'bench') returning 1) select pg_notify('bench', '') from i;
        """;

    private static string BulkInsertScript(int rows) => $"""
        insert into bench.events_like ({EventColumns})
        select gen_random_uuid(), s.id, g, 'bench.counted', jsonb_build_object('writer', :client_id, 'number', g, 'note', 'bench'), now(), null, null, 'bench'
        from (select gen_random_uuid()::text as id) s, generate_series(1, {rows}) g;
        """;

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        await using var services = await database.StartEventingAsync(o => o.Types.Register<Counted>("bench.counted"), ct);
        var store = services.GetRequiredService<EventStore>();
        // Same columns, defaults, checks, identity and indexes as the log, without the foreign key to streams.
        await database.ExecuteAsync("create schema bench; create table bench.events_like (like eventing.events including all);", ct);
        var facts = await database.DescribeAsync(ct);

        var single = new List<SingleRow>();
        foreach (var writers in settings.Writers)
        {
            BenchDatabase.Log($"pgbench, {writers} client(s): {settings.Warmup.TotalSeconds:0} s warm-up + {settings.Duration.TotalSeconds:0} s ...");
            var pg = await PgbenchPhaseAsync(database, SingleInsertScript, writers, ct);
            Phase? pgNotify = null;
            if (settings.NotifyBaseline)
            {
                BenchDatabase.Log($"pgbench with pg_notify, {writers} client(s) ...");
                pgNotify = await PgbenchPhaseAsync(database, SingleInsertNotifyScript, writers, ct);
            }
            BenchDatabase.Log($"event store, {writers} writer(s) ...");
            var allmende = await StorePhaseAsync(database, store, writers, ct);
            BenchDatabase.Log($"  store {allmende.Tps:0} tx/s, pgbench {pg.Tps:0} tps{(pgNotify is null ? "" : $", pgbench+notify {pgNotify.Tps:0} tps")}");
            single.Add(new SingleRow(writers, allmende, pg, pgNotify));
        }

        BenchDatabase.Log($"bulk append of {settings.BatchEvents:#,0} events ...");
        var bulk = await BulkAsync(database, store, ct);
        BenchDatabase.Log($"done in {total.Elapsed.TotalSeconds:0} s");
        return Report(facts, single, bulk, total.Elapsed);
    }

    // ---- single-event transactions ----

    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(15);

    private sealed record Phase(double Tps, long Transactions, Latencies Latencies, CpuUsage Cpu);

    private sealed record SingleRow(int Writers, Phase Store, Phase Pgbench, Phase? PgbenchNotify);

    private async Task<Phase> PgbenchPhaseAsync(BenchDatabase database, string script, int clients, CancellationToken ct)
    {
        await database.CheckpointAsync(ct);
        await database.WaitForQuietAsync(QuietLimit, ct);
        await database.PgbenchAsync(script, clients, settings.Warmup, null, ct);
        var before = CpuSnapshot.Take(database.PostmasterPid);
        var result = await database.PgbenchAsync(script, clients, settings.Duration, null, ct);
        var cpu = CpuSnapshot.Take(database.PostmasterPid).Since(before);
        return new Phase(result.Tps, result.Transactions, result.Latencies, cpu);
    }

    private sealed class Writer(int id, string streamPrefix)
    {
        public int Id { get; } = id;
        public string StreamPrefix { get; } = streamPrefix;
        public long Version { get; set; }
        public long Started { get; set; }
        public long Committed { get; set; }
        public Latencies Latencies { get; set; } = new();
    }

    private async Task<Phase> StorePhaseAsync(BenchDatabase database, EventStore store, int count, CancellationToken ct)
    {
        await database.CheckpointAsync(ct);
        await database.WaitForQuietAsync(QuietLimit, ct);
        // Distinct streams per writer: this measures append throughput, not contention on one stream.
        var writers = Enumerable.Range(0, count).Select(i => new Writer(i, $"bench-{count}-{i}")).ToArray();
        await RunWritersAsync(store, writers, settings.Warmup, ct);
        foreach (var w in writers)
        {
            w.Committed = 0;
            w.Latencies = new Latencies();
        }

        var before = CpuSnapshot.Take(database.PostmasterPid);
        var elapsed = await RunWritersAsync(store, writers, settings.Duration, ct);
        var cpu = CpuSnapshot.Take(database.PostmasterPid).Since(before);

        var committed = writers.Sum(w => w.Committed);
        var latencies = new Latencies();
        foreach (var w in writers) latencies.AddRange(w.Latencies);
        return new Phase(committed / elapsed.TotalSeconds, committed, latencies, cpu);
    }

    /// <summary>Every writer commits one-event units of work back to back until the time is up.</summary>
    private async Task<TimeSpan> RunWritersAsync(EventStore store, Writer[] writers, TimeSpan duration, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var metadata = new EventMetadata("bench");
        await Task.WhenAll(writers.Select(w => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                var uow = store.Begin(metadata);
                var @event = new Counted(w.Id, w.Started + 1, "bench");
                if (settings.StreamPerTransaction)
                    uow.StartStream("bench", $"{w.StreamPrefix}-{w.Started}", @event);
                else if (w.Version == 0)
                    uow.StartStream("bench", w.StreamPrefix, @event);
                else
                    uow.Append(w.StreamPrefix, w.Version, @event);
                w.Started++;
                await uow.CommitAsync(ct);
                w.Version++;
                w.Committed++;
                w.Latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, ct)));
        return clock.Elapsed;
    }

    // ---- bulk ----

    private sealed record BulkRow(string Workload, string Store, string Pgbench, double StoreEventsPerSecond, double PgbenchEventsPerSecond);

    private async Task<List<BulkRow>> BulkAsync(BenchDatabase database, EventStore store, CancellationToken ct)
    {
        var metadata = new EventMetadata("bench");
        var units = Math.Max(1, settings.BatchEvents / settings.BatchSize);
        var events = units * settings.BatchSize;

        async Task<TimeSpan> StoreUnitsAsync(string prefix, int unitCount, int size)
        {
            var clock = Stopwatch.StartNew();
            for (var u = 0; u < unitCount; u++)
            {
                var batch = new object[size];
                for (var i = 0; i < size; i++) batch[i] = new Counted(0, i + 1, "bench");
                var uow = store.Begin(metadata);
                uow.StartStream("bench", $"{prefix}-{u}", batch);
                await uow.CommitAsync(ct);
            }
            return clock.Elapsed;
        }

        await database.CheckpointAsync(ct);
        await StoreUnitsAsync("bulk-warmup", 5, settings.BatchSize);
        await database.PgbenchAsync(BulkInsertScript(settings.BatchSize), 1, null, 5, ct);

        var rows = new List<BulkRow>();

        await database.CheckpointAsync(ct);
        var pgUnits = await database.PgbenchAsync(BulkInsertScript(settings.BatchSize), 1, null, units, ct);
        await database.CheckpointAsync(ct);
        var storeUnits = await StoreUnitsAsync("bulk", units, settings.BatchSize);
        rows.Add(Row($"{units:#,0} units of work × {settings.BatchSize:#,0} events (a new stream each), 1 writer",
            events, storeUnits, pgUnits));

        await database.CheckpointAsync(ct);
        var pgOne = await database.PgbenchAsync(BulkInsertScript(events), 1, null, 1, ct);
        await database.CheckpointAsync(ct);
        var storeOne = await StoreUnitsAsync("bulk-one", 1, events);
        rows.Add(Row($"1 unit of work × {events:#,0} events (one new stream)", events, storeOne, pgOne));
        return rows;

        static BulkRow Row(string workload, int events, TimeSpan storeTime, PgbenchResult pg)
        {
            var storeRate = events / storeTime.TotalSeconds;
            var pgRate = pg.Tps * events / pg.Transactions;
            var pgTime = TimeSpan.FromSeconds(events / pgRate);
            return new BulkRow(workload,
                $"{Markdown.Number(storeRate)} ({storeTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s)",
                $"{Markdown.Number(pgRate)} ({pgTime.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s)",
                storeRate, pgRate);
        }
    }

    // ---- report ----

    private string Report(IReadOnlyList<(string Name, string Value)> facts, List<SingleRow> single, List<BulkRow> bulk, TimeSpan elapsed)
    {
        var md = new Markdown();
        var args = new List<string>();
        if (settings.Duration != TimeSpan.FromSeconds(10)) args.Add($"--duration {settings.Duration.TotalSeconds:0}");
        if (settings.Warmup != TimeSpan.FromSeconds(2)) args.Add($"--warmup {settings.Warmup.TotalSeconds:0}");
        if (!settings.Writers.SequenceEqual([1, 32])) args.Add($"--writers {string.Join(' ', settings.Writers)}");
        if (settings.StreamPerTransaction) args.Add("--stream-per-transaction");
        if (settings.NotifyBaseline) args.Add("--notify-baseline");
        if (settings.BatchEvents != 100_000) args.Add($"--batch-events {settings.BatchEvents}");
        if (settings.BatchSize != 1_000) args.Add($"--batch-size {settings.BatchSize}");
        md.Line("```")
          .Line($"dotnet run -c Release --project bench/Allmende.Bench -- append{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
          .Line("```")
          .Line()
          .Facts(facts.Append(("Run time of the verb", $"{elapsed.TotalSeconds:0} s")));

        md.Line($"Single-event transactions: {settings.Warmup.TotalSeconds:0} s warm-up, then {settings.Duration.TotalSeconds:0} s measured per row. " +
                (settings.StreamPerTransaction
                    ? "Store: each transaction is one unit of work starting a new stream with one event (`StartStream`), committed. "
                    : "Store: each transaction is one unit of work appending one event to the writer's own stream with its expected version (`Append(id, version, e)`; the first one `StartStream`), committed. ") +
                "Every writer has its own streams (no contention). pgbench: `pgbench -n -f script.sql -c N -j N -T secs`, one autocommit " +
                "`insert` of one row into `bench.events_like` (`like eventing.events including all`: same columns, defaults, checks, identity and indexes, no foreign key).")
          .Line();

        var header = new List<string> { "Writers", "Store tx/s", "Store p50", "Store p99", "pgbench tps", "pgbench p50", "pgbench p99", "Store / pgbench" };
        var align = "rrrrrrrr";
        if (settings.NotifyBaseline)
        {
            header.AddRange(["pgbench + pg_notify tps", "Store / (pgbench + pg_notify)"]);
            align += "rr";
        }
        md.Table(header, single.Select(r =>
        {
            var row = new List<string>
            {
                r.Writers.ToString(CultureInfo.InvariantCulture),
                Markdown.Number(r.Store.Tps), r.Store.Latencies.Format(50), r.Store.Latencies.Format(99),
                Markdown.Number(r.Pgbench.Tps), r.Pgbench.Latencies.Format(50), r.Pgbench.Latencies.Format(99),
                Markdown.Percent(r.Store.Tps / r.Pgbench.Tps),
            };
            if (r.PgbenchNotify is { } n)
                row.AddRange([Markdown.Number(n.Tps), Markdown.Percent(r.Store.Tps / n.Tps)]);
            return (IReadOnlyList<string>)row;
        }), align);

        md.Line("CPU during the measured seconds, from /proc: the server is the postmaster and its children; the client is the bench " +
                "process (Npgsql and the store) or pgbench; \"others\" is whatever else ran on the machine meanwhile (it should be near 0 %).")
          .Line();
        var cpuRows = new List<IReadOnlyList<string>>();
        foreach (var r in single)
        {
            cpuRows.Add(CpuRow(r.Writers, "store", r.Store, r.Store.Cpu.Self));
            cpuRows.Add(CpuRow(r.Writers, "pgbench", r.Pgbench, r.Pgbench.Cpu.Children));
            if (r.PgbenchNotify is { } n)
                cpuRows.Add(CpuRow(r.Writers, "pgbench + pg_notify", n, n.Cpu.Children));
        }
        md.Table(["Writers", "Run", "Server CPU per tx", "Client CPU per tx", "Machine busy", "Others"], cpuRows, "rlrrrr");

        md.Line("Bulk append, events per second (time). Store: units of work with `StartStream(id, events)`, committed one after another. " +
                "pgbench: `pgbench -n -f script.sql -c 1 -j 1 -t units`, each transaction one `insert … select … from generate_series` of as many rows " +
                "(JSON built on the server, nothing sent: an upper bound).")
          .Line();
        md.Table(["Workload", "Store events/s", "pgbench events/s", "Store / pgbench"],
            bulk.Select(b => (IReadOnlyList<string>)[b.Workload, b.Store, b.Pgbench, Markdown.Percent(b.StoreEventsPerSecond / b.PgbenchEventsPerSecond)]), "lrrr");

        var at32 = single.FirstOrDefault(r => r.Writers == 32);
        if (at32 is not null)
        {
            var ratio = at32.Store.Tps / at32.Pgbench.Tps;
            md.Line($"Target (issue 2): at 32 writers at least 60 % of pgbench's rate. Measured: {Markdown.Percent(ratio)} — " +
                    (ratio >= 0.6 ? "**met**." : "**not met**."));
        }
        return md.ToString();

        static IReadOnlyList<string> CpuRow(int writers, string run, Phase phase, double clientSeconds) =>
        [
            writers.ToString(CultureInfo.InvariantCulture), run,
            Micros(phase.Cpu.Known ? CpuUsage.MicrosPer(phase.Cpu.Server, phase.Transactions) : double.NaN),
            Micros(phase.Cpu.Known ? CpuUsage.MicrosPer(clientSeconds, phase.Transactions) : double.NaN),
            Markdown.Percent(phase.Cpu.BusyShare), Markdown.Percent(phase.Cpu.OthersShare),
        ];

        static string Micros(double us) => double.IsFinite(us) ? $"{Markdown.Number(us)} µs" : "–";
    }
}
