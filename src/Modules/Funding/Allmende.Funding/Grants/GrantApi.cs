using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Funding.Common;
using Allmende.Funding.Funders;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Funding.Grants;

/// <summary>What a grant covers (empty lists: any). costTypes: room-hours, event-hall-hours, desk-fees, cooperative-shares, usage-fees, purpose-payments.</summary>
internal sealed record CoverageRequest(
    IReadOnlyList<Guid>? SiteIds, IReadOnlyList<Guid>? SpaceIds, IReadOnlyList<string>? OrganisationKinds, IReadOnlyList<Guid>? OrganisationIds,
    bool? NonProfitOnly, IReadOnlyList<string>? CostTypes);

/// <summary>
/// A new grant. shareBasisPoints: the part of each cost it pays at most, 1–10000 (10000 = all, default);
/// priority: lower first (default 100); capPerOrganisationMonthCents: optional.
/// </summary>
internal sealed record AwardGrantRequest(
    Guid FunderId, string? Name, string? Reference, long? BudgetCents, DateOnly? StartsOn, DateOnly? EndsOn, CoverageRequest? Coverage,
    int? ShareBasisPoints, int? Priority, long? CapPerOrganisationMonthCents);

internal sealed record IncreaseBudgetRequest(long? AmountCents, string? Reason);

internal sealed record ExtendGrantRequest(DateOnly? EndsOn, string? Reason);

internal sealed record CloseGrantRequest(string? Reason);

internal static class OrganisationKinds
{
    public static IReadOnlyList<string> All { get; } = ["initiative", "association", "social-enterprise", "cooperative", "company", "public-body"];
}

internal sealed class AwardGrantValidator : AbstractValidator<AwardGrantRequest>
{
    public const long MaxCents = 100_000_000_000; // one billion euros

    public AwardGrantValidator()
    {
        RuleFor(r => r.FunderId).NotEmpty();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Reference).NotEmpty().MaximumLength(100);
        RuleFor(r => r.BudgetCents).NotNull().InclusiveBetween(1, MaxCents);
        RuleFor(r => r.StartsOn).NotNull();
        RuleFor(r => r.EndsOn).NotNull();
        RuleFor(r => r.EndsOn).GreaterThanOrEqualTo(r => r.StartsOn).When(r => r.StartsOn is not null && r.EndsOn is not null)
            .WithMessage("endsOn is the last day of the grant and must not be before startsOn.");
        RuleFor(r => r.Coverage).NotNull();
        RuleFor(r => r.Coverage!.CostTypes).NotEmpty().When(r => r.Coverage is not null);
        RuleForEach(r => r.Coverage!.CostTypes).Must(c => CostTypes.All.Contains(c)).When(r => r.Coverage?.CostTypes is not null)
            .WithMessage($"costTypes must be among {string.Join(", ", CostTypes.All)}.");
        RuleForEach(r => r.Coverage!.OrganisationKinds).Must(k => OrganisationKinds.All.Contains(k)).When(r => r.Coverage?.OrganisationKinds is not null)
            .WithMessage($"organisationKinds must be among {string.Join(", ", OrganisationKinds.All)}.");
        RuleForEach(r => r.Coverage!.SiteIds).NotEmpty().When(r => r.Coverage?.SiteIds is not null);
        RuleForEach(r => r.Coverage!.SpaceIds).NotEmpty().When(r => r.Coverage?.SpaceIds is not null);
        RuleForEach(r => r.Coverage!.OrganisationIds).NotEmpty().When(r => r.Coverage?.OrganisationIds is not null);
        RuleFor(r => r.ShareBasisPoints).InclusiveBetween(1, Grant.AllBasisPoints);
        RuleFor(r => r.Priority).InclusiveBetween(0, 10_000);
        RuleFor(r => r.CapPerOrganisationMonthCents).InclusiveBetween(1, MaxCents);
    }
}

internal sealed class IncreaseBudgetValidator : AbstractValidator<IncreaseBudgetRequest>
{
    public IncreaseBudgetValidator()
    {
        RuleFor(r => r.AmountCents).NotNull().InclusiveBetween(1, AwardGrantValidator.MaxCents);
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
    }
}

