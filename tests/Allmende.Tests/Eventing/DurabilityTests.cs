using Allmende.Eventing.Health;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;

namespace Allmende.Tests.Eventing;

/// <summary>Several hosts on one database, hosts that die, and work that must survive them.</summary>
public sealed class DurabilityTests : IAsyncLifetime
{
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("dur");

    public Task DisposeAsync() => Task.CompletedTask;

    private BusApp Host(string id, bool background = true) => new(_database, id, background);

    private Task<long> ScalarAsync(string sql, params object[] args) => TestPostgres.ScalarAsync(_database, sql, args);

    /// <summary>Ends every connection a host holds, as if its process died; then stops what is left of it.</summary>
    private async Task KillAsync(BusApp host, string id)
    {
        await ScalarAsync("select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = $1", $"allmende:{id}");
        await host.DisposeAsync();
    }

    [Fact]
    public async Task A_host_started_while_a_rolled_back_gap_sits_below_newer_events_catches_up()
    {
        // The cluster goes down with every projection caught up.
        var before = Host("host-before");
        await before.StartAsync();
        var first = before.Store.Begin(new EventMetadata("test"));
        first.Append("restart-before", new TallyCounted(1));
        await first.CommitAsync();
        var caughtUp = await ScalarAsync("select max(seq_id) from marten.mt_events");
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select min(position) from eventing.projection_checkpoints") >= caughtUp, "caught up before the restart");
        await before.DisposeAsync();

        // While it is down, a writer-only host loses a race (a burned number) below newer committed events.
        await using (var writer = Host("host-writer", background: false))
        {
            await using var connection = await writer.DataSource.OpenConnectionAsync();
            await using (var transaction = await connection.BeginTransactionAsync())
            {
                var lost = writer.Store.Begin(new EventMetadata("lost"), connection, transaction);
                lost.Append("restart-lost", new TallyCounted(2));
                await lost.CommitAsync();
                await transaction.RollbackAsync();
            }
            var after = writer.Store.Begin(new EventMetadata("test"));
            after.Append("restart-after", new TallyCounted(3));
            await after.CommitAsync();
        }
        var head = await ScalarAsync("select max(seq_id) from marten.mt_events");
        (await ScalarAsync("select count(*) from marten.mt_events where seq_id > $1", caughtUp)).ShouldBeLessThan(head - caughtUp);

        // A new host on the same database, with Wolverine's listener sessions open: every projection
        // passes the gap and reaches the head.
        await using var restarted = Host("host-restarted");
        await restarted.StartAsync();
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select min(position) from eventing.projection_checkpoints") >= head, "caught up after the restart");
        (await ScalarAsync("select count(*) from tests.applied where stream_id = 'restart-after'")).ShouldBe(1);
        (await ScalarAsync("select count(*) from tests.applied where stream_id = 'restart-lost'")).ShouldBe(0);
    }

    /// <summary>Whether Wolverine runs the projection's Marten subscription as an agent on this host.</summary>
    private static bool RunsAppliedLog(BusApp host) =>
        host.Services.GetRequiredService<IWolverineRuntime>().Agents.AllRunningAgentUris()
            .Any(agent => ProjectionHealthCheck.RunsProjection(agent, "applied-log"));

    [Fact]
    public async Task Two_hosts_never_apply_the_same_events_and_when_the_owner_dies_the_other_takes_over()
    {
        var a = Host("host-a");
        await using var b = Host("host-b");
        await a.StartAsync();
        await b.StartAsync();

        async Task AppendAsync(BusApp via, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var uow = via.Store.Begin(new EventMetadata("test"));
                uow.Append($"shared-{i % 5}", new TallyCounted(i));
                await uow.CommitAsync();
            }
        }

        await Task.WhenAll(AppendAsync(a, 60), AppendAsync(b, 60));
        var head = await ScalarAsync("select max(seq_id) from marten.mt_events");
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select position from eventing.projection_checkpoints where projection = 'applied-log'") >= head, "caught up");

        var owners = new[] { a, b }.Where(RunsAppliedLog).ToList();
        owners.Count.ShouldBe(1);
        var owner = owners[0];
        var survivor = owner == a ? b : a;
        (await ScalarAsync("select count(distinct applied_by) from tests.applied")).ShouldBe(1);

        await KillAsync(owner, owner == a ? "host-a" : "host-b");
        await AppendAsync(survivor, 30);
        head = await ScalarAsync("select max(seq_id) from marten.mt_events");
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select position from eventing.projection_checkpoints where projection = 'applied-log'") >= head, "survivor catches up");

        RunsAppliedLog(survivor).ShouldBeTrue();
        // Every event of the projection's types (other modules may write their own events meanwhile), each once.
        (await ScalarAsync("select count(*) from tests.applied"))
            .ShouldBe(await ScalarAsync("select count(*) from marten.mt_events where type in ('tests.tally-opened', 'tests.tally-counted')"));
        (await ScalarAsync("select count(*) from tests.applied where applications <> 1")).ShouldBe(0);
        if (owner != a)
            await a.DisposeAsync();
    }
}
