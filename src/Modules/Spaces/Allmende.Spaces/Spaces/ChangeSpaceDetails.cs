using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Sites;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Spaces;

/// <summary>A space's details as they should be (the site stays; the floor may change within it).</summary>
internal sealed record ChangeSpaceDetailsRequest(
    Guid? FloorId,
    string Name,
    string Kind,
    int Capacity,
    int? Places,
    IReadOnlyList<string>? Accessibility,
    IReadOnlyList<string>? Equipment) : ISpaceDetailsRequest;

internal sealed class ChangeSpaceDetailsValidator : AbstractValidator<ChangeSpaceDetailsRequest>
{
    public ChangeSpaceDetailsValidator() => Include(new SpaceDetailsValidator());
}

internal static class ChangeSpaceDetails
{
    public static IReadOnlyList<object> Decide(Space state, Site site, SpaceDetails details)
    {
        state.EnsureNotRetired();
        if (details.FloorId is { } floorId && site.FindFloor(floorId) is null)
            throw new BadInputException("floorId", $"Site '{site.Name}' has no floor {floorId}.");
        return details == state.Details ? [] : [new SpaceDetailsChanged(state.Id, details)];
    }

    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapPut("/{id:guid}", Handle)
            .Validate<ChangeSpaceDetailsRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Changes a space's name, floor, kind, capacity, places, accessibility and equipment (If-Match required)")
            .Produces<SpaceResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, ChangeSpaceDetailsRequest request, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Space>(http.Request, "space", id, Space.StreamId(id), ct);
        var site = await store.LoadAsync<Site>(Site.StreamId(current.State.SiteId), ct: ct);
        var events = Decide(current.State, site?.State ?? Site.Initial, SpaceMapping.ToDetails(request));
        var after = current.State.Fold(events);
        var version = await store.AppendAsync(http, current, events, [SpaceMapping.Changed(after)], ct);
        return Results.Ok(SpaceResponse.From(after, version, Berlin.DateOf(time.GetUtcNow())));
    }
}
