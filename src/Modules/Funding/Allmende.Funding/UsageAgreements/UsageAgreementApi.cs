using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Funding.Common;
using Allmende.Funding.Recurring;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Projections.RowCommands;

namespace Allmende.Funding.UsageAgreements;

/// <summary>
/// A new usage agreement: the organisation that pays, a name ("Engagement-Etage"), the spaces (spaceIds,
/// or every space of floorId; all at one site), from (and optionally until), the monthly fee in cents.
/// </summary>
internal sealed record MakeUsageAgreementRequest(
    Guid OrganisationId, string? Name, IReadOnlyList<Guid>? SpaceIds, Guid? FloorId, DateOnly? From, DateOnly? Until, long? MonthlyFeeCents);

/// <summary>New terms from a month's first day (not before the current month): fee, and optionally other spaces.</summary>
internal sealed record AmendUsageAgreementRequest(DateOnly? EffectiveFrom, long? MonthlyFeeCents, IReadOnlyList<Guid>? SpaceIds, string? Reason);

internal sealed record EndUsageAgreementRequest(DateOnly? Until, string? Reason);

internal sealed class MakeUsageAgreementValidator : AbstractValidator<MakeUsageAgreementRequest>
{
    public MakeUsageAgreementValidator()
    {
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.SpaceIds).NotEmpty().When(r => r.FloorId is null).WithMessage("spaceIds (or floorId) is required.");
        RuleFor(r => r.SpaceIds).Empty().When(r => r.FloorId is not null).WithMessage("Give spaceIds or floorId, not both.");
        RuleForEach(r => r.SpaceIds).NotEmpty();
        RuleFor(r => r.From).NotNull();
        RuleFor(r => r.Until).GreaterThanOrEqualTo(r => r.From).When(r => r.From is not null && r.Until is not null)
            .WithMessage("until is the last day and must not be before from.");
        RuleFor(r => r.MonthlyFeeCents).NotNull().InclusiveBetween(1, 100_000_000);
    }
}

internal sealed class AmendUsageAgreementValidator : AbstractValidator<AmendUsageAgreementRequest>
{
    public AmendUsageAgreementValidator()
    {
        RuleFor(r => r.EffectiveFrom).NotNull().Must(d => d is null || d.Value.Day == 1).WithMessage("effectiveFrom must be the first day of a month.");
        RuleFor(r => r.MonthlyFeeCents).NotNull().InclusiveBetween(1, 100_000_000);
        RuleFor(r => r.SpaceIds).NotEmpty().When(r => r.SpaceIds is not null);
        RuleForEach(r => r.SpaceIds).NotEmpty();
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
    }
}

internal sealed class EndUsageAgreementValidator : AbstractValidator<EndUsageAgreementRequest>
{
    public EndUsageAgreementValidator()
    {
        RuleFor(r => r.Until).NotNull();
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
    }
}

/// <summary>An agreement with its terms (oldest first); monthlyFeeCents and spaceIds: the latest terms.</summary>
internal sealed record UsageAgreementResponse(
    Guid Id, Guid OrganisationId, Guid SiteId, string Name, DateOnly From, DateOnly? Until, long MonthlyFeeCents, IReadOnlyList<Guid> SpaceIds,
    IReadOnlyList<UsageTerms> Terms, long Version)
{
    public static UsageAgreementResponse Of(UsageAgreement a, long version) =>
        new(a.Id, a.OrganisationId, a.SiteId, a.Name, a.From, a.Until, a.Current.MonthlyFeeCents, a.Current.SpaceIds, a.Terms, version);
}