internal sealed class ExtendGrantValidator : AbstractValidator<ExtendGrantRequest>
{
    public ExtendGrantValidator()
    {
        RuleFor(r => r.EndsOn).NotNull();
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
    }
}

internal sealed class CloseGrantValidator : AbstractValidator<CloseGrantRequest>
{
    public CloseGrantValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>A grant with its use: usedCents (committed and spent), remainingCents; status open or closed.</summary>
internal sealed record GrantResponse(
    Guid Id, Guid FunderId, string Name, string Reference, long BudgetCents, DateOnly StartsOn, DateOnly EndsOn, Coverage Coverage,
    int ShareBasisPoints, int Priority, long? CapPerOrganisationMonthCents, string Status, long UsedCents, long RemainingCents,
    IReadOnlyList<int> ThresholdsReached, long Version)
{
    public static GrantResponse From(Grant g, long version) => new(g.Id, g.FunderId, g.Name, g.Reference, g.BudgetCents, g.StartsOn, g.EndsOn, g.Coverage,
        g.ShareBasisPoints, g.Priority, g.CapPerOrganisationMonthCents, g.Closed ? "closed" : "open", g.UsedCents, g.RemainingCents,
        [.. g.ThresholdsReached], version);
}

/// <summary>Grants: staff award, amend, extend and close them (If-Match); admins, auditors and the grant's funder read them.</summary>
internal static class GrantApi
{
    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapPost("/grants", Award)
            .Validate<AwardGrantRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Awards a grant of a funder: budget, period, coverage, share, priority, cap")
            .Produces<GrantResponse>(StatusCodes.Status201Created);
        funding.MapPost("/grants/{id:guid}/budget-increases", IncreaseBudget)
            .Validate<IncreaseBudgetRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Amends a grant: more budget (If-Match required)")
            .Produces<GrantResponse>()
            .ProducesUpdateProblems();
        funding.MapPost("/grants/{id:guid}/extension", Extend)
            .Validate<ExtendGrantRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Extends a grant to a later last day (If-Match required)")
            .Produces<GrantResponse>()
            .ProducesUpdateProblems();
        funding.MapPost("/grants/{id:guid}/close", Close)
            .Validate<CloseGrantRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Closes a grant: it pays for no new costs (If-Match required)")
            .Produces<GrantResponse>()
            .ProducesUpdateProblems();
        funding.MapGet("/grants/{id:guid}", Get)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("One grant with its use; a funder reads only its own")
            .Produces<GrantResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapGet("/grants", List)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("Grants by priority; filters funderId, status (open, closed); a funder sees only its own")
            .Produces<Page<GrantResponse>>();
    }

    /// <summary>Loads a grant the caller may read: 404 for unknown grants and for other funders' grants.</summary>
    public static async Task<StreamState<Grant>> LoadVisibleAsync(EventStore store, HttpContext http, Guid id, CancellationToken ct)
    {
        var grant = await store.LoadAsync<Grant>(Grant.StreamId(id), ct: ct);
        if (grant is null || !http.User.CanReadFunder(grant.State.FunderId))
            throw new NotFoundException("grant", id);
        return grant;
    }

