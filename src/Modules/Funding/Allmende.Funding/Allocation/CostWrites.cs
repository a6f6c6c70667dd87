using System.Collections.Immutable;
using System.Text.Json;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Funding.Grants;
using Npgsql;
using NpgsqlTypes;
using Contract = Allmende.Funding.Contracts;

namespace Allmende.Funding.Allocation;

/// <summary>
/// The I/O around the pure <see cref="Ledger"/>, inside a message delivery's transaction: finds and
/// loads the grants a cost may touch, and stages the cost's and the grants' events in the delivery's
/// unit of work, each grant at the version loaded. If another delivery charged one of those grants
/// meanwhile, the commit fails with a ConcurrencyException and the delivery is retried from scratch
/// against the new budget, so two costs never both spend the last euro.
/// </summary>
internal static class CostWrites
{
    /// <summary>Grants that may pay for a cost of that type on that date, and the grants of allocations in force.</summary>
    public static async Task<Dictionary<Guid, StreamState<Grant>>> LoadGrantsAsync(MessageContext context, CostLine? line, Cost cost, CancellationToken ct) =>
        await GrantsAsync(context.Database.Connection, context.Database.Transaction, [.. cost.Active.Select(a => a.GrantId).OfType<Guid>()], line, ct);

    /// <summary>
    /// The grants as the allocation decides on them, from the inline read models funding.grants and
    /// funding.allocations, not by folding each grant's stream: that stream grows by an event per charge
    /// and refund, and a fold per cost made every delivery slower than the one before (ADR 12). Both
    /// tables are written in the transactions that append the grant's events, so a row is exactly the
    /// fold at the version it names, and the grant is appended at that version. Of the use per
    /// organisation and month (for the cap), only the line's organisation and month is loaded: the only
    /// one a decision reads (refunds of other months may leave those entries below the truth; no one reads them).
    /// </summary>
    public static async Task<Dictionary<Guid, StreamState<Grant>>> GrantsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        Guid[] active, CostLine? line, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select g.grant_id, g.version, g.funder_id, g.name, g.reference, g.budget_cents, g.starts_on, g.ends_on, g.coverage::text,
                   g.share_basis_points, g.priority, g.cap_cents, g.status, g.used_cents, g.thresholds_reached,
                   (select coalesce(sum(a.amount_cents), 0) from funding.allocations a
                    where a.organisation_id = $3 and a.month = $4 and a.grant_id = g.grant_id and a.reversed_at is null)::bigint
            from funding.grants g
            where g.grant_id = any($1)
               or (g.status = 'open' and g.starts_on <= $2 and g.ends_on >= $2 and $5 = any(g.cost_types))
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = active });
        command.Parameters.Add(SqlParameters.OrNull(line?.Date, NpgsqlDbType.Date));
        command.Parameters.Add(SqlParameters.OrNull(line?.OrganisationId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(line?.Month, NpgsqlDbType.Date));
        command.Parameters.Add(SqlParameters.OrNull(line?.CostType, NpgsqlDbType.Text));
        var loaded = new Dictionary<Guid, StreamState<Grant>>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            var used = ImmutableDictionary<(Guid Organisation, DateOnly Month), long>.Empty;
            if (line is not null)
                used = used.Add((line.OrganisationId, line.Month), reader.GetInt64(15));
            var grant = new Grant(id, reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetInt64(5),
                reader.GetFieldValue<DateOnly>(6), reader.GetFieldValue<DateOnly>(7),
                JsonSerializer.Deserialize<Coverage>(reader.GetString(8), EventingJson.Options)!,
                reader.GetInt32(9), reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetInt64(11), reader.GetString(12) == "closed",
                reader.GetInt64(13), used, [.. reader.GetFieldValue<int[]>(14)]);
            loaded[id] = new StreamState<Grant>(Grant.StreamId(id), reader.GetInt64(1), grant);
        }
        return loaded;
    }

    /// <summary>The organisation's kind and non-profit flag, from Funding's copy.</summary>
    public static async Task<OrganisationFacts?> OrganisationAsync(MessageContext context, Guid organisationId, CancellationToken ct)
    {
        await using var command = context.Database.Command("select kind, non_profit from funding.organisations where organisation_id = $1", organisationId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new OrganisationFacts(reader.GetString(0), reader.GetBoolean(1)) : null;
    }

    /// <summary>
    /// Stages the cost's events (starting its stream if new, else appending at its version), the grants'
    /// events at their loaded versions, and the contracts they imply.
    /// </summary>
    public static void Stage(UnitOfWork work, string streamType, string streamId, long? costVersion, Cost before, IReadOnlyList<object> costEvents,
        Ledger ledger, IReadOnlyDictionary<Guid, StreamState<Grant>> loaded)
    {
        if (costEvents.Count > 0)
        {
            if (costVersion is { } version)
                work.Append(streamId, version, costEvents);
            else
                work.StartStream(streamType, streamId, costEvents);
        }
        foreach (var (grantId, events) in ledger.GrantEvents)
        {
            var grant = loaded[grantId];
            work.Append(grant.StreamId, grant.Version, events);
            foreach (var reached in events.OfType<GrantBudgetThresholdReached>())
                work.Publish(new Contract.GrantBudgetThresholdReached(grantId, grant.State.FunderId, reached.ThresholdPercent, reached.UsedCents,
                    reached.BudgetCents, reached.At));
        }
        foreach (var message in Contracts(before, costEvents))
            work.Publish(message);
    }

    /// <summary>One contract per allocation and per reversal, carrying the line it belonged to.</summary>
    public static IEnumerable<object> Contracts(Cost before, IReadOnlyList<object> costEvents)
    {
        var state = before;
        foreach (var e in costEvents)
        {
            switch (e)
            {
                case CostAllocated a when state.Line is { } line:
                    yield return new Contract.CostAllocated(a.AllocationId, line.CostType, line.SourceKind, line.SourceId, a.Payer, a.GrantId, a.FunderId,
                        line.OrganisationId, line.SiteId, line.SpaceId, line.ActionField, line.Minutes, line.Attendees, line.Month, a.Rule, a.AmountCents, a.At);
                    break;
                case AllocationReversed r when state.Line is { } line && state.Active.Find(x => x.AllocationId == r.AllocationId) is { } a:
                    yield return new Contract.AllocationReversed(a.AllocationId, line.CostType, line.SourceKind, line.SourceId, a.Payer, a.GrantId, a.FunderId,
                        line.OrganisationId, line.SiteId, line.SpaceId, line.ActionField, line.Minutes, line.Attendees, line.Month, a.Rule, a.AmountCents,
                        r.Reason, r.At);
                    break;
            }
            state = Cost.Evolve(state, e);
        }
    }

    public static NpgsqlParameter Nullable<T>(T? value, NpgsqlDbType type) where T : struct =>
        new() { Value = value.HasValue ? value.Value : DBNull.Value, NpgsqlDbType = type };
}
