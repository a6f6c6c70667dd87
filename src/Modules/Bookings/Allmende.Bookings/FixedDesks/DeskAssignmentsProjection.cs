using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Bookings.FixedDesks;

/// <summary>
/// bookings.desk_assignments: one row per assignment for lists, filters and reactions. Inline; idempotent
/// by last_seq. (The desk's slot is kept by <see cref="Bookings.SlotGuard"/> with the bookings' slots.)
/// </summary>
internal sealed class DeskAssignmentsProjection : IProjection
{
    public string Name => "bookings.desk-assignments";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. DeskAssignmentEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var command = e.Data switch
            {
                DeskAssigned a => Command("""
                    insert into bookings.desk_assignments (assignment_id, version, last_seq, space_id, site_id, organisation_id, person_id,
                        from_date, until_date)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    on conflict (assignment_id) do nothing
                    """, a.AssignmentId, e, a.SpaceId, a.SiteId, a.OrganisationId,
                    SqlParameters.OrNull(a.PersonId, NpgsqlDbType.Uuid), a.From, a.Until),
                DeskAssignmentEnded x => Command("""
                    update bookings.desk_assignments set until_date = $4, end_reason = $5, version = $2, last_seq = $3
                    where assignment_id = $1 and last_seq < $3
                    """, x.AssignmentId, e, x.Until, x.Reason),
                _ => null,
            };
            if (command is not null)
                batch.BatchCommands.Add(command);
        }
        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.desk_assignments");
        await command.ExecuteNonQueryAsync(ct);
    }
}
