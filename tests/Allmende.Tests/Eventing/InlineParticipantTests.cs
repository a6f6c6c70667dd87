using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Eventing;

/// <summary>
/// What Marten 9.62 does with a transaction participant on a session bound to our transaction, the way
/// ADR 15 ("Next", point 2) planned to run the inline projections: the checks it asked for first.
/// </summary>
public sealed class InlineParticipantTests(StoreApp app) : IClassFixture<StoreApp>
{
    internal sealed class Participant(Func<NpgsqlConnection, NpgsqlTransaction, Task> body) : ITransactionParticipant
    {
        public int Runs { get; private set; }

        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            Runs++;
            await body(connection, transaction);
        }
    }

    internal static async Task RaiseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sqlState)
    {
        await using var command = new NpgsqlCommand($"do $$ begin raise exception 'from a participant' using errcode = '{sqlState}'; end $$", connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Appends one stream through a session on our transaction with the participant enlisted, then rolls back.</summary>
    internal static async Task<(Exception? Error, IReadOnlyList<IEvent> Events)> AppendAsync(StoreApp app, string stream, ITransactionParticipant participant)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession(SessionOptions.ForTransaction(transaction));
        session.LastModifiedBy = "member:alice";
        var action = session.Events.StartStream(stream, new TallyOpened("Kiosk"), new TallyCounted(2));
        ((ITransactionParticipantRegistrar)session).AddTransactionParticipant(participant);
        try
        {
            await session.SaveChangesAsync();
            return (null, action.Events);
        }
        catch (Exception e)
        {
            return (e, action.Events);
        }
    }

    [Fact]
    public async Task A_participant_runs_after_the_append_with_sequence_numbers_versions_and_metadata_set()
    {
        var seen = new List<(long Sequence, long Version, string? UserName, string TypeName)>();
        IReadOnlyList<IEvent> events = [];
        var participant = new Participant((_, _) =>
        {
            seen.AddRange(events.Select(e => (e.Sequence, e.Version, e.UserName, e.EventTypeName)));
            return Task.CompletedTask;
        });
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession(SessionOptions.ForTransaction(transaction));
        session.LastModifiedBy = "member:alice";
        events = session.Events.StartStream($"tally-{Guid.NewGuid():N}", new TallyOpened("Kiosk"), new TallyCounted(2)).Events;
        ((ITransactionParticipantRegistrar)session).AddTransactionParticipant(participant);

        await session.SaveChangesAsync();

        seen.Select(e => e.Version).ShouldBe([1L, 2L]);
        seen.ShouldAllBe(e => e.Sequence > 0 && e.UserName == "member:alice");
        seen.Select(e => e.TypeName).ShouldBe(["tests.tally-opened", "tests.tally-counted"]);
        seen[1].Sequence.ShouldBeGreaterThan(seen[0].Sequence);
    }

    [Fact]
    public async Task An_exclusion_violation_in_a_participant_reaches_the_caller_wrapped_and_is_not_retried()
    {
        var participant = new Participant((c, t) => RaiseAsync(c, t, "23P01"));

        var (error, _) = await AppendAsync(app, $"tally-{Guid.NewGuid():N}", participant);

        participant.Runs.ShouldBe(1);
        error.ShouldBeOfType<Marten.Exceptions.MartenCommandException>()
            .InnerException.ShouldBeOfType<PostgresException>().SqlState.ShouldBe("23P01");
    }

    [Fact]
    public async Task A_deadlock_in_a_participant_is_retried_in_the_aborted_transaction_and_ends_as_its_refusal()
    {
        var participant = new Participant((c, t) => RaiseAsync(c, t, "40P01"));

        var (error, _) = await AppendAsync(app, $"tally-{Guid.NewGuid():N}", participant);

        // Marten's write pipeline retries a deadlock; on a transaction it does not own the retry re-sends the
        // batch into the aborted transaction, which PostgreSQL refuses (25P02): the participant ran once.
        participant.Runs.ShouldBe(1);
        error.ShouldNotBeNull();
        Flatten(error).OfType<PostgresException>().Select(p => p.SqlState).ShouldContain("25P02");
    }

    [Fact]
    public async Task A_stale_expected_version_fails_in_the_batch_before_any_sequence_number_is_read_back_so_no_tombstone()
    {
        var stream = $"tally-{Guid.NewGuid():N}";
        var unit = app.Store.Begin(EventMetadata.System);
        unit.StartStream("tally", stream, new TallyOpened("Kiosk"));
        await unit.CommitAsync();

        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession(SessionOptions.ForTransaction(transaction));
        var action = session.Events.Append(stream, 5, new TallyCounted(1));
        await Should.ThrowAsync<Exception>(() => session.SaveChangesAsync());

        action.Events.ShouldAllBe(e => e.Sequence == 0);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            yield return x;
    }
}

/// <summary>
/// A failed participant makes Marten write tombstone events over the sequence numbers the rolled-back events
/// drew, afterwards and from another connection (which eventing migration 8 keeps out of the log; without
/// it they landed there): the reason <c>InlineWrites</c> never throws into Marten. A class of its own, so
/// that its database has seen no failed save before.
/// </summary>
public sealed class ParticipantTombstoneTests(StoreApp app) : IClassFixture<StoreApp>
{
    [Fact]
    public async Task A_failed_participant_makes_Marten_write_its_tombstones_after_the_save()
    {
        var participant = new InlineParticipantTests.Participant((c, t) => InlineParticipantTests.RaiseAsync(c, t, "23P01"));

        var (error, events) = await InlineParticipantTests.AppendAsync(app, $"tally-{Guid.NewGuid():N}", participant);

        error.ShouldNotBeNull();
        events.ShouldAllBe(e => e.Sequence > 0); // drawn in the batch, before the participant ran
        // Marten's tombstone transaction first makes sure its stream row exists: there once it has committed.
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
                "select count(*) from marten.mt_streams where id = 'mt_tombstone'") == 1,
            "Marten's tombstone stream, written after the failed save");
    }
}
