using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Spaces.Spaces;

/// <summary>
/// spaces.spaces: one row per space for lists and filters (site, floor, kind, capacity,
/// accessibility, bookable, retired). Inline; idempotent by last_seq like <see cref="Sites.SitesProjection"/>.
/// </summary>
internal sealed class SpacesProjection : IProjection
{
    public string Name => "spaces.spaces";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. SpaceEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var spaceId = ((ISpaceEvent)e.Data).SpaceId;
            batch.BatchCommands.Add(e.Data switch
            {
                SpaceOpened o => Command("""
                    insert into spaces.spaces (space_id, site_id, floor_id, name, kind, capacity, places, accessibility, version, last_seq)
                    values ($1, $4, $5, $6, $7, $8, $9, $10, $2, $3)
                    on conflict (space_id) do nothing
                    """, spaceId, e, [o.SiteId, .. DetailValues(o.Details)]),
                SpaceDetailsChanged d => Update("floor_id = $4, name = $5, kind = $6, capacity = $7, places = $8, accessibility = $9",
                    spaceId, e, DetailValues(d.Details)),
                SpaceRetired => Update("retired = true", spaceId, e, []),
                _ => Update(null, spaceId, e, []),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate spaces.spaces");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static object[] DetailValues(SpaceDetails d) =>
    [
        SqlParameters.OrNull(d.FloorId, NpgsqlDbType.Uuid),
        d.Name,
        Codes.Of(d.Kind),
        d.Capacity,
        SqlParameters.OrNull(d.Places, NpgsqlDbType.Integer),
        new NpgsqlParameter<string[]> { TypedValue = [.. d.Accessibility.Select(Codes.Of)] },
    ];

    private static NpgsqlBatchCommand Update(string? assignments, Guid spaceId, StoredEvent e, object[] values) =>
        Command($"""
            update spaces.spaces set {(assignments is null ? "" : assignments + ", ")}version = $2, last_seq = $3
            where space_id = $1 and last_seq < $3
            """, spaceId, e, values);
}
