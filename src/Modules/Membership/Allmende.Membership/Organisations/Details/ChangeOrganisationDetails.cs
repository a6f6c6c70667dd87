using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations.Read;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Organisations.Details;

/// <summary>PUT /api/organisations/{id}: name, kind, non-profit flag, address, contact.</summary>
internal static class ChangeOrganisationDetails
{
    public static IReadOnlyList<object> Decide(Organisation organisation, OrganisationDetails details)
    {
        if (organisation.Status == OrganisationStatus.Ended)
            throw OrganisationRules.Ended(organisation);
        return organisation.Details == details ? [] : [new OrganisationDetailsChanged(organisation.Id, details)];
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPut("/organisations/{id:guid}", HandleAsync)
            .Validate<OrganisationDetailsRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Change an organisation's details (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<OrganisationResponse>();

    private static async Task<IResult> HandleAsync(Guid id, OrganisationDetailsRequest request, HttpContext http, EventStore store,
        NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Organisation>(http.Request, "organisation", id, Organisation.StreamId(id), ct);
        var events = Decide(current.State, request.ToDetails());
        if (events.Count == 0)
        {
            http.Response.SetETag(current.Version);
            return TypedResults.Ok(await OrganisationQueries.FindAsync(db, id, ct));
        }
        return await OrganisationWrites.CommitAsync(http, store, db, time, current, events, ct);
    }
}
