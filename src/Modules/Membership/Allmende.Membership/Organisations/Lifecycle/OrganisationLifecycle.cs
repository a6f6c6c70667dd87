using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Organisations.Lifecycle;

internal sealed record ReasonRequest(string? Reason);

internal sealed class ReasonValidator : AbstractValidator<ReasonRequest>
{
    public ReasonValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>
/// applied → active → suspended → ended, with reasons. Suspended → active again is allowed; ended is
/// final; an application can be ended (rejected) before it was ever active.
/// </summary>
internal static class OrganisationLifecycle
{
    public static IReadOnlyList<object> Activate(Organisation organisation) => organisation.Status switch
    {
        OrganisationStatus.Applied => [new OrganisationActivated(organisation.Id)],
        OrganisationStatus.Active => throw new DomainException("organisation-already-active", $"Organisation {organisation.Id} is already active."),
        OrganisationStatus.Suspended => throw new DomainException("organisation-suspended",
            $"Organisation {organisation.Id} is suspended: reactivate it instead."),
        _ => throw OrganisationRules.Ended(organisation),
    };

    public static IReadOnlyList<object> Suspend(Organisation organisation, string reason) => organisation.Status switch
    {
        OrganisationStatus.Active => [new OrganisationSuspended(organisation.Id, reason)],
        OrganisationStatus.Applied => throw new DomainException("organisation-not-active",
            $"Organisation {organisation.Id} has only applied; only an active organisation can be suspended."),
        OrganisationStatus.Suspended => throw new DomainException("organisation-already-suspended", $"Organisation {organisation.Id} is already suspended."),
        _ => throw OrganisationRules.Ended(organisation),
    };

    public static IReadOnlyList<object> Reactivate(Organisation organisation) => organisation.Status switch
    {
        OrganisationStatus.Suspended => [new OrganisationReactivated(organisation.Id)],
        OrganisationStatus.Ended => throw OrganisationRules.Ended(organisation),
        _ => throw new DomainException("organisation-not-suspended",
            $"Organisation {organisation.Id} is {Names.Of(organisation.Status)}; only a suspended organisation can be reactivated."),
    };

    public static IReadOnlyList<object> End(Organisation organisation, string reason) => organisation.Status switch
    {
        OrganisationStatus.Ended => throw OrganisationRules.Ended(organisation),
        _ => [new OrganisationEnded(organisation.Id, reason)],
    };

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/organisations/{id:guid}/activate",
                (Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                    TransitionAsync(id, Activate, http, store, db, time, ct))
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Admit an organisation that applied (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();
        api.MapPost("/organisations/{id:guid}/suspend",
                (Guid id, ReasonRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                    TransitionAsync(id, o => Suspend(o, request.Reason!.Trim()), http, store, db, time, ct))
            .Validate<ReasonRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Suspend an active organisation, with a reason (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();
        api.MapPost("/organisations/{id:guid}/reactivate",
                (Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                    TransitionAsync(id, Reactivate, http, store, db, time, ct))
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Make a suspended organisation active again (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();
        api.MapPost("/organisations/{id:guid}/end",
                (Guid id, ReasonRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                    TransitionAsync(id, o => End(o, request.Reason!.Trim()), http, store, db, time, ct))
            .Validate<ReasonRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("End an organisation for good, with a reason (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();
    }

    private static async Task<IResult> TransitionAsync(Guid id, Func<Organisation, IReadOnlyList<object>> decide, HttpContext http, EventStore store,
        NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Organisation>(http.Request, "organisation", id, Organisation.StreamId(id), ct);
        return await OrganisationWrites.CommitAsync(http, store, db, time, current, decide(current.State), ct);
    }
}
