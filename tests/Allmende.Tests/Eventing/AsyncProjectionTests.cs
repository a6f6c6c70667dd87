using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Eventing;

public sealed partial class AsyncProjectionTests(BusApp app) : IClassFixture<BusApp>
{
    private async Task<long> HeadAsync() => await app.ScalarAsync("select coalesce(max(seq_id), 0) from marten.mt_events");

    private Task CaughtUpAsync(string projection, long head) => Eventually.ReachedAsync(
        async () => await app.ScalarAsync("select position from eventing.projection_checkpoints where projection = $1", projection) >= head,
        $"{projection} reaches {head}");

    private async Task AppendAsync(string stream, params object[] events)
    {
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.Append(stream, events);
        await uow.CommitAsync();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Under_concurrent_commits_rollbacks_and_late_commits_every_committed_event_is_applied_exactly_once(int seed)
    {
        var random = new Random(seed);
        var store = app.Store;
        var committed = 0;
        var tasks = Enumerable.Range(0, 12).Select(writer => Task.Run(async () =>
        {
            Random mine;
            lock (random)
                mine = new Random(random.Next());
            for (var i = 0; i < 25; i++)
            {
                var stream = $"torture-{seed}-{writer}-{i}";
                var events = Enumerable.Range(0, mine.Next(1, 4)).Select(n => (object)new TallyCounted(n)).ToArray();
                await using var connection = await app.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                // Writing through a unit bound to our own transaction lets the test decide how it ends.
                await store.Begin(new EventMetadata($"writer-{writer}"), connection, transaction).AppendAndWriteAsync(stream, events);
                switch (mine.Next(10))
                {
                    case < 3:
                        await transaction.RollbackAsync(); // burns sequence numbers
                        break;
                    case < 5:
                        await Task.Delay(mine.Next(200, 1500)); // commits late, after later sequence numbers
                        await transaction.CommitAsync();
                        Interlocked.Add(ref committed, events.Length);
                        break;
                    default:
                        await transaction.CommitAsync();
                        Interlocked.Add(ref committed, events.Length);
                        break;
                }
            }
        })).ToList();
        await Task.WhenAll(tasks);

        await CaughtUpAsync("applied-log", await HeadAsync());
        var applied = await app.ScalarAsync("select count(*) from tests.applied where stream_id like $1", $"torture-{seed}-%");
        var stored = await app.ScalarAsync("select count(*) from marten.mt_events where stream_id like $1", $"torture-{seed}-%");
        stored.ShouldBe(committed);
        applied.ShouldBe(committed);
        (await app.ScalarAsync("select count(*) from tests.applied where applications <> 1")).ShouldBe(0);
    }

    [Fact]
    public async Task An_event_of_a_transaction_with_a_higher_xid_but_a_lower_sequence_is_not_skipped()
    {
        // E takes its xid first (a handler writing its own table before appending does this); then T
        // appends and draws the lower sequence number; then E appends and commits while T stays open.
        // A snapshot now has xmin == xmax with T running: T's hole must still be waited for.
        await using var e = await app.DataSource.OpenConnectionAsync();
        await using var eTransaction = await e.BeginTransactionAsync();
        await using (var takeXid = new NpgsqlCommand("select pg_current_xact_id()", e, eTransaction))
            await takeXid.ExecuteScalarAsync();
        await using var t = await app.DataSource.OpenConnectionAsync();
        await using var tTransaction = await t.BeginTransactionAsync();
        var tStream = $"late-t-{Guid.NewGuid():N}";
        var eStream = $"early-e-{Guid.NewGuid():N}";
        var tEvent = (await app.Store.Begin(new EventMetadata("T"), t, tTransaction).AppendAndWriteAsync(tStream, [new TallyCounted(1)]))[0];
        var eEvent = (await app.Store.Begin(new EventMetadata("E"), e, eTransaction).AppendAndWriteAsync(eStream, [new TallyCounted(2)]))[0];
        eEvent.Sequence.ShouldBeGreaterThan(tEvent.Sequence);
        // Taken before E's commit: the detector may see E's event before this test reads a clock again.
        var beforeCommit = await app.ScalarAsync("select (extract(epoch from clock_timestamp()) * 1000000)::bigint");
        await eTransaction.CommitAsync();
        var committedAt = DateTime.UtcNow.TimeOfDay;

        // Either the daemon waits on T's hole (right: Marten's high-water detection records the gap it
        // holds before, below T's number, once E's event is committed above it) or it has moved past it (the bug).
        // The stuck-gap row is written when the gap first appears, which may be before E's commit (both had drawn
        // their numbers), so a detection pass after the commit is also seen in what the host logged: "has held
        // before the sequence gap above N" below T's number, stamped after the commit.
        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("""
                select count(*) from marten.mt_event_progression
                where name = 'HighWaterStuckGap' and last_seq_id < $1 and extract(epoch from last_updated) * 1000000 >= $2
                """, tEvent.Sequence, beforeCommit) == 1
            || app.Log.Lines.Any(line => HeldBelow(line, tEvent.Sequence, committedAt))
            || await app.ScalarAsync("select position from eventing.projection_checkpoints where projection = 'applied-log'") >= eEvent.Sequence,
            "the daemon has seen E's event");
        await tTransaction.CommitAsync();

        await CaughtUpAsync("applied-log", eEvent.Sequence);
        await Eventually.ReachedAsync(async () => await app.ScalarAsync("select count(*) from tests.applied where stream_id = $1", tStream) == 1,
            "T's event applied", timeoutSeconds: 10);
    }

