using Allmende.Eventing;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Eventing;

public sealed class StoreApp : AllmendeApp
{
    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero));

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.Configure<EventingOptions>(o =>
        {
            o.RegisterTallies();
            o.AddProjection<TallyTotalsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<TallyLedgerProjection>(ProjectionLifecycle.Inline);
        });
        services.AddSingleton<TimeProvider>(Clock);
    }
}

public sealed class EventStoreTests(StoreApp app) : IClassFixture<StoreApp>
{
    private static readonly EventMetadata Alice = new("member:alice", "corr-1", "cause-1");

    private static string NewStream() => $"tally-{Guid.NewGuid():N}";

    private async Task<long> CountAsync(string sql, params object[] args)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<IReadOnlyList<StoredEvent>> StartAsync(string stream, params object[] events)
    {
        var uow = app.Store.Begin(Alice);
        uow.StartStream("tally", stream, events);
        return await uow.CommitAsync();
    }

    [Fact]
    public async Task A_started_stream_folds_back_into_its_state_at_its_version()
    {
        var stream = NewStream();
        var stored = await StartAsync(stream, new TallyOpened("Kiosk"), new TallyCounted(3), new TallyCounted(4));

        var loaded = await app.Store.LoadAsync<Tally>(stream);

        loaded.ShouldBe(new StreamState<Tally>(stream, 3, new Tally("Kiosk", 7, 2)));
        stored.Select(e => e.StreamVersion).ShouldBe([1L, 2L, 3L]);
        stored.Select(e => e.Sequence).ShouldBeInOrder(SortDirection.Ascending);
        stored[1].Data.ShouldBe(new TallyCounted(3));
        stored[1].EventType.ShouldBe("tests.tally-counted");
    }

    [Fact]
    public async Task Every_event_records_its_metadata_and_inserting_transaction()
    {
        var stream = NewStream();
        await StartAsync(stream, new TallyOpened("Meta"));

        var read = await app.Store.ReadStreamAsync(stream);

        read.Single().Metadata.ShouldBe(Alice);
        read.Single().RecordedAt.ShouldBe(app.Clock.GetUtcNow());
        (await CountAsync("select count(*) from marten.mt_events where stream_id = $1 and xmin::text::bigint <= pg_current_xact_id()::text::bigint", stream))
            .ShouldBe(1);
    }

    [Fact]
    public async Task Starting_a_stream_that_exists_fails_and_writes_nothing()
    {
        var stream = NewStream();
        await StartAsync(stream, new TallyOpened("First"));

        var error = await Should.ThrowAsync<StreamAlreadyExistsException>(() => StartAsync(stream, new TallyOpened("Second")));

        error.StreamId.ShouldBe(stream);
        (await app.Store.LoadAsync<Tally>(stream))!.State.Name.ShouldBe("First");
    }

    [Fact]
    public async Task Appending_at_a_stale_version_names_the_stream_and_both_versions()
    {
        var stream = NewStream();
        await StartAsync(stream, new TallyOpened("Stale"), new TallyCounted(1));

        var uow = app.Store.Begin(Alice);
        uow.Append(stream, 1, new TallyCounted(5));
        var error = await Should.ThrowAsync<ConcurrencyException>(() => uow.CommitAsync());

        error.StreamId.ShouldBe(stream);
        error.ExpectedVersion.ShouldBe(1);
        error.ActualVersion.ShouldBe(2);
        error.Message.ShouldBe($"Stream '{stream}' was expected at version 1 but is at version 2.");
        (await app.Store.CurrentVersionAsync(stream)).ShouldBe(2);
    }

    [Fact]
    public async Task Appending_with_an_expected_version_to_a_missing_stream_is_a_concurrency_error()
    {
        var stream = NewStream();
        var uow = app.Store.Begin(Alice);
        uow.Append(stream, 3, new TallyCounted(5));

        var error = await Should.ThrowAsync<ConcurrencyException>(() => uow.CommitAsync());

        error.ActualVersion.ShouldBeNull();
        (await app.Store.CurrentVersionAsync(stream)).ShouldBeNull();
    }

    [Fact]
    public async Task Appending_without_a_check_goes_to_the_end_and_creates_a_missing_stream()
    {
        var stream = NewStream();
        var first = app.Store.Begin(Alice);
        first.Append(stream, new TallyOpened("Loose"));
        await first.CommitAsync();
        var second = app.Store.Begin(Alice);
        second.Append(stream, new TallyCounted(2), new TallyCounted(3));
        var stored = await second.CommitAsync();

        stored.Select(e => e.StreamVersion).ShouldBe([2L, 3L]);
        (await app.Store.LoadAsync<Tally>(stream))!.State.ShouldBe(new Tally("Loose", 5, 2));
    }

