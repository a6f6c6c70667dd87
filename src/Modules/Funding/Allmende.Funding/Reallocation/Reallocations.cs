using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Funding.Reallocation;

/// <summary>Re-allocate a cost: reason required; grantId optional (that grant first, if it covers the cost).</summary>
internal sealed record ReallocateRequest(string? Reason, Guid? GrantId);

internal sealed class ReallocateValidator : AbstractValidator<ReallocateRequest>
{
    public ReallocateValidator()
    {
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
        RuleFor(r => r.GrantId).NotEqual(Guid.Empty);
    }
}

/// <summary>A cost stream as staff see it before re-allocating: its line, status (committed, spent, withdrawn) and allocations in force.</summary>
internal sealed record CostResponse(
    string CostId, string SourceKind, Guid SourceId, string CostType, Guid OrganisationId, Guid? SiteId, Guid? SpaceId, IReadOnlyList<Guid> SpaceIds,
    DateOnly? Date, long CostCents, string Status, IReadOnlyList<ActiveAllocation> Allocations, long Version);

/// <summary>A cost whose own share fell through because grants' budgets were exhausted, and that this grant covers.</summary>
internal sealed record FallenThroughCost(
    string CostId, string SourceKind, Guid SourceId, string CostType, Guid OrganisationId, Guid? SiteId, Guid? SpaceId, DateOnly Date, long CostCents,
    long FallenThroughCents);

/// <summary>
/// Putting money right (ADR 12): staff re-allocate a cost that sits on the wrong grant, or that fell
/// through before a budget was increased. The reversal and the new allocation are events on the cost's
/// and the grants' streams, appended together after the version staff read (If-Match; 409 if stale),
/// with the reason. A budget increase does not move money by itself: the grant lists the costs that fell
/// through which it would now pay, and staff re-allocate each one they mean to.
/// </summary>
internal static class Reallocations
{
    private static readonly string[] CostStreamPrefixes = ["booking-cost-", "desk-fee-", "share-payment-", "usage-fee-"];

    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapGet("/costs/{costId}", Get)
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("A cost (its stream id, e.g. booking-cost-<booking>): line, status and allocations in force; ETag for a re-allocation")
            .Produces<CostResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapPost("/costs/{costId}/reallocation", Reallocate)
            .Validate<ReallocateRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Reverses a cost's allocations and allocates it anew by the rules, grantId first if given (If-Match required; reason)")
            .Produces<CostResponse>()
            .ProducesUpdateProblems();
        funding.MapGet("/grants/{id:guid}/fallen-through", FallenThrough)
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Costs that fell through (budgets exhausted) and that this grant covers: candidates for re-allocation after a budget increase")
            .Produces<IReadOnlyList<FallenThroughCost>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<StreamState<Cost>> LoadAsync(EventStore store, string costId, CancellationToken ct)
    {
        if (!CostStreamPrefixes.Any(p => costId.StartsWith(p, StringComparison.Ordinal)))
            throw new NotFoundException("cost", costId);
        return await store.LoadAsync<Cost>(costId, ct: ct) ?? throw new NotFoundException("cost", costId);
    }

    private static CostResponse Response(string costId, Cost cost, long version)
    {
        var line = cost.Line;
        return new CostResponse(costId, line?.SourceKind ?? "", cost.SourceId, line?.CostType ?? "", line?.OrganisationId ?? Guid.Empty, line?.SiteId,
            line?.SpaceId, line?.SpaceIds ?? [], line?.Date, line?.CostCents ?? 0, line is null ? "withdrawn" : cost.Settled ? "spent" : "committed",
            cost.Active, version);
    }

    private static async Task<IResult> Get(string costId, HttpContext http, EventStore store, CancellationToken ct)
    {
        var cost = await LoadAsync(store, costId, ct);
        http.Response.SetETag(cost.Version);
        return Results.Ok(Response(costId, cost.State, cost.Version));
    }

