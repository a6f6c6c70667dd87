using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Eventing;

/// <summary>
/// A host that starts over a backlog (a log imported, or written while every host was down): Marten's
/// first page for a subscription spans all of it, and must still be applied in short transactions.
/// </summary>
public sealed class ProjectionBacklogTests : IAsyncLifetime
{
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("backlog");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_database);

    private Task<long> ScalarAsync(string sql, params object[] args) => TestPostgres.ScalarAsync(_database, sql, args);

    [Fact]
    public async Task A_host_started_over_a_backlog_applies_it_one_batch_per_transaction_each_event_once()
    {
        // 60 events in 6 tallies, written before any host with projections ran.
        await TestPostgres.ExecuteAsync(_database, """
            insert into marten.mt_streams (id, type, version, timestamp, created)
            select 'backlog-' || s, 'tally', 10, now(), now() from generate_series(1, 6) s;
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp, user_name)
            select nextval('marten.mt_events_sequence'), gen_random_uuid(), 'backlog-' || ((i - 1) / 10 + 1), (i - 1) % 10 + 1,
                   'tests.tally-counted', jsonb_build_object('amount', 1), now(), 'test'
            from generate_series(1, 60) i;
            """);
        var head = await ScalarAsync("select max(seq_id) from marten.mt_events");

        await using var host = new BusApp(_database, "backlog-host");
        host.With("Eventing:ProjectionBatchSize", "10");
        await host.StartAsync();
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select min(position) from eventing.projection_checkpoints") >= head, "every projection caught up");

        (await ScalarAsync("select count(*) from tests.applied where stream_id like 'backlog-%' and applications = 1")).ShouldBe(60);
        (await ScalarAsync("select count(*) from tests.applied where applications <> 1")).ShouldBe(0);
        // The rows a transaction inserted share its xmin: six transactions of one batch (10) each,
        // not Marten's first page with all 60.
        (await ScalarAsync("select count(distinct xmin::text) from tests.applied")).ShouldBe(6);
        (await ScalarAsync("select max(n) from (select count(*) n from tests.applied group by xmin::text) t")).ShouldBe(10);
    }
}
