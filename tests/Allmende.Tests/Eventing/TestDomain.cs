using System.Collections.Concurrent;
using System.Collections.Immutable;
using Allmende.Eventing;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Streams;

namespace Allmende.Tests.Eventing;

// A small domain of its own, so the store is tested without any module's rules in the way.
public sealed record TallyOpened(string Name);
public sealed record TallyCounted(int Amount);
public sealed record TallyRenamed(string Name);

public sealed record Tally(string Name, int Total, int Counts) : IEventSourced<Tally>
{
    public static Tally Initial { get; } = new("", 0, 0);

    public static Tally Evolve(Tally state, object @event) => @event switch
    {
        TallyOpened e => state with { Name = e.Name },
        TallyCounted e => state with { Total = state.Total + e.Amount, Counts = state.Counts + 1 },
        TallyRenamed e => state with { Name = e.Name },
        _ => state,
    };
}

/// <summary>Keeps one row per tally; idempotent by remembering the last sequence it applied.</summary>
public sealed class TallyTotalsProjection : IProjection
{
    public const string Table = "tests.tally_totals";

    /// <summary>A stream whose next event makes this projection throw (to prove atomicity).</summary>
    public const string PoisonName = "poison";

    public string Name => "tally-totals";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(TallyOpened), typeof(TallyCounted)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await using var command = e.Data switch
            {
                TallyOpened o when o.Name == PoisonName => throw new InvalidOperationException("poisoned tally"),
                TallyOpened => context.Command(
                    $"insert into {Table} (stream_id, total, last_seq) values ($1, 0, $2) on conflict (stream_id) do nothing",
                    e.StreamId, e.Sequence),
                TallyCounted c => context.Command(
                    $"update {Table} set total = total + $3, last_seq = $2 where stream_id = $1 and last_seq < $2",
                    e.StreamId, e.Sequence, c.Amount),
                _ => throw new InvalidOperationException($"Unexpected {e.EventType}"),
            };
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command($"truncate {Table}");
        await command.ExecuteNonQueryAsync(ct);
    }

    public static IEnumerable<Migration> Migrations =>
    [
        new("tests", 1, "tally totals", $"""
            create schema if not exists tests;
            create table {Table} (stream_id text primary key, total int not null, last_seq bigint not null);
            """),
    ];
}

/// <summary>
/// Remembers, by stream, the events it was given inline, and raises an exclusion violation (23P01, the
/// slot guard's) on a tally renamed to <see cref="OverlappingName"/>, after the events before it.
/// </summary>
public sealed class TallyLedgerProjection : IProjection
{
    public const string OverlappingName = "overlapping";

    private readonly ConcurrentDictionary<string, ImmutableList<StoredEvent>> _seen = new();

    public string Name => "tally-ledger";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(TallyOpened), typeof(TallyCounted), typeof(TallyRenamed)];

    public IReadOnlyList<StoredEvent> Seen(string stream) => _seen.GetValueOrDefault(stream, []);

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
        {
            if (e.Data is TallyRenamed { Name: OverlappingName })
            {
                await using var command = context.Command("do $$ begin raise exception 'overlaps a booked slot' using errcode = '23P01'; end $$");
                await command.ExecuteNonQueryAsync(ct);
            }
            _seen.AddOrUpdate(e.StreamId, _ => [e], (_, seen) => seen.Add(e));
        }
    }

    public Task ResetAsync(ProjectionContext context, CancellationToken ct) => Task.CompletedTask;
}

internal static class TestDomain
{
    public static EventingOptions RegisterTallies(this EventingOptions o)
    {
        o.AddMigrations(TallyTotalsProjection.Migrations);
        o.Types.Register<TallyOpened>("tests.tally-opened")
            .Register<TallyCounted>("tests.tally-counted")
            .Register<TallyRenamed>("tests.tally-renamed");
        return o;
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
