using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Allmende.Funding.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Funding.Recurring;

/// <summary>
/// The monthly fee of a flexible-desk plan from a Berlin month's first day on, on the stream
/// "flexible-desk-prices". A plan names no desk area, so staff set its price here (ADR 12).
/// </summary>
internal sealed record FlexibleDeskPriceSet(long MonthlyFeeCents, DateOnly EffectiveFrom, DateTimeOffset At);

internal sealed record FlexibleDeskPriceRequest(long? MonthlyFeeCents, DateOnly? EffectiveFrom);

internal sealed class FlexibleDeskPriceValidator : AbstractValidator<FlexibleDeskPriceRequest>
{
    public FlexibleDeskPriceValidator()
    {
        RuleFor(r => r.MonthlyFeeCents).NotNull().InclusiveBetween(0, 10_000_000);
        RuleFor(r => r.EffectiveFrom).NotNull().Must(d => d is null || d.Value.Day == 1).WithMessage("effectiveFrom must be the first day of a month.");
    }
}

internal sealed record FlexibleDeskPrice(long MonthlyFeeCents, DateOnly EffectiveFrom);

internal static class FlexibleDeskPrices
{
    public const string StreamId = "flexible-desk-prices";

    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapPut("/prices/flexible-desk", Set)
            .Validate<FlexibleDeskPriceRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Sets the monthly fee of flexible-desk plans from a month on (a later setting for the same month replaces it); " +
                         "a month already begun needs If-Match with the price list's ETag, since fees of that month may have been charged")
            .Produces<IReadOnlyList<FlexibleDeskPrice>>()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .IfMatchOnly("for a month already begun (Europe/Berlin), once a price is set; any If-Match sent is checked");
        funding.MapGet("/prices/flexible-desk", List)
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("The monthly fees of flexible-desk plans, by the month they apply from; ETag once a price is set")
            .Produces<IReadOnlyList<FlexibleDeskPrice>>();
    }

    /// <summary>
    /// A price from a coming month on simply replaces the former setting for that month: nothing was
    /// charged at it yet. Back-dating (a month already begun, in Berlin) changes what fees already
    /// charged should have been, so it needs If-Match with the list's ETag: of two staff correcting the
    /// past at once, the second sees the first's correction (409) instead of overwriting it unseen.
    /// Like free hours, the very first price starts the list and has no version to name.
    /// </summary>
    private static async Task<IResult> Set(FlexibleDeskPriceRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var backDated = request.EffectiveFrom!.Value <= Berlin.MonthOf(now);
        var current = await store.CurrentVersionAsync(StreamId, ct);
        long? expected = http.Request.Headers.IfMatch.Count > 0 || (backDated && current is not null) ? http.Request.ExpectedVersion() : null;
        if (expected is { } version && version != current)
            throw new ConcurrencyException(StreamId, version, current);

        var uow = store.Begin(http.EventMetadata());
        var set = new FlexibleDeskPriceSet(request.MonthlyFeeCents!.Value, request.EffectiveFrom!.Value, now);
        if (expected is { } read)
            uow.Append(StreamId, read, set);
        else
            uow.Append(StreamId, set);
        http.Response.SetETag((await uow.CommitAsync(ct))[^1].StreamVersion);
        return Results.Ok(await ReadAsync(db, ct));
    }

    private static async Task<IResult> List(HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        if (await store.CurrentVersionAsync(StreamId, ct) is { } version)
            http.Response.SetETag(version);
        return Results.Ok(await ReadAsync(db, ct));
    }

    private static async Task<IReadOnlyList<FlexibleDeskPrice>> ReadAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select monthly_fee_cents, effective_from from funding.flexible_desk_prices order by effective_from");
        var prices = new List<FlexibleDeskPrice>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            prices.Add(new FlexibleDeskPrice(reader.GetInt64(0), reader.GetFieldValue<DateOnly>(1)));
        return prices;
    }
}

/// <summary>funding.flexible_desk_prices: the price list. Inline; idempotent by last_seq.</summary>
internal sealed class FlexibleDeskPricesProjection : IProjection
{
    public string Name => "funding.flexible-desk-prices";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(FlexibleDeskPriceSet)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
        {
            var set = (FlexibleDeskPriceSet)e.Data;
            await using var command = context.Command("""
                insert into funding.flexible_desk_prices as t (effective_from, monthly_fee_cents, last_seq) values ($1, $2, $3)
                on conflict (effective_from) do update set monthly_fee_cents = excluded.monthly_fee_cents, last_seq = excluded.last_seq
                where t.last_seq < excluded.last_seq
                """, set.EffectiveFrom, set.MonthlyFeeCents, e.Sequence);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.flexible_desk_prices");
        await command.ExecuteNonQueryAsync(ct);
    }
}
