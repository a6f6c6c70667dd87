using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Spaces;

internal static class GetSpace
{
    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapGet("/{id:guid}", Handle)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("One space with its rates and booking rules; ETag for updates")
            .Produces<SpaceResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Handle(Guid id, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var space = await store.LoadAsync<Space>(Space.StreamId(id), ct: ct) ?? throw new NotFoundException("space", id);
        http.Response.SetETag(space.Version);
        return Results.Ok(SpaceResponse.From(space.State, space.Version, Berlin.DateOf(time.GetUtcNow())));
    }
}