    /// <summary>A host log line (UTC "HH:mm:ss.fff …") of Marten holding before a gap below <paramref name="sequence"/>, after <paramref name="after"/>.</summary>
    private static bool HeldBelow(string line, long sequence, TimeSpan after)
    {
        var held = HeldBeforeGap().Match(line);
        return held.Success
               && TimeSpan.TryParseExact(line[..12], @"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture, out var at) && at > after
               && long.Parse(held.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) < sequence;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"has held before the sequence gap above (\d+) ")]
    private static partial System.Text.RegularExpressions.Regex HeldBeforeGap();

    [Fact]
    public async Task A_transaction_left_open_delays_the_projection_without_losing_its_event_and_health_names_it()
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await app.Store.Begin(new EventMetadata("slow"), connection, transaction).AppendAndWriteAsync("held-open", [new TallyCounted(1)]);
        await using var pidCommand = new NpgsqlCommand("select pg_backend_pid()", connection, transaction);
        var pid = (int)(await pidCommand.ExecuteScalarAsync())!;

        await AppendAsync("after-held-open", new TallyCounted(2));
        var after = await HeadAsync();

        // The later event is committed, but the projection must not pass the open transaction's number.
        await Eventually.ReachedAsync(async () =>
        {
            using var client = app.CreateClient();
            var health = await client.GetFromJsonAsync<JsonElement>("/health/ready");
            var projections = health.GetProperty("checks").GetProperty("projections");
            return projections.GetProperty("status").GetString() == "Degraded"
                && projections.GetProperty("data").TryGetProperty("openTransactions", out var open)
                && open.EnumerateArray().Any(t => t.GetProperty("pid").GetInt32() == pid);
        }, "health names the open transaction");
        (await app.ScalarAsync("select count(*) from tests.applied where stream_id = 'after-held-open'")).ShouldBe(0);

