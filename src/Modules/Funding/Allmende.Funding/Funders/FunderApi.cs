using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Funding.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Funding.Funders;

/// <summary>A funder's details: kind one of <see cref="FunderCodes.Kinds"/>, reportingPeriod one of <see cref="FunderCodes.ReportingPeriods"/>.</summary>
internal sealed record FunderRequest(string? Name, string? Kind, FunderContact? Contact, string? ReportingPeriod);

internal sealed class FunderValidator : AbstractValidator<FunderRequest>
{
    public FunderValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Kind).Must(k => k is not null && FunderCodes.Kinds.Contains(k))
            .WithMessage($"kind must be one of {string.Join(", ", FunderCodes.Kinds)}.");
        RuleFor(r => r.ReportingPeriod).Must(p => p is null || FunderCodes.ReportingPeriods.Contains(p))
            .WithMessage($"reportingPeriod must be one of {string.Join(", ", FunderCodes.ReportingPeriods)}.");
        RuleFor(r => r.Contact!.Office).MaximumLength(200).When(r => r.Contact is not null);
        RuleFor(r => r.Contact!.Email).MaximumLength(200).EmailAddress().When(r => r.Contact?.Email is not null);
        RuleFor(r => r.Contact!.Phone).MaximumLength(50).When(r => r.Contact is not null);
    }
}

internal sealed record FunderResponse(Guid Id, string Name, string Kind, FunderContact Contact, string ReportingPeriod, long Version);

/// <summary>Funders: staff register and change them; admins, auditors and the funder itself read them (others 404).</summary>
internal static class FunderApi
{
    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapPost("/funders", Register)
            .Validate<FunderRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Registers a funder (public authority, programme, foundation, business sponsor)")
            .Produces<FunderResponse>(StatusCodes.Status201Created);
        funding.MapPut("/funders/{id:guid}", Change)
            .Validate<FunderRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Changes a funder's details (If-Match required)")
            .Produces<FunderResponse>()
            .ProducesUpdateProblems();
        funding.MapGet("/funders/{id:guid}", Get)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("One funder; a funder's key reads only its own")
            .Produces<FunderResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapGet("/funders", List)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("Funders by name; a funder's key sees only its own")
            .Produces<Page<FunderResponse>>();
    }

    private static FunderContact Contact(FunderRequest r) =>
        new(Blank(r.Contact?.Office), Blank(r.Contact?.Email), Blank(r.Contact?.Phone));

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static async Task<IResult> Register(FunderRequest request, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var registered = new FunderRegistered(id, request.Name!.Trim(), request.Kind!, Contact(request), request.ReportingPeriod ?? "yearly", time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("funder", Funder.StreamId(id), registered);
        var stored = await uow.CommitAsync(ct);
        http.Response.SetETag(stored[^1].StreamVersion);
        var funder = Funder.Initial.Fold([registered]);
        return Results.Created($"/api/funding/funders/{id}", From(funder, stored[^1].StreamVersion));
    }

    private static async Task<IResult> Change(Guid id, FunderRequest request, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Funder>(http.Request, "funder", id, Funder.StreamId(id), ct);
        var events = Funder.Change(current.State, request.Name!.Trim(), request.Kind!, Contact(request), request.ReportingPeriod ?? current.State.ReportingPeriod,
            time.GetUtcNow());
        var version = await store.AppendAsync(http, current, events, ct);
        return Results.Ok(From(current.State.Fold(events), version));
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var funder = await store.LoadAsync<Funder>(Funder.StreamId(id), ct: ct);
        if (funder is null || !http.User.CanReadFunder(id))
            throw new NotFoundException("funder", id);
        http.Response.SetETag(funder.Version);
        return Results.Ok(From(funder.State, funder.Version));
    }

    private static async Task<IResult> List(HttpContext http, NpgsqlDataSource db, CancellationToken ct, string? offset = null, string? limit = null)
    {
        var page = Query.Page(offset, limit);
        Guid[]? visible = http.User.IsAdmin() || http.User.IsAuditor() ? null : [.. http.User.Funders()];
        await using var command = db.CreateCommand("""
            select funder_id, name, kind, office, email, phone, reporting_period, version, count(*) over ()
            from funding.funders where ($1::uuid[] is null or funder_id = any($1))
            order by name, funder_id offset $2 limit $3
            """);
        command.Parameters.Add(SqlParameters.OrNull(visible, NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        var items = new List<FunderResponse>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(new FunderResponse(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                new FunderContact(Text(reader, 3), Text(reader, 4), Text(reader, 5)), reader.GetString(6), reader.GetInt64(7)));
            total = reader.GetInt64(8);
        }
        return Results.Ok(new Page<FunderResponse>(items, total, page.Offset, page.Limit));
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static FunderResponse From(Funder f, long version) => new(f.Id, f.Name, f.Kind, f.Contact, f.ReportingPeriod, version);
}

/// <summary>funding.funders: one row per funder, for lists. Inline; idempotent by last_seq.</summary>
internal sealed class FundersProjection : IProjection
{
    public string Name => "funding.funders";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(FunderRegistered), typeof(FunderChanged)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
        {
            var (id, name, kind, contact, period) = e.Data switch
            {
                FunderRegistered r => (r.FunderId, r.Name, r.Kind, r.Contact, r.ReportingPeriod),
                FunderChanged c => (c.FunderId, c.Name, c.Kind, c.Contact, c.ReportingPeriod),
                _ => throw new InvalidOperationException($"Unexpected {e.Data.GetType().Name}."),
            };
            await using var command = context.Command("""
                insert into funding.funders as t (funder_id, name, kind, office, email, phone, reporting_period, version, last_seq)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                on conflict (funder_id) do update set name = excluded.name, kind = excluded.kind, office = excluded.office, email = excluded.email,
                    phone = excluded.phone, reporting_period = excluded.reporting_period, version = excluded.version, last_seq = excluded.last_seq
                where t.last_seq < excluded.last_seq
                """, id, name, kind, contact.Office, contact.Email, contact.Phone, period, e.StreamVersion, e.Sequence);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.funders");
        await command.ExecuteNonQueryAsync(ct);
    }
}
