using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using static Allmende.Eventing.Projections.RowCommands;
using static Allmende.Eventing.Storage.SqlParameters;

namespace Allmende.Spaces.DutyRota;

/// <summary>
/// spaces.duty_shifts: the rota as lists read it, and the guard that one person is on duty in one
/// place at a time (an exclusion constraint, so it holds under races). Inline.
/// </summary>
internal sealed class DutyRotaProjection : IProjection
{
    public const string OnePlaceAtATime = "duty_shifts_one_place_at_a_time";

    public string Name => "spaces.duty-shifts";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. DutyShiftEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            var shiftId = ((IDutyShiftEvent)e.Data).ShiftId;
            batch.BatchCommands.Add(e.Data switch
            {
                DutyShiftPlanned p => Command("""
                    insert into spaces.duty_shifts (shift_id, site_id, starts_at, ends_at, note, version, last_seq)
                    values ($1, $4, $5, $6, $7, $2, $3)
                    on conflict (shift_id) do nothing
                    """, shiftId, e, p.SiteId, p.Start, p.End, Text(p.Note)),
                DutyShiftTaken t => Update("person_id = $4", shiftId, e, t.PersonId),
                DutyShiftReleased => Update("person_id = null", shiftId, e),
                DutyShiftCancelled c => Update("person_id = null, cancelled_because = $4", shiftId, e, c.Reason),
                _ => Update(null, shiftId, e),
            });
        }
        // Two people's commands taking overlapping shifts for one person at the same moment can each meet
        // the other's uncommitted row while checking the exclusion constraint and wait for each other:
        // PostgreSQL then aborts one as a deadlock (40P01, a 500; seen in CI) instead of answering
        // person-on-duty-elsewhere. Locking the people first, in a fixed order, makes the later command
        // wait for the earlier one's commit and then fail the constraint cleanly (as the slot guard does).
        var taking = events.Select(e => e.Data).OfType<DutyShiftTaken>().Select(t => t.PersonId).Distinct().Order().ToArray();
        if (taking.Length > 0)
        {
            batch.BatchCommands.Insert(0, new NpgsqlBatchCommand($"""
                select pg_advisory_xact_lock(hashtextextended('{Name}:' || person_id::text, 0))
                from unnest($1::uuid[]) with ordinality as taking(person_id, n) order by n
                """)
            {
                Parameters = { new NpgsqlParameter<Guid[]> { TypedValue = taking } },
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate spaces.duty_shifts");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Update(string? assignments, Guid shiftId, StoredEvent e, params object[] values) =>
        Command($"""
            update spaces.duty_shifts set {(assignments is null ? "" : assignments + ", ")}version = $2, last_seq = $3
            where shift_id = $1 and last_seq < $3
            """, shiftId, e, values);
}