        await transaction.CommitAsync();
        await CaughtUpAsync("applied-log", after);
        (await app.ScalarAsync("select count(*) from tests.applied where stream_id in ('held-open', 'after-held-open')")).ShouldBe(2);
    }

    [Fact]
    public async Task The_daemon_carries_on_after_its_connections_are_killed()
    {
        await AppendAsync("before-kill", new TallyCounted(1));
        await CaughtUpAsync("applied-log", await HeadAsync());

        await app.ScalarAsync("select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
        NpgsqlConnection.ClearAllPools();
        await Eventually.ReachedAsync(async () =>
        {
            try
            {
                await AppendAsync("after-kill", new TallyCounted(2));
                return true;
            }
            catch (NpgsqlException)
            {
                return false; // the pool hands out a killed connection once
            }
        }, "append after the kill");

        await CaughtUpAsync("applied-log", await HeadAsync());
        (await app.ScalarAsync("select count(*) from tests.applied where stream_id = 'after-kill'")).ShouldBeGreaterThanOrEqualTo(1);
        (await app.ScalarAsync("select count(*) from tests.applied where applications <> 1")).ShouldBe(0);
    }

    [Fact]
    public async Task A_poison_event_stops_only_its_projection_visibly_and_a_rebuild_after_the_fix_resumes_it()
    {
        FragileSumProjection.Fixed = false;
        var stream = $"poison-{Guid.NewGuid():N}";
        await AppendAsync(stream, new TallyCounted(5), new TallyCounted(FragileSumProjection.Poison), new TallyCounted(7));
        var head = await HeadAsync();

        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("select count(*) from eventing.projection_checkpoints where projection = 'fragile-sum' and status = 'stopped'") == 1,
            "fragile-sum stops");
        await CaughtUpAsync("applied-log", head); // the other projection goes on
        var poisonSeq = await app.ScalarAsync("select seq_id from marten.mt_events where stream_id = $1 and version = 2", stream);
        (await app.ScalarAsync("select error_seq from eventing.projection_checkpoints where projection = 'fragile-sum'")).ShouldBe(poisonSeq);
        // Events before the poison were applied, the ones after it were not.
        (await app.ScalarAsync("select total from tests.sums where stream_id = $1", stream)).ShouldBe(5);

        using var client = app.CreateClient();
        var health = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        health.GetProperty("status").GetString().ShouldBe("Degraded");
        health.GetProperty("checks").GetProperty("projections").GetProperty("description").GetString()!
            .ShouldContain($"fragile-sum stopped at event {poisonSeq} (tests.tally-counted)");

        FragileSumProjection.Fixed = true;
        var batchesBefore = FragileSumProjection.Batches;
        client.DefaultRequestHeaders.Add("X-Api-Key", AllmendeApp.AdminKey);
        (await client.PostAsync("/api/admin/projections/fragile-sum/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("select count(*) from eventing.projection_checkpoints where projection = 'fragile-sum' and status = 'running' and position >= $1", head) == 1,
            "fragile-sum rebuilt");
        (await app.ScalarAsync("select total from tests.sums where stream_id = $1", stream)).ShouldBe(5 + FragileSumProjection.Poison + 7);
        // The search for the poison went one event at a time; the rebuild after the fix must not.
        var batches = FragileSumProjection.Batches - batchesBefore;
        var tallies = await app.ScalarAsync("select count(*) from marten.mt_events where type = 'tests.tally-counted'");
        batches.ShouldBeLessThan((int)Math.Min(tallies, 20), $"the rebuild of {tallies} tallies took {batches} batches");
    }

    [Fact]
    public async Task A_stored_event_that_cannot_be_read_as_its_type_stops_only_the_projection_reading_it_at_that_event()
    {
        FragileSumProjection.Fixed = true;
        LabelText.ReadsNumbers = false;
        var stream = $"unreadable-{Guid.NewGuid():N}";
        await AppendAsync(stream, new TallyCounted(1));
        // A body this host cannot read as its type (a label that is a number): written as an older
        // release or another tool might have, straight into the log.
        await using (var connection = await app.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var write = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("update marten.mt_streams set version = 2 where id = $1") { Parameters = { new NpgsqlParameter<string> { TypedValue = stream } } },
                    new NpgsqlBatchCommand("""
                        insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp, user_name)
                        values (nextval('marten.mt_events_sequence'), gen_random_uuid(), $1, 2, 'tests.tally-labelled', '{"label": 42}', now(), 'test')
                        """) { Parameters = { new NpgsqlParameter<string> { TypedValue = stream } } },
                },
            };
            await write.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        await AppendAsync(stream, new TallyCounted(3));
        var head = await HeadAsync();
        var sequences = await ScalarTextAsync($"select string_agg(seq_id::text, ',' order by seq_id) from marten.mt_events where stream_id = '{stream}'");
        var (before, unreadable, after) = sequences.Split(',').Select(long.Parse).ToArray() switch
        {
            [var b, var u, var a] => (b, u, a),
            var other => throw new InvalidOperationException($"Expected three events, found {string.Join(",", other)}."),
        };

        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("select count(*) from eventing.projection_checkpoints where projection = 'applied-log' and status = 'stopped'") == 1,
            "applied-log stops");
        (await ScalarTextAsync("""
            select concat_ws(' | ', status, position, error_seq, error_event_type)
            from eventing.projection_checkpoints where projection = 'applied-log'
            """)).ShouldBe($"stopped | {unreadable - 1} | {unreadable} | tests.tally-labelled");
        (await ScalarTextAsync("select error from eventing.projection_checkpoints where projection = 'applied-log'"))
            .ShouldStartWith("JsonException: A label is text, not Number.");
        // Before it applied, after it not; the projections that do not read its type go on past it.
        (await ScalarTextAsync($"select coalesce(string_agg(seq::text, ',' order by seq), '') from tests.applied where stream_id = '{stream}'")).ShouldBe($"{before}");
        foreach (var other in app.Services.GetRequiredService<ProjectionSet>().Async.Where(p => p.Name != "applied-log"))
            await CaughtUpAsync(other.Name, head);
        (await app.ScalarAsync("select total from tests.sums where stream_id = $1", stream)).ShouldBe(1 + 3);
        // It stays stopped: Marten's later pages do not retry it for ever, nor pass it.
        await AppendAsync(stream, new TallyCounted(4));
        await CaughtUpAsync("fragile-sum", await HeadAsync());
        (await app.ScalarAsync("select position from eventing.projection_checkpoints where projection = 'applied-log'")).ShouldBe(unreadable - 1);

        var last = await app.ScalarAsync("select max(seq_id) from marten.mt_events where stream_id = $1", stream);

        // The fix (a release that reads the old shape), then a rebuild: it resumes past the event. The fix
        // stays in: the event stays in this fixture's log, and other tests rebuild applied-log too.
        LabelText.ReadsNumbers = true;
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AllmendeApp.AdminKey);
        (await client.PostAsync("/api/admin/projections/applied-log/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await CaughtUpAsync("applied-log", await HeadAsync());
        (await ScalarTextAsync($"select string_agg(seq || ':' || applications, ',' order by seq) from tests.applied where stream_id = '{stream}'"))
            .ShouldBe($"{before}:1,{unreadable}:1,{after}:1,{last}:1");
    }

    [Fact]
    public async Task Rebuilding_while_events_keep_coming_gives_the_same_tables()
    {
        FragileSumProjection.Fixed = true;
        for (var i = 0; i < 20; i++)
            await AppendAsync($"rebuild-{i % 4}", new TallyCounted(i));
        await CaughtUpAsync("applied-log", await HeadAsync());
        const string Snapshot = "select coalesce(string_agg(seq || ':' || stream_id || ':' || applications, ',' order by seq), '') from tests.applied";
        var before = await ScalarTextAsync(Snapshot);

        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AllmendeApp.AdminKey);
        var response = await client.PostAsync("/api/admin/projections/applied-log/rebuild", null);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var target = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("rebuildTo").GetInt64();
        target.ShouldBe(await HeadAsync());
        await AppendAsync("rebuild-during", new TallyCounted(99)); // keeps coming while it rebuilds
        await CaughtUpAsync("applied-log", await HeadAsync());

        var statuses = await client.GetFromJsonAsync<JsonElement>("/api/admin/projections");
        statuses.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "applied-log").GetProperty("status").GetString().ShouldBe("running");
        var after = await ScalarTextAsync(Snapshot);
        after.ShouldStartWith(before);
        (await app.ScalarAsync("select count(*) from tests.applied where stream_id = 'rebuild-during'")).ShouldBe(1);
    }

    [Fact]
    public async Task A_long_read_only_transaction_does_not_hold_the_projections_back_past_a_rolled_back_gap()
    {
        FragileSumProjection.Fixed = true;
        var id = Guid.NewGuid().ToString("N");
        // A report or an export: repeatable read, one select, then idle in its transaction while it
        // renders, for as long as it takes. It stays open until the end of the test.
        await using var report = await app.DataSource.OpenConnectionAsync();
        await using var reading = await report.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        int pid;
        await using (var select = new NpgsqlCommand("select count(*) from marten.mt_events", report, reading))
            await select.ExecuteScalarAsync();
        await using (var backend = new NpgsqlCommand("select pg_backend_pid()", report, reading))
            pid = (int)(await backend.ExecuteScalarAsync())!;

        // Meanwhile the house goes on: events are committed and projected.
        await AppendAsync($"report-traffic-{id}", new TallyCounted(1));
        await CaughtUpAsync("applied-log", await HeadAsync());
        // What lets Marten rule the report out as the reserver of a later gap (its "allocation fence",
        // marten#5163): a high-water poll that found no sequence number drawn beyond its mark, after the
        // report's last statement. Without it, the report's transaction counts as one that may still
        // fill the gap, and every projection waits for it to end (docs/adr/0015).
        await Eventually.ReachedAsync(async () => await app.ScalarAsync("""
            select count(*) from marten.mt_event_progression f, pg_stat_activity a
            where f.name = 'HighWaterAllocationFence' and a.pid = $1 and f.last_updated > a.state_change
            """, pid) == 1, "Marten's allocation fence passes the report's last statement");

        // A lost race: a unit of work that drew its sequence number and rolled back, below newer events.
        await using (var lost = await app.DataSource.OpenConnectionAsync())
        await using (var transaction = await lost.BeginTransactionAsync())
        {
            await app.Store.Begin(new EventMetadata("lost"), lost, transaction).AppendAndWriteAsync($"report-lost-{id}", [new TallyCounted(2)]);
            await transaction.RollbackAsync();
        }
        await AppendAsync($"report-after-{id}", new TallyCounted(3));
        var head = await HeadAsync();

        // Every async projection passes the burned number and the newer event while the report is open.
        foreach (var projection in app.Services.GetRequiredService<ProjectionSet>().Async)
            await CaughtUpAsync(projection.Name, head);
        (await app.ScalarAsync("select count(*) from tests.applied where stream_id = $1", $"report-after-{id}")).ShouldBe(1);
        // Passing a rolled-back append's gap is routine (every lost race): no Warning in the host's log for it.
        app.Log.Lines.ShouldNotContain(line => line.Contains(" Warning ", StringComparison.Ordinal)
            && line.Contains("is skipping the event sequence range", StringComparison.Ordinal));
        await using (var stillOpen = new NpgsqlCommand("select count(*) from marten.mt_events where stream_id = $1", report, reading))
        {
            stillOpen.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"report-after-{id}" });
            (await stillOpen.ExecuteScalarAsync()).ShouldBe(0L); // its snapshot is from before: it really was open all along
        }
    }

    private async Task<string> ScalarTextAsync(string sql)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

