using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;

namespace Allmende.Eventing.Reporting;

/// <summary>
/// Records when the system came to know what: an async projection over the whole log (rows as stored,
/// never deserialized), so the daemon hands it every batch in committed, gap-free order (ADR 5). Per batch it writes one row
/// (the last sequence applied, the database's clock_timestamp()). Everything up to that position was
/// final then, and stays final: later commits always draw higher numbers. See ADR 14.
/// </summary>
internal sealed class KnowledgeHorizon : IWholeLogProjection
{
    public const string ProjectionName = "eventing.knowledge-horizon";

    public string Name => ProjectionName;

    // Not consulted: a whole-log projection receives every event.
    public IReadOnlyCollection<Type> EventTypes { get; } = [];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        // The runner holds the checkpoint row (for update) already, so clock_timestamp() here is read
        // after any report that held it (for share) has finished: no row can appear later with a
        // known_at at or before a time a report has already resolved (AsOfResolver). A replay after a
        // rebuild re-applies old positions: those keep the time they were first learned.
        // greatest(): known_at never runs backwards, even if the server's clock is stepped back.
        await using var command = context.Command("""
            insert into eventing.knowledge_horizon (position, known_at)
            select $1, greatest(clock_timestamp(), (select max(known_at) from eventing.knowledge_horizon))
            where $1 > coalesce((select max(position) from eventing.knowledge_horizon), 0)
            """, events[^1].Sequence);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Keeps the rows: they are facts about time (when each position was known), which no replay of
    /// the log can recreate. A rebuild only replays the checkpoint, adding nothing.
    /// </summary>
    public Task ResetAsync(ProjectionContext context, CancellationToken ct) => Task.CompletedTask;
}
