using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Allmende.Eventing.Audit;
using Allmende.Eventing.Health;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Bench;

/// <summary>
/// `chain`: the audit hash chain (docs/adr/0013) over a million events: how fast the async projection
/// chains a log from its first event, how fast GET /api/audit/verify and an export recompute it,
/// beside a plain COPY (SELECT … FROM marten.mt_events ORDER BY seq_id) TO STDOUT of the same rows.
/// </summary>
internal sealed class ChainBenchmark(ChainBenchmark.Settings settings)
{
    internal sealed record Settings(string? Connection, int Events, int Streams, int BatchSize);

    public static Command Command(CommonOptions common)
    {
        var events = new Option<int>("--events") { Description = "Events in the log.", DefaultValueFactory = _ => 1_000_000 };
        var streams = new Option<int>("--streams") { Description = "Streams they are spread over.", DefaultValueFactory = _ => 10_000 };
        var batch = new Option<int>("--batch-size") { Description = "The daemon's batch size (Eventing:ProjectionBatchSize).", DefaultValueFactory = _ => 5_000 };
        var command = new Command("chain", "Audit hash chain: chaining rate of the projection and verification rate, vs. COPY.") { events, streams, batch };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(parse.GetValue(common.Connection), parse.GetValue(events), parse.GetValue(streams), parse.GetValue(batch));
            Console.Out.Write(await new ChainBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    private sealed record Phase(string What, long Events, TimeSpan Elapsed)
    {
        public double Rate => Events / Elapsed.TotalSeconds;
    }

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        await using var services = await database.StartEventingAsync(o =>
        {
            o.Types.Register<Counted>("bench.counted");
            o.RunProjections = true;
            o.ProjectionBatchSize = settings.BatchSize;
        }, ct);
        var facts = await database.DescribeAsync(ct);

        BenchDatabase.Log($"writing {settings.Events:#,0} events over {settings.Streams:#,0} streams ...");
        var perStream = Math.Max(1, settings.Events / settings.Streams);
        await database.ExecuteAsync($"""
            insert into marten.mt_streams (id, type, version, timestamp, created)
            select 'bench-' || s, 'bench', least({perStream}, {settings.Events} - (s - 1) * {perStream}), now(), now()
            from generate_series(1, {(settings.Events + perStream - 1) / perStream}) s;
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp, user_name, correlation_id)
            select nextval('marten.mt_events_sequence'), gen_random_uuid(), 'bench-' || ((i - 1) / {perStream} + 1), (i - 1) % {perStream} + 1, 'bench.counted',
                   jsonb_build_object('writer', 1, 'number', i, 'note', 'bench'), now(), 'bench', 'corr-' || i
            from generate_series(1, {settings.Events}) i;
            """, ct);
        await database.SettleAsync(ct);

        await database.WaitForQuietAsync(TimeSpan.FromSeconds(10), ct);
        BenchDatabase.Log("COPY baseline ...");
        var copy = await CopyAsync(database, ct);
        BenchDatabase.Log($"  {copy.Events:#,0} rows in {copy.Elapsed.TotalSeconds:0.00} s");

        await database.WaitForQuietAsync(TimeSpan.FromSeconds(10), ct);
        BenchDatabase.Log("chaining (the async projection from the first event) ...");
        var chaining = await ChainAsync(database, services, ct);
        BenchDatabase.Log($"  {chaining.Events:#,0} events in {chaining.Elapsed.TotalSeconds:0.00} s");
        await database.SettleAsync(ct);

        var trail = services.GetRequiredService<AuditTrail>();
        await database.WaitForQuietAsync(TimeSpan.FromSeconds(10), ct);
        BenchDatabase.Log("verify ...");
        var clock = Stopwatch.StartNew();
        var verification = await trail.VerifyAsync(ct: ct);
        var verify = new Phase("Verify (`GET /api/audit/verify`)", verification.VerifiedEvents, clock.Elapsed);
        if (!verification.Ok || verification.VerifiedEvents != settings.Events)
            throw new InvalidOperationException($"The chain did not verify: {verification}");
        BenchDatabase.Log($"  {verify.Events:#,0} events in {verify.Elapsed.TotalSeconds:0.00} s");

        await database.WaitForQuietAsync(TimeSpan.FromSeconds(10), ct);
        BenchDatabase.Log("export (1 stream in 100 in full, the others as digests) ...");
        var counting = new CountingStream();
        clock.Restart();
        await trail.ExportAsync(counting, AuditSelection.Where(s => s.EndsWith("00", StringComparison.Ordinal), "every 100th stream"), ct: ct);
        var export = new Phase("Export (`GET /api/audit/export`), to a null stream", settings.Events, clock.Elapsed);
        BenchDatabase.Log($"  {export.Elapsed.TotalSeconds:0.00} s, {counting.Length / 1024.0 / 1024.0:0.0} MiB");

        var sizes = await database.ScalarAsync<string>("""
            select pg_size_pretty(pg_total_relation_size('eventing.audit_chain')) || ' for the chain, ' ||
                   pg_size_pretty(pg_total_relation_size('marten.mt_events')) || ' for the events'
            """, ct);
        var checkpoints = await database.ScalarAsync<long>("select count(*) from eventing.audit_checkpoints", ct);
        BenchDatabase.Log("done");
        return Report(facts, copy, [chaining, verify, export], sizes, checkpoints, counting.Length, total.Elapsed);
    }

    private static async Task<Phase> CopyAsync(BenchDatabase database, CancellationToken ct)
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
        return new Phase("COPY … ORDER BY seq TO STDOUT", rows, clock.Elapsed);
    }