internal static class UnitOfWorkTestExtensions
{
    public static Task<IReadOnlyList<StoredEvent>> AppendAndWriteAsync(this UnitOfWork uow, string stream, object[] events)
    {
        uow.Append(stream, events);
        return uow.CommitAsync();
    }
}

public sealed class RebuildVerbTests(BusApp app) : IClassFixture<BusApp>
{
    [Fact]
    public async Task The_rebuild_verb_replays_a_projection_and_reports_progress_until_it_has_caught_up()
    {
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.Append("verb", new TallyCounted(1), new TallyCounted(2), new TallyCounted(3));
        await uow.CommitAsync();
        var head = await app.ScalarAsync("select max(seq_id) from marten.mt_events");
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        int exit;
        try
        {
            exit = await Allmende.Host.Cli.RunAsync(app.Services, ["rebuild", "applied-log"]);
        }
        finally
        {
            Console.SetOut(original);
        }

        exit.ShouldBe(0);
        output.ToString().ShouldContain("applied-log: rebuilt.");
        (await app.ScalarAsync("select position from eventing.projection_checkpoints where projection = 'applied-log'")).ShouldBeGreaterThanOrEqualTo(head);
        (await app.ScalarAsync("select count(*) from tests.applied where stream_id = 'verb'")).ShouldBe(3);
        (await app.ScalarAsync("select count(*) from tests.applied where applications <> 1")).ShouldBe(0);
    }

    [Fact]
    public async Task The_rebuild_verb_names_the_known_projections_when_given_an_unknown_one()
    {
        var errors = new StringWriter();
        var original = Console.Error;
        Console.SetError(errors);
        try
        {
            (await Allmende.Host.Cli.RunAsync(app.Services, ["rebuild", "nope"])).ShouldBe(2);
        }
        finally
        {
            Console.SetError(original);
        }
        errors.ToString().ShouldContain("There is no projection named 'nope'. Known: ");
        errors.ToString().ShouldContain("applied-log, fragile-sum");
    }
}