    private static async Task<IResult> Award(AwardGrantRequest r, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        if (await store.CurrentVersionAsync(Funder.StreamId(r.FunderId), ct) is null)
            throw new BadInputException("funderId", $"There is no funder {r.FunderId}.");
        var c = r.Coverage!;
        var terms = new GrantTerms(r.FunderId, r.Name!.Trim(), r.Reference!.Trim(), r.BudgetCents!.Value, r.StartsOn!.Value, r.EndsOn!.Value,
            new Coverage([.. (c.SiteIds ?? []).Distinct()], [.. (c.SpaceIds ?? []).Distinct()], [.. (c.OrganisationKinds ?? []).Distinct()],
                [.. (c.OrganisationIds ?? []).Distinct()], c.NonProfitOnly ?? false, [.. c.CostTypes!.Distinct()]),
            r.ShareBasisPoints ?? Grant.AllBasisPoints, r.Priority ?? 100, r.CapPerOrganisationMonthCents);
        var id = Guid.CreateVersion7();
        var events = GrantDecisions.Award(Grant.Initial, id, terms, time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("grant", Grant.StreamId(id), events);
        uow.Publish(new Contracts.GrantAwardedForPlaces(id, terms.FunderId, terms.Coverage.SiteIds, terms.Coverage.SpaceIds, time.GetUtcNow()));
        var version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/funding/grants/{id}", GrantResponse.From(Grant.Initial.Fold(events), version));
    }

    private static Task<IResult> IncreaseBudget(Guid id, IncreaseBudgetRequest r, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct) =>
        UpdateAsync(id, http, store, g => GrantDecisions.IncreaseBudget(g, r.AmountCents!.Value, r.Reason!.Trim(), time.GetUtcNow()), ct);

    private static Task<IResult> Extend(Guid id, ExtendGrantRequest r, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct) =>
        UpdateAsync(id, http, store, g => GrantDecisions.Extend(g, r.EndsOn!.Value, r.Reason!.Trim(), time.GetUtcNow()), ct);

    private static Task<IResult> Close(Guid id, CloseGrantRequest r, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct) =>
        UpdateAsync(id, http, store, g => GrantDecisions.Close(g, r.Reason!.Trim(), time.GetUtcNow()), ct);

    // An amendment races with allocations on the same stream: a charge between the client's GET and this
    // write makes the If-Match stale (409), and the client reloads, sees the new use and decides again.
    private static async Task<IResult> UpdateAsync(Guid id, HttpContext http, EventStore store, Func<Grant, IReadOnlyList<object>> decide, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Grant>(http.Request, "grant", id, Grant.StreamId(id), ct);
        var events = decide(current.State);
        var version = await store.AppendAsync(http, current, events, ct);
        return Results.Ok(GrantResponse.From(current.State.Fold(events), version));
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var grant = await LoadVisibleAsync(store, http, id, ct);
        http.Response.SetETag(grant.Version);
        return Results.Ok(GrantResponse.From(grant.State, grant.Version));
    }

    private static async Task<IResult> List(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "funderId")] string? funderIdText = null, string? status = null, string? offset = null, string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var funderId = Query.Guid(funderIdText, "funderId");
        if (status is not null and not ("open" or "closed"))
            throw new BadInputException("status", "status must be open or closed.");
        Guid[]? visible = http.User.IsAdmin() || http.User.IsAuditor() ? null : [.. http.User.Funders()];
        await using var command = db.CreateCommand("""
            select grant_id, funder_id, name, reference, budget_cents, starts_on, ends_on, coverage::text, share_basis_points, priority, cap_cents,
                   status, used_cents, thresholds_reached, version, count(*) over ()
            from funding.grants
            where ($1::uuid is null or funder_id = $1) and ($2::text is null or status = $2) and ($3::uuid[] is null or funder_id = any($3))
            order by priority, starts_on, grant_id offset $4 limit $5
            """);
        command.Parameters.Add(SqlParameters.OrNull(funderId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(status, NpgsqlDbType.Text));
        command.Parameters.Add(SqlParameters.OrNull(visible, NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        var items = new List<GrantResponse>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var budget = reader.GetInt64(4);
            var used = reader.GetInt64(12);
            items.Add(new GrantResponse(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), budget,
                reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateOnly>(6), JsonSerializer.Deserialize<Coverage>(reader.GetString(7), EventingJson.Options)!,
                reader.GetInt32(8), reader.GetInt32(9), reader.IsDBNull(10) ? null : reader.GetInt64(10), reader.GetString(11), used, budget - used,
                reader.GetFieldValue<int[]>(13), reader.GetInt64(14)));
            total = reader.GetInt64(15);
        }
        return Results.Ok(new Page<GrantResponse>(items, total, page.Offset, page.Limit));
    }
}
