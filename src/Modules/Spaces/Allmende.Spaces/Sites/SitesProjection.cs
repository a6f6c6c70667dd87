using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Spaces.Sites;

/// <summary>
/// spaces.sites: one row per site for lists and filters (name, address, lease). Inline, so a list
/// read right after a write sees it. Every event moves the row's version and last_seq; an event at
/// or below last_seq was applied already and changes nothing.
/// </summary>
internal sealed class SitesProjection : IProjection
{
    public string Name => "spaces.sites";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. SiteEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var siteId = ((ISiteEvent)e.Data).SiteId;
            batch.BatchCommands.Add(e.Data switch
            {
                SiteRegistered r => Command("""
                    insert into spaces.sites (site_id, name, street, postal_code, city, version, last_seq)
                    values ($1, $4, $5, $6, $7, $2, $3)
                    on conflict (site_id) do nothing
                    """, siteId, e, r.Name, r.Address.Street, r.Address.PostalCode, r.Address.City),
                SiteRenamed r => Update("name = $4", siteId, e, r.Name),
                SiteMoved m => Update("street = $4, postal_code = $5, city = $6", siteId, e, m.Address.Street, m.Address.PostalCode, m.Address.City),
                LeaseSet l => Update("lease_from = $4, lease_until = $5", siteId, e, Date(l.Lease?.From), Date(l.Lease?.Until)),
                _ => Update(null, siteId, e),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate spaces.sites");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter Date(DateOnly? date) => SqlParameters.OrNull(date, NpgsqlDbType.Date);

    private static NpgsqlBatchCommand Update(string? assignments, Guid siteId, StoredEvent e, params object[] values) =>
        Command($"""
            update spaces.sites set {(assignments is null ? "" : assignments + ", ")}version = $2, last_seq = $3
            where site_id = $1 and last_seq < $3
            """, siteId, e, values);
}
