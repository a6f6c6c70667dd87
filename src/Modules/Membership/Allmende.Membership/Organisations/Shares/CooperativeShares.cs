using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Organisations.Shares;

internal sealed record SubscribeSharesRequest(int? Shares, long? CentsPerShare);

internal sealed class SubscribeSharesValidator : AbstractValidator<SubscribeSharesRequest>
{
    public SubscribeSharesValidator()
    {
        RuleFor(r => r.Shares).NotNull().InclusiveBetween(1, 1_000_000);
        RuleFor(r => r.CentsPerShare).NotNull().InclusiveBetween(1, 100_000_000); // up to 1 million EUR a share
    }
}

internal sealed record SharePaymentRequest(DateOnly? Date, long? AmountCents);

internal sealed class SharePaymentValidator : AbstractValidator<SharePaymentRequest>
{
    public SharePaymentValidator(TimeProvider time)
    {
        RuleFor(r => r.Date).NotNull()
            .Must(d => d <= time.TodayInBerlin()).WithMessage("'Date' must not be in the future: record a payment when it was made.");
        RuleFor(r => r.AmountCents).NotNull().GreaterThan(0);
    }
}

/// <summary>
/// Cooperative shares an organisation subscribes and pays (e.g. a city authority joining a coworking
/// cooperative). Paid never exceeds subscribed.
/// </summary>
internal static class CooperativeShares
{
    public static IReadOnlyList<object> Subscribe(Organisation organisation, int shares, long centsPerShare)
    {
        if (organisation.Status == OrganisationStatus.Ended)
            throw OrganisationRules.Ended(organisation);
        if (shares * centsPerShare < organisation.PaidCents)
            throw new DomainException("subscription-below-paid",
                $"{shares} shares of {centsPerShare} cents are {shares * centsPerShare} cents, less than the {organisation.PaidCents} cents already paid.");
        return [new CooperativeSharesSubscribed(organisation.Id, shares, centsPerShare)];
    }

    public static IReadOnlyList<object> Pay(Organisation organisation, DateOnly paidOn, long amountCents)
    {
        if (organisation.Status == OrganisationStatus.Ended)
            throw OrganisationRules.Ended(organisation);
        if (organisation.SharesSubscribed == 0)
            throw new DomainException("no-shares-subscribed", $"Organisation {organisation.Id} has subscribed no shares to pay for.");
        var outstanding = organisation.SubscribedCents - organisation.PaidCents;
        if (amountCents > outstanding)
            throw new DomainException("shares-overpaid",
                $"A payment of {amountCents} cents exceeds the {outstanding} cents outstanding ({organisation.PaidCents} of {organisation.SubscribedCents} cents paid).");
        return [new CooperativeSharePaymentRecorded(organisation.Id, paidOn, amountCents)];
    }

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/organisations/{id:guid}/shares/subscription",
                async (Guid id, SubscribeSharesRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                {
                    var current = await store.LoadForUpdateAsync<Organisation>(http.Request, "organisation", id, Organisation.StreamId(id), ct);
                    var events = Subscribe(current.State, request.Shares!.Value, request.CentsPerShare!.Value);
                    return await OrganisationWrites.CommitAsync(http, store, db, time, current, events, ct);
                })
            .Validate<SubscribeSharesRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Set the cooperative shares an organisation subscribed, in all (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();
        api.MapPost("/organisations/{id:guid}/shares/payments",
                async (Guid id, SharePaymentRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                {
                    var current = await store.LoadForUpdateAsync<Organisation>(http.Request, "organisation", id, Organisation.StreamId(id), ct);
                    var events = Pay(current.State, request.Date!.Value, request.AmountCents!.Value);
                    return await OrganisationWrites.CommitAsync(http, store, db, time, current, events, ct);
                })
            .Validate<SharePaymentRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Record a payment on subscribed shares; never more than is outstanding (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();
    }
}
