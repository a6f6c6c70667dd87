using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Storage.SqlParameters;

namespace Allmende.Funding.Allocation;

/// <summary>
/// funding.costs (one row per cost stream: the line in force, committed or spent, or withdrawn) and
/// funding.allocations (every allocation with the line's facts, marked when reversed or spent). Inline,
/// so a statement read right after a delivery sees it; idempotent by last_seq.
/// </summary>
internal sealed class CostsProjection : IProjection
{
    public string Name => "funding.costs";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. CostEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        // In order, one statement at a time: an allocation copies the facts of the line recorded just before it.
        foreach (var e in events)
        {
            NpgsqlBatchCommand[] commands = e.Data switch
            {
                CostLineRecorded r => [Command("""
                    insert into funding.costs as t (cost_id, last_seq, source_kind, source_id, cost_type, organisation_id, site_id, space_id, action_field,
                        starts_at, ends_at, cost_date, month, minutes, attendees, desk_days, unit_cents, cost_cents, space_ids, status)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'committed')
                    on conflict (cost_id) do update set last_seq = excluded.last_seq, source_kind = excluded.source_kind, cost_type = excluded.cost_type,
                        organisation_id = excluded.organisation_id, site_id = excluded.site_id, space_id = excluded.space_id,
                        action_field = excluded.action_field, starts_at = excluded.starts_at, ends_at = excluded.ends_at, cost_date = excluded.cost_date,
                        month = excluded.month, minutes = excluded.minutes, attendees = excluded.attendees, desk_days = excluded.desk_days,
                        unit_cents = excluded.unit_cents, cost_cents = excluded.cost_cents, space_ids = excluded.space_ids, status = 'committed', outcome = null
                    where t.last_seq < excluded.last_seq
                    """, e, r.Line.SourceKind, r.Line.SourceId, r.Line.CostType, r.Line.OrganisationId, Uuid(r.Line.SiteId), Uuid(r.Line.SpaceId),
                    Text(r.Line.ActionField), Instant(r.Line.Start), Instant(r.Line.End), r.Line.Date, r.Line.Month, r.Line.Minutes, r.Line.Attendees,
                    r.Line.DeskDays, r.Line.UnitCents, r.Line.CostCents,
                    new NpgsqlParameter { Value = r.Line.SpaceIds is { } ids ? ids.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid })],
                CostAllocated a => [Command("""
                    insert into funding.allocations (allocation_id, cost_id, seq, last_seq, source_kind, source_id, cost_type, payer, grant_id, funder_id,
                        organisation_id, site_id, space_id, action_field, minutes, attendees, desk_days, month, rule, amount_cents, allocated_at)
                    select $3, cost_id, $2, $2, source_kind, source_id, cost_type, $4, $5, $6, organisation_id, site_id, space_id, action_field,
                        minutes, attendees, desk_days, month, $7, $8, $9
                    from funding.costs where cost_id = $1
                    on conflict (allocation_id) do nothing
                    """, e, a.AllocationId, a.Payer, Uuid(a.GrantId), Uuid(a.FunderId), a.Rule, a.AmountCents, a.At)],
                AllocationReversed r => [Command("""
                    update funding.allocations set reversed_at = $4, reversal_reason = $5, last_seq = $2
                    where allocation_id = $3 and last_seq < $2
                    """, e, r.AllocationId, r.At, r.Reason)],
                CostLineWithdrawn => [Command("update funding.costs set status = 'withdrawn', last_seq = $2 where cost_id = $1 and last_seq < $2", e)],
                CostSettled s => [
                    Command("""
                        update funding.allocations set spent = true, last_seq = $2
                        where cost_id = $1 and reversed_at is null and last_seq < $2 and $3
                        """, e, s.Charged),
                    Command("""
                        update funding.costs set status = case when $3 then 'spent' else 'withdrawn' end, outcome = $4, last_seq = $2
                        where cost_id = $1 and last_seq < $2
                        """, e, s.Charged, s.Outcome),
                    // A cost settled before it was ever recorded (cancelled before Funding heard of the confirmation) leaves no row.
                ],
                _ => [],
            };
            foreach (var command in commands)
            {
                await using var batch = context.Batch();
                batch.BatchCommands.Add(command);
                await batch.ExecuteNonQueryAsync(ct);
            }
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.costs, funding.allocations");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, StoredEvent e, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e.StreamId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
