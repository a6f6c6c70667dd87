using System.Text.Json;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Funding.Grants;

/// <summary>funding.grants and funding.grant_warnings: grants with their use, for lists and eligibility. Inline; idempotent by last_seq.</summary>
internal sealed class GrantsProjection : IProjection
{
    public string Name => "funding.grants";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. GrantEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case GrantAwarded a:
                    batch.BatchCommands.Add(Command("""
                        insert into funding.grants (grant_id, version, last_seq, funder_id, name, reference, budget_cents, starts_on, ends_on, coverage,
                            cost_types, share_basis_points, priority, cap_cents, status)
                        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'open')
                        on conflict (grant_id) do nothing
                        """, a.GrantId, e, a.FunderId, a.Name, a.Reference, a.BudgetCents, a.StartsOn, a.EndsOn,
                        new NpgsqlParameter { Value = JsonSerializer.Serialize(a.Coverage, EventingJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb },
                        a.Coverage.CostTypes.ToArray(), a.ShareBasisPoints, a.Priority,
                        SqlParameters.OrNull(a.CapPerOrganisationMonthCents, NpgsqlDbType.Bigint)));
                    break;
                case GrantBudgetIncreased b:
                    // Thresholds use no longer meets are dropped, as the fold does (Grant.Rearm).
                    batch.BatchCommands.Add(Update("""
                        budget_cents = $4,
                        thresholds_reached = array(select t from unnest(thresholds_reached) t where used_cents * 100 >= $4 * t)
                        """, b.GrantId, e, b.BudgetCents));
                    break;
                case GrantExtended x:
                    batch.BatchCommands.Add(Update("ends_on = $4", x.GrantId, e, x.EndsOn));
                    break;
                case GrantClosed c:
                    batch.BatchCommands.Add(Update("status = 'closed'", c.GrantId, e));
                    break;
                case GrantCharged c:
                    batch.BatchCommands.Add(Update("used_cents = used_cents + $4", c.GrantId, e, c.AmountCents));
                    break;
                case GrantRefunded r:
                    batch.BatchCommands.Add(Update("""
                        used_cents = used_cents - $4,
                        thresholds_reached = array(select t from unnest(thresholds_reached) t where (used_cents - $4) * 100 >= budget_cents * t)
                        """, r.GrantId, e, r.AmountCents));
                    break;
                case GrantBudgetThresholdReached t:
                    batch.BatchCommands.Add(Update("thresholds_reached = array_append(thresholds_reached, $4)", t.GrantId, e, t.ThresholdPercent));
                    batch.BatchCommands.Add(Command("""
                        insert into funding.grant_warnings (grant_id, seq, threshold_percent, used_cents, budget_cents, reached_at)
                        values ($1, $3, $4, $5, $6, $7) on conflict (seq) do nothing
                        """, t.GrantId, e, t.ThresholdPercent, t.UsedCents, t.BudgetCents, t.At));
                    break;
            }
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.grants, funding.grant_warnings");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Update(string assignments, Guid id, StoredEvent e, params object[] values) =>
        Command($"""
            update funding.grants set {assignments}, version = $2, last_seq = $3
            where grant_id = $1 and last_seq < $3
            """, id, e, values);
}