    private async Task<Phase> ChainAsync(BenchDatabase database, ServiceProvider services, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Marten's daemon under Wolverine: the clock includes the node taking the subscription on.
        await using (await BenchDatabase.StartBackgroundWorkAsync(services, ct))
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(ct);
            var agents = services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>().Agents;
            TimeSpan? assigned = null;
            while (true)
            {
                if (assigned is null && agents.AllRunningAgentUris().Any(a => ProjectionHealthCheck.RunsProjection(a, AuditChainProjection.ProjectionName)))
                {
                    assigned = clock.Elapsed;
                    BenchDatabase.Log($"  Wolverine started the chain's subscription on this node after {assigned.Value.TotalSeconds:0.00} s");
                }
                await using var command = new NpgsqlCommand("select coalesce(max(position), 0) from eventing.audit_chain", connection);
                if ((long)(await command.ExecuteScalarAsync(ct))! >= settings.Events)
                    break;
                await Task.Delay(20, ct);
            }
            return new Phase("Chaining (the async projection, from the first event)", settings.Events, clock.Elapsed);
        }
    }

    private string Report(IReadOnlyList<(string Name, string Value)> facts, Phase copy, IReadOnlyList<Phase> phases, string sizes, long checkpoints,
        long exportBytes, TimeSpan elapsed)
    {
        var args = new List<string>();
        if (settings.Events != 1_000_000) args.Add($"--events {settings.Events}");
        if (settings.Streams != 10_000) args.Add($"--streams {settings.Streams}");
        if (settings.BatchSize != 5_000) args.Add($"--batch-size {settings.BatchSize}");
        string Seconds(Phase p) => p.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
        return new Markdown()
            .Line("```")
            .Line($"dotnet run -c Release --project bench/Allmende.Bench -- chain{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
            .Line("```")
            .Line()
            .Facts(facts.Append(("Run time of the verb", $"{elapsed.TotalSeconds:0} s")))
            .Line($"{settings.Events:#,0} events over {settings.Streams:#,0} streams (data like `{{\"writer\":1,\"number\":i,\"note\":\"bench\"}}`, actor and " +
                  "correlation id set). Chaining: the async daemon runs the chain projection from an empty chain (batches of " +
                  $"{settings.BatchSize:#,0}: read with the data as text, canonical bytes, two SHA-256 per event, entries inserted with " +
                  "one statement per batch, checkpoint in the same transaction). Verify: `AuditTrail.VerifyAsync` over the whole log in one " +
                  "read-only snapshot (events merged with chain entries, every digest recomputed). Export: the same plus writing JSON lines. " +
                  "Baseline: `COPY (SELECT <the store's event columns> FROM marten.mt_events ORDER BY seq_id) TO STDOUT` read to the end by the same client.")
            .Line()
            .Table(["What", "Events", "Seconds", "Events/s", "vs. COPY"],
                new[] { copy }.Concat(phases).Select(p => (IReadOnlyList<string>)[p.What, Markdown.Number(p.Events), Seconds(p), Markdown.Number(p.Rate), Markdown.Percent(p.Rate / copy.Rate)]),
                "lrrrr")
            .Line($"Storage: {sizes}; {checkpoints:#,0} checkpoints. Export size: {exportBytes / 1024.0 / 1024.0:0.0} MiB.")
            .Line()
            .ToString();
    }

    /// <summary>Counts what an export writes and throws it away: the figure is the server's work, not a disk's.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
