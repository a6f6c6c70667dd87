using Allmende.Eventing.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Organisations.Read;

/// <summary>
/// GET /api/organisations (paged; filters kind, status, nonProfit, name) and GET /api/organisations/{id}.
/// Admins and auditors see all; a member only the organisations they act for (others are 404).
/// </summary>
internal static class OrganisationReads
{
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/organisations", ListAsync)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Organisations, by name; a member sees only their own.")
            .Produces<Page<OrganisationResponse>>();
        api.MapGet("/organisations/{id:guid}", GetAsync)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("One organisation, with its version as ETag.")
            .Produces<OrganisationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        int? offset = null, int? limit = null, string? kind = null, string? status = null, bool? nonProfit = null, string? name = null)
    {
        if (kind is not null && !Names.TryParse<OrganisationKind>(kind, out _))
            throw new BadInputException("kind", $"kind must be {Names.OneOf<OrganisationKind>()}.");
        if (status is not null && !Names.TryParse<OrganisationStatus>(status, out _))
            throw new BadInputException("status", $"status must be {Names.OneOf<OrganisationStatus>()}.");
        var page = PageRequest.From(offset, limit);
        var visibleTo = http.User.IsAdmin() || http.User.IsAuditor() ? null : http.User.Organisations();
        return TypedResults.Ok(await OrganisationQueries.ListAsync(db, new OrganisationFilter(kind, status, nonProfit, name), page, visibleTo, ct));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!http.User.CanRead(id))
            throw new NotFoundException("organisation", id);
        var organisation = await OrganisationQueries.FindAsync(db, id, ct) ?? throw new NotFoundException("organisation", id);
        http.Response.SetETag(organisation.Version);
        return TypedResults.Ok(organisation);
    }
}
