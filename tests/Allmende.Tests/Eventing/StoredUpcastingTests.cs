using System.Text.Json.Nodes;
using Allmende.Eventing;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Eventing;

public sealed class UpcastingApp : AllmendeApp
{
    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<EventingOptions>(o =>
        {
            o.RegisterTallies();
            // Once, tallies were "counters" that stored their amount as "by".
            o.Types.Upcast("tests.counter-incremented", "tests.tally-counted", old => new JsonObject { ["amount"] = old["by"]!.GetValue<int>() });
        });
}

public sealed class StoredUpcastingTests(UpcastingApp app) : IClassFixture<UpcastingApp>
{
    [Fact]
    public async Task Events_stored_under_a_retired_name_and_shape_load_as_the_current_type()
    {
        var stream = $"legacy-{Guid.NewGuid():N}";
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.StartStream("tally", stream, new TallyOpened("Legacy"));
        await uow.CommitAsync();
        // As an older version of the code wrote it:
        await using (var command = app.DataSource.CreateCommand("""
            with s as (update marten.mt_streams set version = 2 where id = $1 returning id)
            insert into marten.mt_events (seq_id, id, stream_id, version, type, data, timestamp)
            select nextval('marten.mt_events_sequence'), gen_random_uuid(), id, 2, 'tests.counter-incremented', '{"by": 6}', now() from s
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = stream });
            (await command.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var loaded = await app.Store.LoadAsync<Tally>(stream);

        loaded!.State.ShouldBe(new Tally("Legacy", 6, 1));
        (await app.Store.ReadStreamAsync(stream))[1].Data.ShouldBe(new TallyCounted(6));
    }
}
