using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Spaces;

/// <summary>Why the space is retired (optional; the body may be left out).</summary>
internal sealed record RetireSpaceRequest(string? Reason);

internal static class RetireSpace
{
    public const int MaxReasonLength = 500;

    public static IReadOnlyList<object> Decide(Space state, string? reason, DateTimeOffset now)
    {
        state.EnsureNotRetired();
        return [new SpaceRetired(state.Id, now, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim())];
    }

    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapPost("/{id:guid}/retire", Handle)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Retires a space: it takes no more bookings and stays in history (If-Match required)")
            .Accepts<RetireSpaceRequest>("application/json")
            .Produces<SpaceResponse>()
            .ProducesValidationProblem()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct,
        RetireSpaceRequest? request = null)
    {
        if (request?.Reason is { Length: > MaxReasonLength })
            throw new BadInputException("reason", $"reason must be {MaxReasonLength} characters or fewer.");
        var now = time.GetUtcNow();
        var current = await store.LoadForUpdateAsync<Space>(http.Request, "space", id, Space.StreamId(id), ct);
        var events = Decide(current.State, request?.Reason, now);
        var after = current.State.Fold(events);
        var version = await store.AppendAsync(http, current, events,
            [new Contracts.SpaceRetired(id, after.SiteId, now, after.RetirementReason)], ct);
        return Results.Ok(SpaceResponse.From(after, version, Berlin.DateOf(now)));
    }
}
