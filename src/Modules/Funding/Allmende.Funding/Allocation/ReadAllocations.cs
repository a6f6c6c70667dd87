using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Funding.Common;
using Allmende.Funding.Grants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Funding.Allocation;

/// <summary>
/// An allocation: status committed (its cost is still to happen), spent, or reversed. Month "yyyy-MM".
/// Payer "grant" (grantId, funderId) or "organisation" (its own share; rule says why). CostId: the cost's
/// stream (GET /costs/{costId}, and its re-allocation).
/// </summary>
internal sealed record AllocationResponse(
    Guid Id, string SourceKind, Guid SourceId, string CostType, string Payer, Guid? GrantId, Guid? FunderId, Guid OrganisationId,
    Guid? SiteId, Guid? SpaceId, string? ActionField, int Minutes, int Attendees, int DeskDays, string Month, string Rule, long AmountCents,
    DateTimeOffset AllocatedAt, string Status, DateTimeOffset? ReversedAt, string? ReversalReason, string CostId);

internal sealed record BudgetWarning(int ThresholdPercent, long UsedCents, long BudgetCents, DateTimeOffset ReachedAt);

internal sealed record BudgetMonth(string Month, long CommittedCents, long SpentCents, long RemainingCents);

/// <summary>
/// A grant's budget: committed (costs still to happen), spent, remaining (never below zero); per month
/// the same, remaining as it stood after that month; warnings recorded at the configured thresholds.
/// </summary>
internal sealed record BudgetResponse(
    Guid GrantId, long BudgetCents, long CommittedCents, long SpentCents, long RemainingCents, IReadOnlyList<int> WarningThresholds,
    IReadOnlyList<BudgetWarning> Warnings, IReadOnlyList<BudgetMonth> Months);

internal sealed record StatementPayment(string Payer, Guid? GrantId, Guid? FunderId, string Rule, long AmountCents);

/// <summary>One cost of the month; SpaceIds: the spaces of a usage agreement's fee (empty otherwise).</summary>
internal sealed record StatementItem(
    string SourceKind, Guid SourceId, string CostType, Guid? SiteId, Guid? SpaceId, IReadOnlyList<Guid> SpaceIds, string? ActionField, DateTimeOffset? Start, DateTimeOffset? End,
    int Minutes, int Attendees, int DeskDays, long UnitCents, long CostCents, string Status, IReadOnlyList<StatementPayment> PaidBy);

internal sealed record StatementPayer(string Payer, Guid? GrantId, Guid? FunderId, long AmountCents);

/// <summary>What an organisation used in a Berlin month and who paid for it; the payers add up to the total, to the cent.</summary>
internal sealed record StatementResponse(
    Guid OrganisationId, string Month, long TotalCents, long GrantsCents, long OwnShareCents, IReadOnlyList<StatementPayer> ByPayer,
    IReadOnlyList<StatementItem> Items);

