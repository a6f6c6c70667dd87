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

namespace Allmende.Funding.Purposes;

/// <summary>A payment for the grant's purpose: who runs it, the Berlin date paid, the amount, what for, the receipt's reference.</summary>
internal sealed record RecordPurposePaymentRequest(Guid OrganisationId, DateOnly? PaidOn, long? AmountCents, string? WhatFor, string? ReceiptReference);

internal sealed record ReversePurposePaymentRequest(string? Reason);

internal sealed class RecordPurposePaymentValidator : AbstractValidator<RecordPurposePaymentRequest>
{
    public RecordPurposePaymentValidator()
    {
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.PaidOn).NotNull();
        RuleFor(r => r.AmountCents).NotNull().InclusiveBetween(1, AwardGrantValidator.MaxCents);
        RuleFor(r => r.WhatFor).NotEmpty().MaximumLength(200);
        RuleFor(r => r.ReceiptReference).NotEmpty().MaximumLength(100);
    }
}

internal sealed class ReversePurposePaymentValidator : AbstractValidator<ReversePurposePaymentRequest>
{
    public ReversePurposePaymentValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>A purpose payment; status paid or reversed; costId: its cost stream, as statements and the audit export name it.</summary>
internal sealed record PurposePaymentResponse(
    Guid Id, Guid GrantId, Guid FunderId, Guid OrganisationId, DateOnly PaidOn, long AmountCents, string WhatFor, string ReceiptReference, string Status,
    string? ReversalReason, string CostId, DateTimeOffset RecordedAt, long Version)
{
    public static PurposePaymentResponse From(PurposePayment p, long version)
    {
        var r = p.Recorded!;
        return new(r.PaymentId, r.GrantId, r.FunderId, r.OrganisationId, r.PaidOn, r.AmountCents, r.WhatFor, r.ReceiptReference,
            p.Reversed is null ? "paid" : "reversed", p.Reversed?.Reason, PurposePayment.StreamId(r.PaymentId), r.At, version);
    }
}

/// <summary>
/// Sponsors with a small purpose (ADR 20): staff record each payment against the grant and may reverse
/// one with a reason; the grant's funder reads its own. The payment and the grant's charge are appended
/// together, the grant at the version its read model names (a concurrent charge makes it 409: reload).
/// </summary>
internal static class PurposePaymentApi
{
    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapPost("/grants/{grantId:guid}/purpose-payments", Record)
            .Validate<RecordPurposePaymentRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Records a payment for the grant's purpose (a prize, a project): amount, date paid, what for, receipt reference; " +
                         "within the grant's period (400 paidOn) and remaining budget (409 over-budget)")
            .Produces<PurposePaymentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        funding.MapGet("/grants/{grantId:guid}/purpose-payments", List)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("The payments recorded for a grant's purpose, by date paid, reversed ones too; a funder reads only its own grants'")
            .Produces<Page<PurposePaymentResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapGet("/purpose-payments/{id:guid}", Get)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("One purpose payment with its ETag; a funder reads only its own")
            .Produces<PurposePaymentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        funding.MapPost("/purpose-payments/{id:guid}/reversal", Reverse)
            .Validate<ReversePurposePaymentRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Reverses a purpose payment with a reason: the grant gets the amount back (If-Match required)")
            .Produces<PurposePaymentResponse>()
            .ProducesUpdateProblems();
    }

    private static async Task<IResult> Record(Guid grantId, RecordPurposePaymentRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<FundingOptions> options, TimeProvider time, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        OrganisationFacts organisation;
        await using (var command = new NpgsqlCommand("select kind, non_profit from funding.organisations where organisation_id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = request.OrganisationId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            organisation = await reader.ReadAsync(ct)
                ? new OrganisationFacts(reader.GetString(0), reader.GetBoolean(1))
                : throw new BadInputException("organisationId", $"There is no organisation {request.OrganisationId}.");
        }
        var grants = await CostWrites.GrantsAsync(connection, null, [grantId], null, ct);
        if (!grants.TryGetValue(grantId, out var grant))
            throw new NotFoundException("grant", grantId);

        var id = Guid.CreateVersion7();
        var terms = new PurposePaymentTerms(request.OrganisationId, request.PaidOn!.Value, request.AmountCents!.Value, request.WhatFor!.Trim(),
            request.ReceiptReference!.Trim());
        var ledger = new Ledger([grant.State], options.Value.Thresholds, Guid.CreateVersion7);
        // To the microsecond, as PostgreSQL keeps it: the list then shows the very instant this answer does.
        var now = time.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10));
        var events = PurposePaymentDecisions.Record(grant.State, organisation, id, terms, ledger, now);

        var streamId = PurposePayment.StreamId(id);
        var work = store.Begin(http.EventMetadata());
        CostWrites.Stage(work, "purpose-payment", streamId, null, Cost.Initial, events, ledger, grants);
        var stored = await work.CommitAsync(ct);
        var version = stored.Last(e => e.StreamId == streamId).StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/funding/purpose-payments/{id}", PurposePaymentResponse.From(PurposePayment.Initial.Fold(events), version));
    }

    private static async Task<StreamState<PurposePayment>> LoadVisibleAsync(EventStore store, HttpContext http, Guid id, CancellationToken ct)
    {
        var payment = await store.LoadAsync<PurposePayment>(PurposePayment.StreamId(id), ct: ct);
        if (payment?.State.Recorded is not { } recorded || !http.User.CanReadFunder(recorded.FunderId))
            throw new NotFoundException("purpose payment", id);
        return payment;
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var payment = await LoadVisibleAsync(store, http, id, ct);
        http.Response.SetETag(payment.Version);
        return Results.Ok(PurposePaymentResponse.From(payment.State, payment.Version));
    }

    private static async Task<IResult> Reverse(Guid id, ReversePurposePaymentRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<FundingOptions> options, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<PurposePayment>(http.Request, "purpose payment", id, PurposePayment.StreamId(id), ct);
        var payment = current.State;
        await using var connection = await db.OpenConnectionAsync(ct);
        var grants = await CostWrites.GrantsAsync(connection, null, [.. payment.Cost.Active.Select(a => a.GrantId).OfType<Guid>()], null, ct);
        var ledger = new Ledger(grants.Values.Select(g => g.State), options.Value.Thresholds, Guid.CreateVersion7);
        var events = PurposePaymentDecisions.Reverse(payment, request.Reason!.Trim(), ledger, time.GetUtcNow());

        var work = store.Begin(http.EventMetadata());
        CostWrites.Stage(work, "purpose-payment", current.StreamId, current.Version, payment.Cost, events, ledger, grants);
        var stored = await work.CommitAsync(ct);
        var version = stored.Last(e => e.StreamId == current.StreamId).StreamVersion;
        http.Response.SetETag(version);
        return Results.Ok(PurposePaymentResponse.From(payment.Fold(events), version));
    }

    private static async Task<IResult> List(Guid grantId, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct,
        string? offset = null, string? limit = null)
    {
        await GrantApi.LoadVisibleAsync(store, http, grantId, ct);
        var page = Query.Page(offset, limit);
        await using var command = db.CreateCommand("""
            select payment_id, funder_id, organisation_id, paid_on, amount_cents, what_for, receipt_reference, reversal_reason, recorded_at, version,
                   count(*) over ()
            from funding.purpose_payments where grant_id = $1
            order by paid_on, recorded_at, payment_id offset $2 limit $3
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = grantId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        var items = new List<PurposePaymentResponse>();
        long total = 0;
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var paymentId = r.GetGuid(0);
            var reason = r.IsDBNull(7) ? null : r.GetString(7);
            items.Add(new PurposePaymentResponse(paymentId, grantId, r.GetGuid(1), r.GetGuid(2), r.GetFieldValue<DateOnly>(3), r.GetInt64(4), r.GetString(5),
                r.GetString(6), reason is null ? "paid" : "reversed", reason, PurposePayment.StreamId(paymentId), r.GetFieldValue<DateTimeOffset>(8),
                r.GetInt64(9)));
            total = r.GetInt64(10);
        }
        return Results.Ok(new Page<PurposePaymentResponse>(items, total, page.Offset, page.Limit));
    }
}
