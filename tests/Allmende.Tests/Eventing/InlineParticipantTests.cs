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
    private sealed class Participant(Func<NpgsqlConnection, NpgsqlTransaction, Task> body) : ITransactionParticipant
    {
        public int Runs { get; private set; }

        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            Runs++;
            await body(connection, transaction);
        }
    }

    private static async Task RaiseAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sqlState)
    {
        await using var command = new NpgsqlCommand($"do $$ begin raise exception 'from a participant' using errcode = '{sqlState}'; end $$", connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Appends one stream through a session on our transaction with the participant enlisted, then rolls back.</summary>
    private async Task<(Exception? Error, IReadOnlyList<IEvent> Events)> AppendAsync(string stream, ITransactionParticipant participant)
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

        var (error, _) = await AppendAsync($"tally-{Guid.NewGuid():N}", participant);

        participant.Runs.ShouldBe(1);
        error.ShouldBeOfType<Marten.Exceptions.MartenCommandException>()
            .InnerException.ShouldBeOfType<PostgresException>().SqlState.ShouldBe("23P01");
    }

    [Fact]
    public async Task A_deadlock_in_a_participant_is_retried_in_the_aborted_transaction_and_ends_as_its_refusal()
    {
        var participant = new Participant((c, t) => RaiseAsync(c, t, "40P01"));

        var (error, _) = await AppendAsync($"tally-{Guid.NewGuid():N}", participant);

        // Marten's write pipeline retries a deadlock; on a transaction it does not own the retry re-sends the
        // batch into the aborted transaction, which PostgreSQL refuses (25P02): the participant ran once.
        participant.Runs.ShouldBe(1);
        error.ShouldNotBeNull();
        Flatten(error).OfType<PostgresException>().Select(p => p.SqlState).ShouldContain("25P02");
    }

    [Fact]
    public async Task A_failed_participant_makes_Marten_write_tombstones_over_the_sequence_numbers_the_rolled_back_events_drew()
    {
        var participant = new Participant((c, t) => RaiseAsync(c, t, "23P01"));

        var (error, events) = await AppendAsync($"tally-{Guid.NewGuid():N}", participant);

        error.ShouldNotBeNull();
        var sequences = events.Select(e => e.Sequence).ToArray();
        sequences.ShouldAllBe(s => s > 0);
        // Off the caller's path (EventGraph.EnqueueTombstones), once our rolled-back transaction let go of them.
        await Eventually.ReachedAsync(async () => await CountAsync(
                "select count(*) from marten.mt_events where seq_id = any($1) and type = 'tombstone'", sequences) == sequences.Length,
            "Marten's tombstones over the rolled-back events' sequence numbers");
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

    private async Task<long> CountAsync(string sql, long[] sequences)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = sequences });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
            yield return x;
    }
}
