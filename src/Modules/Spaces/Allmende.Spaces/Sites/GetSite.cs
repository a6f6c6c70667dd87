using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

internal static class GetSite
{
    public static void Map(RouteGroupBuilder sites)
    {
        sites.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("One site with its floors, opening hours, closures and lease; ETag for updates")
            .Produces<SiteResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        sites.MapGet("/{id:guid}/closures/{closureId:guid}", GetClosureAsync)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("One closure of a site; ETag of the site")
            .Produces<ClosureResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var site = await store.LoadAsync<Site>(Site.StreamId(id), ct: ct) ?? throw new NotFoundException("site", id);
        http.Response.SetETag(site.Version);
        return Results.Ok(SiteResponse.From(site.State, site.Version));
    }

    private static async Task<IResult> GetClosureAsync(Guid id, Guid closureId, HttpContext http, EventStore store, CancellationToken ct)
    {
        var site = await store.LoadAsync<Site>(Site.StreamId(id), ct: ct) ?? throw new NotFoundException("site", id);
        var closure = site.State.Closures.FirstOrDefault(c => c.ClosureId == closureId) ?? throw new NotFoundException("closure", closureId);
        http.Response.SetETag(site.Version);
        return Results.Ok(SiteMapping.ToResponse(closure));
    }
}
