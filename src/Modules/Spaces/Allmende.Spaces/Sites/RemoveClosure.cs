using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

internal static class RemoveClosure
{
    public static IReadOnlyList<object> Decide(Site state, Guid closureId) =>
        state.Closures.Any(c => c.ClosureId == closureId)
            ? [new ClosureRemoved(state.Id, closureId)]
            : throw new NotFoundException("closure", closureId);

    public static void Map(RouteGroupBuilder sites) =>
        sites.MapDelete("/{id:guid}/closures/{closureId:guid}", Handle)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Withdraws a closure (If-Match required); answers 204 with the site's new ETag")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, Guid closureId, HttpContext http, EventStore store, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Site>(http.Request, "site", id, Site.StreamId(id), ct);
        var events = Decide(current.State, closureId);
        var closure = current.State.Closures.Single(c => c.ClosureId == closureId);
        await store.AppendAsync(http, current, events,
            [new SiteClosureRemoved(id, closureId, closure.From, closure.To, closure.FirstDay, closure.LastDay, closure.Reason)], ct);
        return Results.NoContent();
    }
}