    private static async Task<IResult> Reallocate(string costId, ReallocateRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<FundingOptions> options, TimeProvider time, CancellationToken ct)
    {
        var expected = http.Request.ExpectedVersion();
        var current = await LoadAsync(store, costId, ct);
        if (current.Version != expected)
            throw new ConcurrencyException(costId, expected, current.Version);
        var cost = current.State;
        if (cost.Line is not { } line)
            throw new DomainException("cost-withdrawn", $"Cost {costId} is withdrawn: there is nothing to allocate.");

        await using var connection = await db.OpenConnectionAsync(ct);
        OrganisationFacts organisation;
        await using (var command = new NpgsqlCommand("select kind, non_profit from funding.organisations where organisation_id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = line.OrganisationId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            organisation = await reader.ReadAsync(ct) ? new OrganisationFacts(reader.GetString(0), reader.GetBoolean(1)) : new OrganisationFacts(null, false);
        }
        // Read from the inline read models at the versions they name; the append below fails (409) if a grant moved on meanwhile.
        Guid[] named = [.. cost.Active.Select(a => a.GrantId).OfType<Guid>(), .. request.GrantId is { } g ? [g] : Array.Empty<Guid>()];
        var grants = await CostWrites.GrantsAsync(connection, null, named, line, ct);
        if (request.GrantId is { } chosen && !grants.ContainsKey(chosen))
            throw new BadInputException("grantId", $"There is no grant {chosen}.");
        var ledger = new Ledger(grants.Values.Select(s => s.State), options.Value.Thresholds, Guid.CreateVersion7);
        var events = ledger.Reallocate(cost, organisation, request.Reason!.Trim(), request.GrantId, time.GetUtcNow());

        var work = store.Begin(http.EventMetadata());
        CostWrites.Stage(work, "cost", costId, current.Version, cost, events, ledger, grants);
        var stored = await work.CommitAsync(ct);
        var version = stored.Last(e => e.StreamId == costId).StreamVersion;
        http.Response.SetETag(version);
        return Results.Ok(Response(costId, cost.Fold(events), version));
    }

    private static async Task<IResult> FallenThrough(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var grant = (await GrantApi.LoadVisibleAsync(store, http, id, ct)).State;
        await using var command = db.CreateCommand("""
            select c.cost_id, c.source_kind, c.source_id, c.cost_type, c.organisation_id, c.site_id, c.space_id, c.action_field, c.starts_at, c.ends_at,
                   c.cost_date, c.minutes, c.attendees, c.desk_days, c.unit_cents, c.cost_cents, c.space_ids, o.kind, coalesce(o.non_profit, false),
                   sum(a.amount_cents)::bigint
            from funding.allocations a
            join funding.costs c on c.cost_id = a.cost_id
            left join funding.organisations o on o.organisation_id = c.organisation_id
            where a.rule = 'budget-exhausted' and a.reversed_at is null and c.status <> 'withdrawn'
              and c.cost_type = any($1) and c.cost_date between $2 and $3
            group by c.cost_id, o.kind, o.non_profit
            order by c.cost_date, c.cost_id
            limit 1000
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. grant.Coverage.CostTypes] });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = grant.StartsOn });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = grant.EndsOn });
        var costs = new List<FallenThroughCost>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var line = new CostLine(r.GetString(3), r.GetString(1), r.GetGuid(2), r.GetGuid(4), OptionalGuid(r, 5), OptionalGuid(r, 6), r.IsDBNull(7) ? null : r.GetString(7),
                r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                r.GetFieldValue<DateOnly>(10), r.GetInt32(11), r.GetInt32(12), r.GetInt32(13), r.GetInt64(14), r.GetInt64(15),
                r.IsDBNull(16) ? null : r.GetFieldValue<Guid[]>(16));
            var organisation = new OrganisationFacts(r.IsDBNull(17) ? null : r.GetString(17), r.GetBoolean(18));
            if (grant.Covers(line, organisation))
                costs.Add(new FallenThroughCost(r.GetString(0), line.SourceKind, line.SourceId, line.CostType, line.OrganisationId, line.SiteId, line.SpaceId,
                    line.Date, line.CostCents, r.GetInt64(19)));
        }
        return Results.Ok(costs);
    }

    private static Guid? OptionalGuid(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetGuid(i);
}
