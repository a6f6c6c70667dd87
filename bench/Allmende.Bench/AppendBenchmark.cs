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
/// Marten's mt_events on the same database. The contenders take turns in short rounds and each is
/// reported by its best round, so that a burst of someone else's work on a shared machine hits
/// one round of one contender rather than a whole figure.
/// </summary>
internal sealed class AppendBenchmark(AppendBenchmark.Settings settings)
{
    internal sealed record Settings(
        string? Connection,
        int Rounds,
        TimeSpan RoundDuration,
        TimeSpan Warmup,
        int[] Writers,
        bool StreamPerTransaction,
        bool NotifyBaseline,
        string? NpgsqlSettings,
        int Nice,
        int BatchEvents,
        int BatchSize);

    public static Command Command(CommonOptions common)
    {
        var rounds = new Option<int>("--rounds") { Description = "Rounds per contender; each is reported by its best round.", DefaultValueFactory = _ => 3 };
        var duration = new Option<int>("--duration") { Description = "Seconds measured per round of a single-event contender.", DefaultValueFactory = _ => 3 };
        var warmup = new Option<int>("--warmup") { Description = "Seconds of warm-up per contender and writer count (not counted).", DefaultValueFactory = _ => 2 };
        var writers = new Option<int[]>("--writers")
        {
            Description = "Concurrent writers (and pgbench clients).",
            DefaultValueFactory = _ => [1, 32],
            AllowMultipleArgumentsPerToken = true,
        };
        var streamPerTx = new Option<bool>("--stream-per-transaction")
        {
            Description = "Start a new stream in every transaction (StartStream) instead of appending to the writer's own stream (Append with expected version).",
        };
        var notify = new Option<bool>("--notify-baseline")
        {
            Description = "Also run pgbench with a pg_notify in each transaction, as the store issues one per commit (`--notify-baseline false` to skip).",
            DefaultValueFactory = _ => true,
        };
        var npgsql = new Option<string?>("--npgsql")
        {
            Description = "Extra Npgsql connection-string settings for the store only, to try tunings without changing src/ " +
                          "(e.g. \"No Reset On Close=true;Max Auto Prepare=20\").",
        };
        var nice = new Option<int>("--nice")
        {
            Description = "As root, run this process, pgbench and the private cluster at this nice value (e.g. -10) " +
                          "so that others' work on a shared machine disturbs less; 0 (default) leaves priorities alone.",
            DefaultValueFactory = _ => 0,
        };
        var batchEvents = new Option<int>("--batch-events") { Description = "Events in the bulk append.", DefaultValueFactory = _ => 100_000 };
        var batchSize = new Option<int>("--batch-size") { Description = "Events per unit of work in the bulk append (one new stream each).", DefaultValueFactory = _ => 1_000 };

        var command = new Command("append", "Event store append throughput and latency vs. a pgbench insert baseline (issue 2).")
        {
            rounds, duration, warmup, writers, streamPerTx, notify, npgsql, nice, batchEvents, batchSize,
        };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(
                parse.GetValue(common.Connection),
                Math.Max(1, parse.GetValue(rounds)),
                TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(duration))),
                TimeSpan.FromSeconds(parse.GetValue(warmup)),
                parse.GetValue(writers) is { Length: > 0 } w ? w : [1, 32],
                parse.GetValue(streamPerTx),
                parse.GetValue(notify),
                parse.GetValue(npgsql),
                parse.GetValue(nice),
                parse.GetValue(batchEvents),
                Math.Max(1, parse.GetValue(batchSize)));
            Console.Out.Write(await new AppendBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    // Marten's log draws its sequence numbers with nextval (no column default), and so does the baseline.
    private const string EventColumns = "seq_id, id, stream_id, version, type, data, timestamp, correlation_id, causation_id, user_name";

    // One autocommit insert of one event-shaped row: the least a durable single-event append can cost.
    private const string SingleInsertScript = $"""
        insert into bench.events_like ({EventColumns})
        values (nextval('bench.events_like_seq'), gen_random_uuid(), gen_random_uuid()::text, 1, 'bench.counted', jsonb_build_object('writer', :client_id, 'number', 1, 'note', 'bench'), now(), null, null, 'bench');
        """;

    // The same, with the pg_notify the store adds to every commit, still one statement and one round trip.
    private const string SingleInsertNotifyScript = $"""
        with i as (insert into bench.events_like ({EventColumns}) values (nextval('bench.events_like_seq'), gen_random_uuid(), gen_random_uuid()::text, 1, 'bench.counted', jsonb_build_object('writer', :client_id, 'number', 1, 'note', 'bench'), now(), null, null, 'bench') returning 1) select pg_notify('bench', '') from i;
        """;

    private static string BulkInsertScript(int rows) => $"""
        insert into bench.events_like ({EventColumns})
        select nextval('bench.events_like_seq'), gen_random_uuid(), s.id, g, 'bench.counted', jsonb_build_object('writer', :client_id, 'number', g, 'note', 'bench'), now(), null, null, 'bench'
        from (select gen_random_uuid()::text as id) s, generate_series(1, {rows}) g;
        """;

    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(5);

    private const string Pgbench = "pgbench insert";
    private const string PgbenchNotify = "pgbench insert + pg_notify";
    private const string Store = "**store**";

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        await using var services = await database.StartEventingAsync(o => o.Types.Register<Counted>("bench.counted"), ct, settings.NpgsqlSettings);
        var store = services.GetRequiredService<EventStore>();
        // Same columns, defaults, checks and indexes as Marten's log, without the foreign key to streams.
        await database.ExecuteAsync("create schema bench; create table bench.events_like (like marten.mt_events including all); create sequence bench.events_like_seq;", ct);
        await database.RaisePriorityAsync(settings.Nice, ct);
        var facts = await database.DescribeAsync(ct);

        var single = new List<Contender>();
        foreach (var count in settings.Writers)
            single.AddRange(await SingleEventAsync(database, store, count, ct));

        BenchDatabase.Log($"bulk append of {settings.BatchEvents:#,0} events ...");
        var bulk = await BulkAsync(database, store, ct);
        BenchDatabase.Log($"done in {total.Elapsed.TotalSeconds:0} s");
        return Report(facts, single, bulk, total.Elapsed);
    }

    // ---- single-event transactions ----

    private sealed record Round(double Tps, long Transactions, Latencies Latencies, CpuUsage Cpu, double ClientSeconds);

    /// <summary>One contender at one writer count, with all its rounds.</summary>
    private sealed record Contender(int Writers, string Name, List<Round> Rounds)
    {
        public Round Best => Rounds.MaxBy(r => r.Tps)!;
    }

    private async Task<List<Contender>> SingleEventAsync(BenchDatabase database, EventStore store, int count, CancellationToken ct)
    {
        BenchDatabase.Log($"{count} writer(s): warm-up, then {settings.Rounds} rounds of {settings.RoundDuration.TotalSeconds:0} s per contender ...");
        await database.SettleAsync(ct);
        await database.WaitForQuietAsync(QuietLimit, ct);

        // Distinct streams per writer: this measures append throughput, not contention on one stream.
        var writers = Enumerable.Range(0, count).Select(i => new Writer(i, $"bench-{count}-{i}")).ToArray();
        var contenders = new List<(Contender Result, Func<TimeSpan, Task<Round>> Run)>
        {
            (new(count, Pgbench, []), d => PgbenchRoundAsync(database, SingleInsertScript, count, d, ct)),
        };
        if (settings.NotifyBaseline)
            contenders.Add((new(count, PgbenchNotify, []), d => PgbenchRoundAsync(database, SingleInsertNotifyScript, count, d, ct)));
        contenders.Add((new(count, Store, []), d => StoreRoundAsync(database, store, writers, d, ct)));

        foreach (var (_, run) in contenders)
            await run(settings.Warmup);
        for (var round = 1; round <= settings.Rounds; round++)
        {
            await database.WaitForQuietAsync(QuietLimit, ct);
            foreach (var (result, run) in contenders)
                result.Rounds.Add(await run(settings.RoundDuration));
        }

        var results = contenders.Select(c => c.Result).ToList();
        BenchDatabase.Log("  " + string.Join(", ", results.Select(c => $"{c.Name.Trim('*')} {c.Best.Tps:0}/s")));
        return results;
    }

    private static async Task<Round> PgbenchRoundAsync(BenchDatabase database, string script, int clients, TimeSpan duration, CancellationToken ct)
    {
        var children = CpuSnapshot.LiveChildren(database.PostmasterPid);
        var before = CpuSnapshot.Take(database.PostmasterPid);
        var result = await database.PgbenchAsync(script, clients, duration, null, ct);
        await CpuSnapshot.WaitForChildrenAsync(database.PostmasterPid, children, ct);
        var cpu = CpuSnapshot.Take(database.PostmasterPid).Since(before);
        return new Round(result.Tps, result.Transactions, result.Latencies, cpu, cpu.Children);
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

    private async Task<Round> StoreRoundAsync(BenchDatabase database, EventStore store, Writer[] writers, TimeSpan duration, CancellationToken ct)
    {
        foreach (var w in writers)
        {
            w.Committed = 0;
            w.Latencies = new Latencies();
        }
        var before = CpuSnapshot.Take(database.PostmasterPid);
        var allocated = GC.GetTotalAllocatedBytes();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        var elapsed = await RunWritersAsync(store, writers, duration, ct);
        var cpu = CpuSnapshot.Take(database.PostmasterPid).Since(before);
        var units = Math.Max(1, writers.Sum(w => w.Committed));
        // What /proc's CPU figure does not tell apart (stderr, warm-ups included): the client's allocations per
        // unit (they drive the collections) and the JIT's time inside the round, i.e. tier-up not yet over,
        // which is charged to the writer's client CPU but is no cost of a warm host's appends.
        BenchDatabase.Log($"  store round: {units} units, {(GC.GetTotalAllocatedBytes() - allocated) / units:#,0} bytes allocated per unit, " +
            $"GCs gen0/1/2 {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}, " +
            $"JIT {(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalMilliseconds:0} ms");

        var committed = writers.Sum(w => w.Committed);
        var latencies = new Latencies();
        foreach (var w in writers) latencies.AddRange(w.Latencies);
        return new Round(committed / elapsed.TotalSeconds, committed, latencies, cpu, cpu.Self);
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

    /// <summary>Events per second of one bulk round, and the share of the machine others took meanwhile.</summary>
    private sealed record BulkRound(double Rate, double Others);

    private sealed record BulkRow(string Workload, List<BulkRound> Store, List<BulkRound> Pgbench);

    private async Task<List<BulkRow>> BulkAsync(BenchDatabase database, EventStore store, CancellationToken ct)
    {
        var metadata = new EventMetadata("bench");
        var units = Math.Max(1, settings.BatchEvents / settings.BatchSize);
        var events = units * settings.BatchSize;

        // unitCount units of work of size events each, committed one after another.
        async Task<BulkRound> StoreAsync(string prefix, int unitCount, int size)
        {
            var before = CpuSnapshot.Take(database.PostmasterPid);
            var clock = Stopwatch.StartNew();
            for (var u = 0; u < unitCount; u++)
            {
                var batch = new object[size];
                for (var i = 0; i < size; i++) batch[i] = new Counted(0, i + 1, "bench");
                var uow = store.Begin(metadata);
                uow.StartStream("bench", $"{prefix}-{u}", batch);
                await uow.CommitAsync(ct);
            }
            var rate = unitCount * size / clock.Elapsed.TotalSeconds;
            return new BulkRound(rate, CpuSnapshot.Take(database.PostmasterPid).Since(before).OthersShare);
        }

        async Task<BulkRound> PgbenchAsync(int transactions, int rows)
        {
            var children = CpuSnapshot.LiveChildren(database.PostmasterPid);
            var before = CpuSnapshot.Take(database.PostmasterPid);
            var result = await database.PgbenchAsync(BulkInsertScript(rows), 1, null, transactions, ct);
            await CpuSnapshot.WaitForChildrenAsync(database.PostmasterPid, children, ct);
            return new BulkRound(result.Tps * rows, CpuSnapshot.Take(database.PostmasterPid).Since(before).OthersShare);
        }

        await database.SettleAsync(ct);
        await StoreAsync("bulk-warmup", 5, settings.BatchSize);
        await PgbenchAsync(5, settings.BatchSize);

        var many = new BulkRow($"{units:#,0} unit{(units == 1 ? "" : "s")} of work × {settings.BatchSize:#,0} events (a new stream each), 1 writer", [], []);
        var one = new BulkRow($"1 unit of work × {events:#,0} events (one new stream)", [], []);
        for (var round = 1; round <= settings.Rounds; round++)
        {
            await database.SettleAsync(ct);
            await database.WaitForQuietAsync(QuietLimit, ct);
            many.Pgbench.Add(await PgbenchAsync(units, settings.BatchSize));
            many.Store.Add(await StoreAsync($"bulk-{round}", units, settings.BatchSize));
            one.Pgbench.Add(await PgbenchAsync(1, events));
            one.Store.Add(await StoreAsync($"bulk-one-{round}", 1, events));
        }
        return [many, one];
    }

    // ---- report ----

    private string Report(IReadOnlyList<(string Name, string Value)> facts, List<Contender> single, List<BulkRow> bulk, TimeSpan elapsed)
    {
        var md = new Markdown();
        var args = new List<string>();
        if (settings.Rounds != 3) args.Add($"--rounds {settings.Rounds}");
        if (settings.RoundDuration != TimeSpan.FromSeconds(3)) args.Add($"--duration {settings.RoundDuration.TotalSeconds:0}");
        if (settings.Warmup != TimeSpan.FromSeconds(2)) args.Add($"--warmup {settings.Warmup.TotalSeconds:0}");
        if (!settings.Writers.SequenceEqual([1, 32])) args.Add($"--writers {string.Join(' ', settings.Writers)}");
        if (settings.StreamPerTransaction) args.Add("--stream-per-transaction");
        if (!settings.NotifyBaseline) args.Add("--notify-baseline false");
        if (!string.IsNullOrWhiteSpace(settings.NpgsqlSettings)) args.Add($"--npgsql \"{settings.NpgsqlSettings}\"");
        if (settings.Nice != 0) args.Add($"--nice {settings.Nice}");
        if (settings.BatchEvents != 100_000) args.Add($"--batch-events {settings.BatchEvents}");
        if (settings.BatchSize != 1_000) args.Add($"--batch-size {settings.BatchSize}");
        md.Line("```")
          .Line($"dotnet run -c Release --project bench/Allmende.Bench -- append{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
          .Line("```")
          .Line()
          .Facts(facts.Append(("Run time of the verb", $"{elapsed.TotalSeconds:0} s")));

        var measured = settings.Rounds * settings.RoundDuration.TotalSeconds;
        md.Line($"**Single-event transactions.** Per writer count, each contender warms up for {settings.Warmup.TotalSeconds:0} s; then the contenders take turns " +
                $"in {settings.Rounds} rounds of {settings.RoundDuration.TotalSeconds:0} s ({measured:0} s measured each), and each is reported by its best round " +
                "(others' work on the machine only ever slows a round down); latencies are that round's. " +
                (settings.StreamPerTransaction
                    ? "Store: each transaction is one unit of work starting a new stream with one event (`StartStream`), committed. "
                    : "Store: each transaction is one unit of work appending one event to the writer's own stream with its expected version " +
                      "(`Append(id, version, e)`; the very first one `StartStream`), committed. ") +
                "Every writer has its own stream (no contention between writers). " +
                "pgbench insert: `pgbench -n -f script.sql -c N -j N -T secs`, one autocommit `insert` of one row into `bench.events_like` " +
                "(`like marten.mt_events including all`: same columns, defaults, checks and indexes, no foreign key; the sequence number drawn with `nextval` as Marten's log draws it)." +
                (settings.NotifyBaseline
                    ? " pgbench insert + pg_notify: the same insert with a `pg_notify` in the same statement (still one transaction, one round trip), " +
                      "what every commit cost while the store still notified inside its transactions (it now notifies after commit, coalesced)."
                    : "") +
                (string.IsNullOrWhiteSpace(settings.NpgsqlSettings) ? "" : $" The store's data source has the extra Npgsql settings `{settings.NpgsqlSettings}`."))
          .Line();

        md.Table(["Writers", "Run", "tx/s", "p50", "p99", "vs pgbench insert"], single.Select(c =>
        {
            var baseline = single.First(b => b.Writers == c.Writers && b.Name == Pgbench).Best.Tps;
            var best = c.Best;
            return (IReadOnlyList<string>)
            [
                c.Writers.ToString(CultureInfo.InvariantCulture), c.Name, Markdown.Number(best.Tps),
                best.Latencies.Format(50), best.Latencies.Format(99), Markdown.Percent(best.Tps / baseline),
            ];
        }), "rlrrrr");

        md.Line("Every round's rate, and the CPU of the best round per transaction, from /proc: server = the postmaster and its children; " +
                "client = the bench process (Npgsql and the store) or pgbench; \"Others\" = whatever else ran on the machine meanwhile (should be near 0 %).")
          .Line();
        md.Table(["Writers", "Run", "Rounds (tx/s)", "Server CPU per tx", "Client CPU per tx", "Machine busy", "Others"], single.Select(c =>
        {
            var best = c.Best;
            return (IReadOnlyList<string>)
            [
                c.Writers.ToString(CultureInfo.InvariantCulture), c.Name,
                string.Join(" / ", c.Rounds.Select(r => Markdown.Number(r.Tps))),
                Micros(best.Cpu.Known ? CpuUsage.MicrosPer(best.Cpu.Server, best.Transactions) : double.NaN),
                Micros(best.Cpu.Known ? CpuUsage.MicrosPer(best.ClientSeconds, best.Transactions) : double.NaN),
                Markdown.Percent(best.Cpu.BusyShare), Markdown.Percent(best.Cpu.OthersShare),
            ];
        }), "rlrrrrr");
        var disturbed = single.Count(c => c.Best.Cpu.OthersShare > 0.10);
        if (disturbed > 0)
            md.Line($"**Warning:** other work took more than 10 % of the machine during {disturbed} of the best rounds above; rerun for clean figures.")
              .Line();

        md.Line("**Bulk append**, events per second, best of " +
                $"{settings.Rounds} rounds (all rounds in brackets). Store: units of work with `StartStream(id, events)`, committed one after another by one writer. " +
                "pgbench: `pgbench -n -f script.sql -c 1 -j 1 -t units`, each transaction one `insert … select … from generate_series` of as many rows " +
                "(the JSON is built on the server and nothing is sent, so this is an upper bound).")
          .Line();
        md.Table(["Workload", "Store events/s", "pgbench events/s", "Store / pgbench", "Others (best rounds)"], bulk.Select(b => (IReadOnlyList<string>)
        [
            b.Workload, WithRounds(b.Store), WithRounds(b.Pgbench), Markdown.Percent(Best(b.Store).Rate / Best(b.Pgbench).Rate),
            $"{Markdown.Percent(Best(b.Store).Others)} / {Markdown.Percent(Best(b.Pgbench).Others)}",
        ]), "lrrrr");
        var bulkDisturbed = bulk.SelectMany(b => new[] { Best(b.Store), Best(b.Pgbench) }).Count(r => r.Others > 0.10);
        if (bulkDisturbed > 0)
            md.Line($"**Warning:** other work took more than 10 % of the machine during {bulkDisturbed} of the best bulk rounds; rerun for clean figures.")
              .Line();

        var store32 = single.FirstOrDefault(c => c.Writers == 32 && c.Name == Store);
        var pgbench32 = single.FirstOrDefault(c => c.Writers == 32 && c.Name == Pgbench);
        if (store32 is not null && pgbench32 is not null)
        {
            var ratio = store32.Best.Tps / pgbench32.Best.Tps;
            md.Line($"Target (issue 2): at 32 writers at least 60 % of pgbench's rate. Measured: {Markdown.Percent(ratio)} — " +
                    (ratio >= 0.6 ? "**met**." : "**not met**."));
        }
        return md.ToString();

        static string Micros(double us) => double.IsFinite(us) ? $"{Markdown.Number(us)} µs" : "–";

        static BulkRound Best(List<BulkRound> rounds) => rounds.MaxBy(r => r.Rate)!;

        static string WithRounds(List<BulkRound> rounds) =>
            rounds.Count == 1
                ? Markdown.Number(rounds[0].Rate)
                : $"{Markdown.Number(Best(rounds).Rate)} ({string.Join(" / ", rounds.Select(r => Markdown.Number(r.Rate)))})";
    }
}
