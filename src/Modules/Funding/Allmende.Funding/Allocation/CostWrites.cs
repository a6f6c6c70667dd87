using Allmende.Eventing.Messaging;
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
    public static async Task<Dictionary<Guid, StreamState<Grant>>> LoadGrantsAsync(MessageContext context, CostLine? line, Cost cost, CancellationToken ct)
    {
        var ids = new HashSet<Guid>(cost.Active.Select(a => a.GrantId).OfType<Guid>());
        if (line is not null)
        {
            await using var command = context.Database.Command("""
                select grant_id from funding.grants
                where status = 'open' and starts_on <= $1 and ends_on >= $1 and $2 = any(cost_types)
                """);
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = line.Date });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = line.CostType });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                ids.Add(reader.GetGuid(0));
        }
        var loaded = new Dictionary<Guid, StreamState<Grant>>();
        foreach (var id in ids.Order())
        {
            var grant = await context.Work.LoadAsync<Grant>(Grant.StreamId(id), ct);
            if (grant is not null)
                loaded[id] = grant;
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
