using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Npgsql;

namespace Allmende.Tests.Eventing;

/// <summary>
/// Marten answers a save that failed after some of its events drew sequence numbers with "tombstone"
/// events over those numbers, written afterwards from another connection. The log keeps none of them
/// (eventing migration 8): it holds only what units committed. A class of its own, so that its
/// database has seen no failed save before (see below).
/// </summary>
public sealed class TombstoneTests(StoreApp app) : IClassFixture<StoreApp>
{
    [Fact]
    public async Task A_unit_that_loses_at_its_second_stream_leaves_only_committed_events_in_the_log()
    {
        var existing = $"tally-{Guid.NewGuid():N}";
        var opening = app.Store.Begin(EventMetadata.System);
        opening.StartStream("tally", existing, new TallyOpened("Existing"));
        var committed = await opening.CommitAsync();

        // The new stream's events are appended (and given sequence numbers) before the stale append fails.
        var fresh = $"tally-{Guid.NewGuid():N}";
        var unit = app.Store.Begin(EventMetadata.System);
        unit.StartStream("tally", fresh, new TallyOpened("Fresh"), new TallyCounted(2));
        unit.Append(existing, 7, new TallyCounted(1));
        await Should.ThrowAsync<ConcurrencyException>(() => unit.CommitAsync());

        // Marten writes its tombstones in one transaction that first makes sure its stream row exists:
        // the row is there once that transaction committed, with whatever it wrote into the log.
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from marten.mt_streams where id = 'mt_tombstone'") == 1,
            "Marten's tombstone stream, written after the failed save");

        var log = new List<(long, string, long, string)>();
        await using (var command = app.DataSource.CreateCommand("select seq_id, stream_id, version, type from marten.mt_events order by seq_id"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                log.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3)));
        }
        log.ShouldBe([(committed[0].Sequence, existing, 1L, committed[0].EventType)]);
    }

    [Fact]
    public async Task A_tombstone_as_Marten_writes_it_is_kept_out_of_the_log_and_nothing_else_is()
    {
        var before = await TestPostgres.ScalarAsync(app.ConnectionString, "select coalesce(max(seq_id), 0) from marten.mt_events");
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // Not its stream row: the other test waits for Marten to write that one. Without the row the insert
        // would break the events' foreign key, were it not skipped before any constraint is checked.
        await using (var command = new NpgsqlCommand("""
            insert into marten.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            values (nextval('marten.mt_events_sequence'), gen_random_uuid(), 'mt_tombstone', 1, '{}', 'tombstone', '-infinity', '*DEFAULT*',
                    'JasperFx.Events.Tombstone, JasperFx.Events', false)
            """, connection, transaction))
        {
            (await command.ExecuteNonQueryAsync()).ShouldBe(0);
        }
        await transaction.CommitAsync();

        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from marten.mt_events where seq_id > $1 or stream_id = 'mt_tombstone'", before)).ShouldBe(0);
    }
}
