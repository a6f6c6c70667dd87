using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations.Read;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Organisations.Register;

/// <summary>POST /api/organisations: an organisation applies for membership (status "applied").</summary>
internal static class RegisterOrganisation
{
    public static IReadOnlyList<object> Decide(Guid organisationId, OrganisationDetails details) => [new OrganisationApplied(organisationId, details)];

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/organisations", HandleAsync)
            .Validate<OrganisationDetailsRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Register an organisation; it starts as \"applied\".")
            .Produces<OrganisationResponse>(StatusCodes.Status201Created);

    private static async Task<IResult> HandleAsync(OrganisationDetailsRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("organisation", Organisation.StreamId(id), Decide(id, request.ToDetails()));
        var stored = await uow.CommitAsync(ct);
        http.Response.SetETag(stored[^1].StreamVersion);
        return TypedResults.Created($"/api/organisations/{id}", await OrganisationQueries.FindAsync(db, id, ct));
    }
}
