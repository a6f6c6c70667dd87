using System.Reflection;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Eventing;

/// <summary>
/// Marten runs our inline projections (issue 13 item 1): in the appending transaction, after the append,
/// with what the log holds, and a projection's failure reaches the caller as it was raised.
/// </summary>
public sealed class InlineProjectionTests(StoreApp app) : IClassFixture<StoreApp>
{
    private static readonly EventMetadata Alice = new("member:alice", "corr-7", "cause-7");

    private TallyLedgerProjection Ledger =>
        (TallyLedgerProjection)app.Services.GetRequiredService<ProjectionSet>().Find("tally-ledger")!;

    private static string NewStream() => $"tally-{Guid.NewGuid():N}";

    [Fact]
    public async Task An_inline_projection_is_given_the_events_as_the_unit_returns_them_and_as_the_log_holds_them()
    {
        var (first, second) = (NewStream(), NewStream());
        var opened = app.Store.Begin(Alice);
        opened.StartStream("tally", first, new TallyOpened("Kiosk"));
        await opened.CommitAsync();

        var unit = app.Store.Begin(Alice);
        unit.Append(first, 1, new TallyCounted(2), new TallyRenamed("Café"));
        unit.StartStream("tally", second, new TallyOpened("Werkstatt"));
        unit.Append(first, new TallyCounted(3)); // no expected version: Marten learns it in the append
        var stored = await unit.CommitAsync();

        var inFirst = await app.Store.ReadStreamAsync(first);
        var inSecond = await app.Store.ReadStreamAsync(second);
        Ledger.Seen(first).ShouldBe(inFirst);
        Ledger.Seen(second).ShouldBe(inSecond);
        stored.OrderBy(e => e.Sequence).ShouldBe(inFirst.Skip(1).Concat(inSecond).OrderBy(e => e.Sequence));
        Ledger.Seen(first).Select(e => e.StreamVersion).ShouldBe([1L, 2L, 3L, 4L]);
        Ledger.Seen(first)[1].ShouldBe(stored[0]);
        stored[0].Metadata.ShouldBe(Alice);
    }

    [Fact]
    public async Task Marten_runs_them_in_any_session_that_appends_on_our_transaction()
    {
        var stream = NewStream();
        await using (var connection = await app.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession(SessionOptions.ForTransaction(transaction));
            session.Events.StartStream(stream, new TallyOpened("Kiosk"), new TallyCounted(5));
            await session.SaveChangesAsync();
            await transaction.CommitAsync();
        }

        var events = await app.Store.ReadStreamAsync(stream);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select total from tests.tally_totals where stream_id = $1", stream)).ShouldBe(5);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select last_seq from tests.tally_totals where stream_id = $1", stream)).ShouldBe(events[^1].Sequence);
        // Without our writer the instants are Marten's (its clock's ticks, the column's microseconds).
        Ledger.Seen(stream).Select(e => (e.Sequence, e.EventId, e.StreamVersion, e.EventType, e.Data))
            .ShouldBe(events.Select(e => (e.Sequence, e.EventId, e.StreamVersion, e.EventType, e.Data)));
    }

    [Fact]
    public async Task An_exclusion_violation_reaches_the_caller_as_the_PostgresException_and_leaves_nothing_in_the_log()
    {
        var stream = NewStream();
        var unit = app.Store.Begin(Alice);
        unit.StartStream("tally", stream, new TallyOpened("Kiosk"), new TallyRenamed(TallyLedgerProjection.OverlappingName));

        var error = await Should.ThrowAsync<PostgresException>(() => unit.CommitAsync());

        error.SqlState.ShouldBe("23P01"); // what the modules catch, for their 409s
        Ledger.Seen(stream).Count.ShouldBe(1); // the event before the violation, in the rolled-back transaction
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from marten.mt_events where stream_id = $1", stream)).ShouldBe(0);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from tests.tally_totals where stream_id = $1", stream)).ShouldBe(0);
        // Marten was not told: it writes tombstones over a failed save's sequence numbers (ParticipantTombstoneTests),
        // queued before the save throws, in a transaction that first makes sure of their stream's row. None was.
        await PendingTombstones();
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from marten.mt_streams where id = 'mt_tombstone'")).ShouldBe(0);
    }

    /// <summary>Marten's own wait for the tombstones it queued (internal, "for tests, and for store disposal").</summary>
    private Task PendingTombstones()
    {
        var events = app.Services.GetRequiredService<StoreOptions>().Events; // Marten's EventGraph
        var wait = events.GetType().GetMethod("WaitForPendingTombstonesAsync", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new MissingMethodException("Marten's EventGraph no longer has WaitForPendingTombstonesAsync.");
        return (Task)wait.Invoke(events, null)!;
    }
}
