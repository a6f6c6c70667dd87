using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

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
    public async Task A_message_committed_by_a_host_that_dies_before_delivering_is_handled_once_after_restart()
    {
        var greeting = new Greeted(Guid.NewGuid(), "survives");
        var first = Host("first", background: false); // commits, never delivers: the crash window
        await first.StartAsync();
        var uow = first.Store.Begin(new EventMetadata("test"));
        var messageId = uow.Publish(greeting);
        await uow.CommitAsync();
        await KillAsync(first, "first");
        (await ScalarAsync("select count(*) from eventing.deliveries where message_id = $1 and status = 'pending'", messageId)).ShouldBe(2);

        await using var second = Host("second");
        await second.StartAsync();
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select count(*) from eventing.deliveries where message_id = $1 and status = 'done'", messageId) == 2, "delivered after restart");
        (await ScalarAsync("select sum(times) from tests.handled where id = $1", greeting.Id)).ShouldBe(2); // logger + auditor, once each
    }

    [Fact]
    public async Task A_scheduled_message_survives_a_restart_and_fires_once()
    {
        var reminder = new Reminder(Guid.NewGuid(), "after restart");
        // The first host schedules it and dies without ever delivering: however slowly it stops under
        // load, it cannot fire the reminder first (an 8 s lead once lost that race in CI).
        var first = Host("sched-1", background: false);
        await first.StartAsync();
        var uow = first.Store.Begin(new EventMetadata("test"));
        uow.Schedule(reminder, DateTimeOffset.UtcNow.AddSeconds(2));
        await uow.CommitAsync();
        await KillAsync(first, "sched-1");
        (await ScalarAsync("select count(*) from tests.handled where id = $1", reminder.Id)).ShouldBe(0);

        // Two hosts come back; exactly one of them fires it, once.
        await using var second = Host("sched-2");
        await using var third = Host("sched-3");
        await Task.WhenAll(second.StartAsync(), third.StartAsync());
        await Eventually.ReachedAsync(async () => await ScalarAsync("select count(*) from tests.handled where id = $1", reminder.Id) == 1, "reminder fires");
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select count(*) from eventing.deliveries d join eventing.outbox o using (message_id) where o.body->>'id' = $1 and d.status = 'done'",
                reminder.Id.ToString()) == 1, "delivery done");
        (await ScalarAsync("select times from tests.handled where id = $1", reminder.Id)).ShouldBe(1);
    }

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

        var owners = new[] { a, b }.Where(h => h.Services.GetRequiredService<ProjectionDaemon>().Runtimes["applied-log"].Owned).ToList();
        owners.Count.ShouldBe(1);
        var owner = owners[0];
        var survivor = owner == a ? b : a;
        (await ScalarAsync("select count(distinct applied_by) from tests.applied")).ShouldBe(1);

        await KillAsync(owner, owner == a ? "host-a" : "host-b");
        await AppendAsync(survivor, 30);
        head = await ScalarAsync("select max(seq_id) from marten.mt_events");
        await Eventually.ReachedAsync(async () =>
            await ScalarAsync("select position from eventing.projection_checkpoints where projection = 'applied-log'") >= head, "survivor catches up");

        survivor.Services.GetRequiredService<ProjectionDaemon>().Runtimes["applied-log"].Owned.ShouldBeTrue();
        // Every event of the projection's types (other modules may write their own events meanwhile), each once.
        (await ScalarAsync("select count(*) from tests.applied"))
            .ShouldBe(await ScalarAsync("select count(*) from marten.mt_events where type in ('tests.tally-opened', 'tests.tally-counted')"));
        (await ScalarAsync("select count(*) from tests.applied where applications <> 1")).ShouldBe(0);
        if (owner != a)
            await a.DisposeAsync();
    }
}
