using Allmende.Eventing.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.Read;

/// <summary>
/// GET /api/people (paged; filter organisationId) and GET /api/people/{id}. Admins and auditors see
/// everyone; a member themselves and the people acting for their organisations (anyone else is 404).
/// </summary>
internal static class PeopleReads
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/people", ListAsync)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("People, in order of registration; a member sees themselves and the people of their organisations.")
            .Produces<Page<PersonResponse>>();
        api.MapGet("/people/{id:guid}", GetAsync)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("One person, with their version as ETag; \"(erased)\" once forgotten.")
            .Produces<PersonResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        int? offset = null, int? limit = null, Guid? organisationId = null) =>
        TypedResults.Ok(await PeopleQueries.ListAsync(db, organisationId, PageRequest.From(offset, limit), PeopleVisibility.Of(http.User), ct));

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var person = await PeopleQueries.FindAsync(db, id, PeopleVisibility.Of(http.User), ct) ?? throw new NotFoundException("person", id);
        http.Response.SetETag(person.Version);
        return TypedResults.Ok(person);
    }
}