internal static class ReadAllocations
{
    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapGet("/allocations", List)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("Allocations, newest first; filters grantId, funderId, sourceId (a booking), organisationId, month (yyyy-MM), includeReversed; a funder sees only its grants'")
            .Produces<Page<AllocationResponse>>()
            .ProducesValidationProblem();
        funding.MapGet("/grants/{id:guid}/budget", Budget)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("A grant's budget: committed, spent, remaining, per month (from, to: yyyy-MM) and warnings")
            .Produces<BudgetResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapGet("/statements/{organisationId:guid}", Statement)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("What an organisation used in a month (month=yyyy-MM) and who paid for it; members read their own organisations'")
            .Produces<StatementResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapGet("/fallen-through", FallenThrough)
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Costs that fell to organisations because grants were exhausted (filters month, organisationId)")
            .Produces<Page<AllocationResponse>>();
    }

    private const string AllocationColumns = """
        allocation_id, source_kind, source_id, cost_type, payer, grant_id, funder_id, organisation_id, site_id, space_id, action_field,
        minutes, attendees, desk_days, month, rule, amount_cents, allocated_at, spent, reversed_at, reversal_reason, cost_id
        """;

    private static AllocationResponse ReadAllocation(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetString(3), r.GetString(4), NullableGuid(r, 5), NullableGuid(r, 6), r.GetGuid(7),
        NullableGuid(r, 8), NullableGuid(r, 9), r.IsDBNull(10) ? null : r.GetString(10), r.GetInt32(11), r.GetInt32(12), r.GetInt32(13),
        Berlin.Format(r.GetFieldValue<DateOnly>(14)), r.GetString(15), r.GetInt64(16), r.GetFieldValue<DateTimeOffset>(17),
        !r.IsDBNull(19) ? "reversed" : r.GetBoolean(18) ? "spent" : "committed",
        r.IsDBNull(19) ? null : r.GetFieldValue<DateTimeOffset>(19), r.IsDBNull(20) ? null : r.GetString(20), r.GetString(21));

    private static Guid? NullableGuid(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetGuid(i);

    private static async Task<IResult> List(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "grantId")] string? grantIdText = null,
        [FromQuery(Name = "funderId")] string? funderIdText = null,
        [FromQuery(Name = "sourceId")] string? sourceIdText = null,
        [FromQuery(Name = "organisationId")] string? organisationIdText = null,
        string? month = null, string? includeReversed = null, string? offset = null, string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var grantId = Query.Guid(grantIdText, "grantId");
        var funderId = Query.Guid(funderIdText, "funderId");
        var sourceId = Query.Guid(sourceIdText, "sourceId");
        var organisationId = Query.Guid(organisationIdText, "organisationId");
        var inMonth = Query.Month(month, "month");
        var withReversed = Query.Bool(includeReversed, "includeReversed") ?? false;
        // Funders see only their grants' allocations (never organisations' own shares).
        Guid[]? visible = http.User.IsAdmin() || http.User.IsAuditor() ? null : [.. http.User.Funders()];
        return Results.Ok(await PageAsync(db, """
            ($1::uuid is null or grant_id = $1) and ($2::uuid is null or funder_id = $2) and ($3::uuid is null or source_id = $3)
            and ($4::uuid is null or organisation_id = $4) and ($5::date is null or month = $5) and ($6 or reversed_at is null)
            and ($7::uuid[] is null or funder_id = any($7))
            """, [SqlParameters.OrNull(grantId, NpgsqlDbType.Uuid), SqlParameters.OrNull(funderId, NpgsqlDbType.Uuid), SqlParameters.OrNull(sourceId, NpgsqlDbType.Uuid), SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid),
            SqlParameters.OrNull(inMonth, NpgsqlDbType.Date), SqlParameters.OrNull(withReversed, NpgsqlDbType.Boolean), SqlParameters.OrNull(visible, NpgsqlDbType.Array | NpgsqlDbType.Uuid)], page, ct));
    }

    private static async Task<IResult> FallenThrough(NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "organisationId")] string? organisationIdText = null, string? month = null, string? offset = null, string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var organisationId = Query.Guid(organisationIdText, "organisationId");
        var inMonth = Query.Month(month, "month");
        return Results.Ok(await PageAsync(db, """
            rule = 'budget-exhausted' and reversed_at is null and ($1::uuid is null or organisation_id = $1) and ($2::date is null or month = $2)
            """, [SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid), SqlParameters.OrNull(inMonth, NpgsqlDbType.Date)], page, ct));
    }

    private static async Task<Page<AllocationResponse>> PageAsync(NpgsqlDataSource db, string filter, NpgsqlParameter[] values, PageRequest page,
        CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {AllocationColumns}, count(*) over () from funding.allocations where {filter}
            order by seq desc, allocation_id offset ${values.Length + 1} limit ${values.Length + 2}
            """);
        command.Parameters.AddRange(values);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        var items = new List<AllocationResponse>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(ReadAllocation(reader));
            total = reader.GetInt64(22);
        }
        return new Page<AllocationResponse>(items, total, page.Offset, page.Limit);
    }

    private static async Task<IResult> Budget(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, IOptions<FundingOptions> options,
        CancellationToken ct, string? from = null, string? to = null)
    {
        var fromMonth = Query.Month(from, "from");
        var toMonth = Query.Month(to, "to");
        var grant = (await GrantApi.LoadVisibleAsync(store, http, id, ct)).State;
        var first = fromMonth ?? Berlin.MonthOf(grant.StartsOn);
        var last = toMonth ?? Berlin.MonthOf(grant.EndsOn);
        if (last < first)
            throw new BadInputException("to", "to must not be before from.");
        if ((last.Year - first.Year) * 12 + last.Month - first.Month > 240)
            throw new BadInputException("to", "At most 240 months at once.");

        var byMonth = new Dictionary<DateOnly, (long Committed, long Spent)>();
        await using (var command = db.CreateCommand("""
            select month, coalesce(sum(amount_cents) filter (where not spent), 0), coalesce(sum(amount_cents) filter (where spent), 0)
            from funding.allocations where grant_id = $1 and reversed_at is null group by month
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                byMonth[reader.GetFieldValue<DateOnly>(0)] = (reader.GetInt64(1), reader.GetInt64(2));
        }
        var warnings = new List<BudgetWarning>();
        await using (var command = db.CreateCommand("""
            select threshold_percent, used_cents, budget_cents, reached_at from funding.grant_warnings where grant_id = $1 order by seq
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                warnings.Add(new BudgetWarning(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        var months = new List<BudgetMonth>();
        var usedBefore = byMonth.Where(m => m.Key < first).Sum(m => m.Value.Committed + m.Value.Spent);
        for (var month = first; month <= last; month = month.AddMonths(1))
        {
            var (committed, spent) = byMonth.GetValueOrDefault(month);
            usedBefore += committed + spent;
            months.Add(new BudgetMonth(Berlin.Format(month), committed, spent, grant.BudgetCents - usedBefore));
        }
        var totalCommitted = byMonth.Values.Sum(m => m.Committed);
        var totalSpent = byMonth.Values.Sum(m => m.Spent);
        return Results.Ok(new BudgetResponse(id, grant.BudgetCents, totalCommitted, totalSpent, grant.BudgetCents - totalCommitted - totalSpent,
            options.Value.Thresholds, warnings, months));
    }

    private static async Task<IResult> Statement(Guid organisationId, HttpContext http, NpgsqlDataSource db, CancellationToken ct, string? month = null)
    {
        var inMonth = Query.RequiredMonth(month, "month");
        if (!http.User.CanRead(organisationId))
            throw new NotFoundException("organisation", organisationId);

        var items = new List<(string CostId, StatementItem Item)>();
        await using (var command = db.CreateCommand("""
            select cost_id, source_kind, source_id, cost_type, site_id, space_id, action_field, starts_at, ends_at, minutes, attendees, desk_days,
                   unit_cents, cost_cents, status, space_ids
            from funding.costs where organisation_id = $1 and month = $2 and status <> 'withdrawn'
            order by cost_date, starts_at nulls last, cost_id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = organisationId });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = inMonth });
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                items.Add((r.GetString(0), new StatementItem(r.GetString(1), r.GetGuid(2), r.GetString(3), NullableGuid(r, 4), NullableGuid(r, 5),
                    r.IsDBNull(15) ? [] : r.GetFieldValue<Guid[]>(15), r.IsDBNull(6) ? null : r.GetString(6), r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7),
                    r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.GetInt32(9), r.GetInt32(10), r.GetInt32(11), r.GetInt64(12),
                    r.GetInt64(13), r.GetString(14), [])));
        }
        var payments = new Dictionary<string, List<StatementPayment>>();
        await using (var command = db.CreateCommand("""
            select cost_id, payer, grant_id, funder_id, rule, amount_cents from funding.allocations
            where organisation_id = $1 and month = $2 and reversed_at is null order by seq
            """))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = organisationId });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = inMonth });
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                if (!payments.TryGetValue(r.GetString(0), out var list))
                    payments[r.GetString(0)] = list = [];
                list.Add(new StatementPayment(r.GetString(1), NullableGuid(r, 2), NullableGuid(r, 3), r.GetString(4), r.GetInt64(5)));
            }
        }
        var full = items.Select(i => i.Item with { PaidBy = payments.GetValueOrDefault(i.CostId) ?? [] }).ToList();
        var all = full.SelectMany(i => i.PaidBy).ToList();
        var byPayer = all.GroupBy(p => (p.Payer, p.GrantId, p.FunderId))
            .Select(g => new StatementPayer(g.Key.Payer, g.Key.GrantId, g.Key.FunderId, g.Sum(p => p.AmountCents)))
            .OrderBy(p => p.Payer == Payers.Organisation).ThenBy(p => p.GrantId).ToList();
        var own = all.Where(p => p.Payer == Payers.Organisation).Sum(p => p.AmountCents);
        return Results.Ok(new StatementResponse(organisationId, Berlin.Format(inMonth), full.Sum(i => i.CostCents), all.Sum(p => p.AmountCents) - own,
            own, byPayer, full));
    }
}
