using Allmende.Eventing.Schema;

namespace Allmende.Eventing.Reporting;

/// <summary>
/// The knowledge horizon's table, a version of the eventing schema kept beside the code that owns
/// it. Version 3 of "eventing" is the audit hash chain's (added in parallel); this is version 4.
/// </summary>
internal static class ReportingSchema
{
    public static IEnumerable<Migration> Migrations =>
    [
        new(EventingSchema.Module, 4, "knowledge horizon for as-of reports", """
            -- One row per batch the knowledge-horizon projection applied: every event up to position
            -- was settled (committed, or its number burned) at known_at, by the database's clock.
            -- Written only by the async daemon, never rewritten, never reset by a rebuild.
            create table eventing.knowledge_horizon (
                position bigint primary key,
                known_at timestamptz not null
            );
            create index knowledge_horizon_known_at on eventing.knowledge_horizon (known_at) include (position);

            -- The checkpoint row exists from the start, so that a report can lock it (for share)
            -- before the projection's first batch: see AsOfResolver.
            insert into eventing.projection_checkpoints (projection) values ('eventing.knowledge-horizon')
            on conflict (projection) do nothing;
            """),
    ];
}