    [Fact]
    public async Task A_unit_of_work_over_several_streams_commits_all_or_nothing()
    {
        var existing = NewStream();
        await StartAsync(existing, new TallyOpened("Existing"));
        var fresh = NewStream();

        var uow = app.Store.Begin(Alice);
        uow.StartStream("tally", fresh, new TallyOpened("Fresh"));
        uow.Append(existing, 7, new TallyCounted(1)); // wrong version: the whole unit must fail
        await Should.ThrowAsync<ConcurrencyException>(() => uow.CommitAsync());

        (await app.Store.CurrentVersionAsync(fresh)).ShouldBeNull();
        (await CountAsync("select count(*) from marten.mt_events where stream_id = $1", fresh)).ShouldBe(0);
        (await CountAsync($"select count(*) from {TallyTotalsProjection.Table} where stream_id = $1", fresh)).ShouldBe(0);
    }

    [Fact]
    public async Task An_inline_projection_commits_with_the_events()
    {
        var stream = NewStream();
        await StartAsync(stream, new TallyOpened("Inline"), new TallyCounted(2));
        var uow = app.Store.Begin(Alice);
        uow.Append(stream, 2, new TallyCounted(40));
        await uow.CommitAsync();

        (await CountAsync($"select total from {TallyTotalsProjection.Table} where stream_id = $1", stream)).ShouldBe(42);
    }

    [Fact]
    public async Task An_inline_projection_that_throws_rolls_the_append_back()
    {
        var stream = NewStream();
        var before = await CountAsync("select count(*) from marten.mt_events");

        var uow = app.Store.Begin(Alice);
        uow.StartStream("tally", stream, new TallyOpened(TallyTotalsProjection.PoisonName));
        uow.Publish(new TallyRenamed("never delivered")); // its envelope must roll back too
        await Should.ThrowAsync<InvalidOperationException>(() => uow.CommitAsync());

        (await app.Store.CurrentVersionAsync(stream)).ShouldBeNull();
        (await CountAsync("select count(*) from marten.mt_events")).ShouldBe(before);
        (await WolverineEnvelopes.PublishedAsync(app.DataSource)).ShouldNotContain(p => p.Body.Contains("never delivered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Applying_the_same_events_twice_does_not_count_twice()
    {
        var stream = NewStream();
        var stored = await StartAsync(stream, new TallyOpened("Twice"), new TallyCounted(5));
        var projection = new TallyTotalsProjection();

        await using (var connection = await app.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await projection.ApplyAsync(stored, new ProjectionContext(connection, transaction), default);
            await transaction.CommitAsync();
        }

        (await CountAsync($"select total from {TallyTotalsProjection.Table} where stream_id = $1", stream)).ShouldBe(5);
    }

    [Fact]
    public async Task Loading_as_of_a_version_or_an_instant_folds_only_what_was_there()
    {
        var stream = NewStream();
        var opened = app.Clock.GetUtcNow();
        await StartAsync(stream, new TallyOpened("History"), new TallyCounted(1));
        app.Clock.Advance(TimeSpan.FromHours(1));
        var uow = app.Store.Begin(Alice);
        uow.Append(stream, 2, new TallyCounted(10), new TallyRenamed("Renamed"));
        await uow.CommitAsync();

        (await app.Store.LoadAsync<Tally>(stream, version: 3))!.State.ShouldBe(new Tally("History", 11, 2));
        (await app.Store.LoadAsync<Tally>(stream, asOf: opened))
            .ShouldBe(new StreamState<Tally>(stream, 2, new Tally("History", 1, 1)));
        (await app.Store.LoadAsync<Tally>(stream, asOf: opened.AddMinutes(59)))!.Version.ShouldBe(2);
        (await app.Store.LoadAsync<Tally>(stream, asOf: opened.AddHours(1)))!.State.ShouldBe(new Tally("Renamed", 11, 2));
        (await app.Store.LoadAsync<Tally>(stream, asOf: opened.AddSeconds(-1))).ShouldBeNull();
    }

    [Fact]
    public async Task Of_many_writers_at_one_expected_version_exactly_one_wins_every_time()
    {
        const int Rounds = 100;
        const int Writers = 8;
        for (var round = 0; round < Rounds; round++)
        {
            var stream = NewStream();
            await StartAsync(stream, new TallyOpened("Race"));
            using var start = new ManualResetEventSlim();
            var attempts = Enumerable.Range(0, Writers).Select(i => Task.Run(async () =>
            {
                start.Wait();
                var uow = app.Store.Begin(new EventMetadata($"writer-{i}"));
                uow.Append(stream, 1, new TallyCounted(1));
                try
                {
                    await uow.CommitAsync();
                    return true;
                }
                catch (ConcurrencyException e) when (e.ActualVersion == 2)
                {
                    return false;
                }
            })).ToList();
            start.Set();
            var results = await Task.WhenAll(attempts);

            results.Count(won => won).ShouldBe(1, $"round {round}");
            var loaded = await app.Store.LoadAsync<Tally>(stream);
            loaded!.Version.ShouldBe(2);
            loaded.State.Total.ShouldBe(1);
        }
    }
}