/// <summary>Usage agreements: staff make, amend and end them (If-Match); admins and auditors read them.</summary>
internal static class UsageAgreementApi
{
    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapPost("/usage-agreements", Make)
            .Validate<MakeUsageAgreementRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Records a usage agreement: an organisation pays a monthly fee for a set of spaces (or a floor), from a date, optionally until one")
            .Produces<UsageAgreementResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        funding.MapPost("/usage-agreements/{id:guid}/amendments", Amend)
            .Validate<AmendUsageAgreementRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("New fee (and spaces) from a month's first day, not before the current month (If-Match required)")
            .Produces<UsageAgreementResponse>()
            .ProducesUpdateProblems();
        funding.MapPost("/usage-agreements/{id:guid}/end", End)
            .Validate<EndUsageAgreementRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Ends the agreement earlier: its last day (If-Match required)")
            .Produces<UsageAgreementResponse>()
            .ProducesUpdateProblems();
        funding.MapGet("/usage-agreements/{id:guid}", Get)
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("One usage agreement with its terms")
            .Produces<UsageAgreementResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapGet("/usage-agreements", List)
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Usage agreements (filter organisationId), by start")
            .Produces<Page<UsageAgreementResponse>>();
    }

    private static async Task<IResult> Make(MakeUsageAgreementRequest r, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var command = new NpgsqlCommand("select count(*) from funding.organisations where organisation_id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = r.OrganisationId });
            if (await command.ExecuteScalarAsync(ct) is 0L)
                throw new BadInputException("organisationId", $"There is no organisation {r.OrganisationId}.");
        }
        var (site, spaces) = await SpacesAsync(connection, r.SpaceIds, r.FloorId, ct);
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7();
        var made = new UsageAgreementMade(id, r.OrganisationId, site, r.Name!.Trim(), spaces, r.From!.Value, r.Until, r.MonthlyFeeCents!.Value, now);
        var agreement = UsageAgreement.Initial.Fold([made]);

        var work = store.Begin(http.EventMetadata());
        work.StartStream("usage-agreement", UsageAgreement.StreamId(id), made);
        // Months that have ended already are due at once; from this month on the month end charges them
        // (its schedule started here if nothing chargeable monthly has started it yet).
        var current = Berlin.MonthOf(now);
        for (var month = Berlin.MonthOf(made.From); month < current && (made.Until is null || month <= made.Until); month = month.AddMonths(1))
            work.Send(new UsageFeeDue(id, month));
        await using (var command = new NpgsqlCommand("select exists (select 1 from marten.mt_streams where id = $1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = MonthlySchedule.StreamId(current) });
            MonthlySchedule.Stage(work, current, await command.ExecuteScalarAsync(ct) is true);
        }
        var version = (await work.CommitAsync(ct)).Last(e => e.StreamId == UsageAgreement.StreamId(id)).StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/funding/usage-agreements/{id}", UsageAgreementResponse.Of(agreement, version));
    }

    /// <summary>The spaces as Funding knows them (copies of Spaces' contracts): all known, all at one site; a floor's are all its spaces.</summary>
    private static async Task<(Guid Site, IReadOnlyList<Guid> Spaces)> SpacesAsync(NpgsqlConnection connection, IReadOnlyList<Guid>? spaceIds, Guid? floorId,
        CancellationToken ct)
    {
        var field = floorId is null ? "spaceIds" : "floorId";
        await using var command = new NpgsqlCommand("""
            select space_id, site_id from funding.spaces where space_id = any($1) or floor_id = $2 order by space_id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. spaceIds ?? []] });
        command.Parameters.Add(SqlParameters.OrNull(floorId, NpgsqlDbType.Uuid));
        var found = new List<(Guid Space, Guid Site)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                found.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }
        if (floorId is null && spaceIds!.Distinct().Count() != found.Count)
            throw new BadInputException(field, $"Unknown spaces: {string.Join(", ", spaceIds!.Except(found.Select(f => f.Space)))}.");
        if (found.Count == 0)
            throw new BadInputException(field, $"Floor {floorId} has no spaces.");
        if (found.Select(f => f.Site).Distinct().Count() > 1)
            throw new BadInputException(field, "The spaces of one agreement must all be at one site.");
        return (found[0].Site, [.. found.Select(f => f.Space)]);
    }

    private static Task<IResult> Amend(Guid id, AmendUsageAgreementRequest r, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct) =>
        UpdateAsync(id, http, store, async (a, c) =>
        {
            IReadOnlyList<Guid>? spaces = null;
            if (r.SpaceIds is not null)
            {
                await using var connection = await db.OpenConnectionAsync(c);
                var (site, found) = await SpacesAsync(connection, r.SpaceIds, null, c);
                if (site != a.SiteId)
                    throw new BadInputException("spaceIds", "The spaces must be at the agreement's site.");
                spaces = found;
            }
            return UsageAgreementDecisions.Amend(a, r.EffectiveFrom!.Value, r.MonthlyFeeCents!.Value, spaces, r.Reason!.Trim(), time.GetUtcNow());
        }, ct);

    private static Task<IResult> End(Guid id, EndUsageAgreementRequest r, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct) =>
        UpdateAsync(id, http, store, (a, _) => Task.FromResult(UsageAgreementDecisions.End(a, r.Until!.Value, r.Reason!.Trim(), time.GetUtcNow())), ct);

    private static async Task<IResult> UpdateAsync(Guid id, HttpContext http, EventStore store,
        Func<UsageAgreement, CancellationToken, Task<IReadOnlyList<object>>> decide, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<UsageAgreement>(http.Request, "usage agreement", id, UsageAgreement.StreamId(id), ct);
        var events = await decide(current.State, ct);
        var version = await store.AppendAsync(http, current, events, ct);
        return Results.Ok(UsageAgreementResponse.Of(current.State.Fold(events), version));
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var agreement = await store.LoadAsync<UsageAgreement>(UsageAgreement.StreamId(id), ct: ct) ?? throw new NotFoundException("usage agreement", id);
        http.Response.SetETag(agreement.Version);
        return Results.Ok(UsageAgreementResponse.Of(agreement.State, agreement.Version));
    }

    private static async Task<IResult> List(NpgsqlDataSource db, CancellationToken ct, [FromQuery(Name = "organisationId")] string? organisationIdText = null,
        string? offset = null, string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var organisationId = Query.Guid(organisationIdText, "organisationId");
        await using var command = db.CreateCommand("""
            select agreement_id, organisation_id, site_id, name, from_date, until_date, monthly_fee_cents, space_ids, version, count(*) over ()
            from funding.usage_agreements where ($1::uuid is null or organisation_id = $1)
            order by from_date, agreement_id offset $2 limit $3
            """);
        command.Parameters.Add(SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        var items = new List<UsageAgreementResponse>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var from = reader.GetFieldValue<DateOnly>(4);
            var fee = reader.GetInt64(6);
            var spaces = reader.GetFieldValue<Guid[]>(7);
            // The list shows the latest terms only; GET one agreement for all of them.
            items.Add(new UsageAgreementResponse(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), from,
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateOnly>(5), fee, spaces, [], reader.GetInt64(8)));
            total = reader.GetInt64(9);
        }
        return Results.Ok(new Page<UsageAgreementResponse>(items, total, page.Offset, page.Limit));
    }
}

/// <summary>funding.usage_agreements: agreements with their latest terms, for lists and the month end. Inline; idempotent by last_seq.</summary>
internal sealed class UsageAgreementsProjection : IProjection
{
    public string Name => "funding.usage-agreements";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(UsageAgreementMade), typeof(UsageAgreementAmended), typeof(UsageAgreementEnded)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            batch.BatchCommands.Add(e.Data switch
            {
                UsageAgreementMade m => Command("""
                    insert into funding.usage_agreements (agreement_id, version, last_seq, organisation_id, site_id, name, from_date, until_date,
                        monthly_fee_cents, space_ids)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                    on conflict (agreement_id) do nothing
                    """, m.AgreementId, e, m.OrganisationId, m.SiteId, m.Name, m.From, SqlParameters.OrNull(m.Until, NpgsqlDbType.Date), m.MonthlyFeeCents,
                    m.SpaceIds.ToArray()),
                // The latest terms are those of the latest amendment: amendments replace all terms from their month on.
                UsageAgreementAmended a => Update("monthly_fee_cents = $4, space_ids = $5", a.AgreementId, e, a.MonthlyFeeCents, a.SpaceIds.ToArray()),
                UsageAgreementEnded x => Update("until_date = $4", x.AgreementId, e, x.Until),
                _ => throw new InvalidOperationException($"Unexpected event {e.Data.GetType().Name}."),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.usage_agreements");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Update(string assignments, Guid id, StoredEvent e, params object[] values) =>
        Command($"""
            update funding.usage_agreements set {assignments}, version = $2, last_seq = $3
            where agreement_id = $1 and last_seq < $3
            """, id, e, values);
}
