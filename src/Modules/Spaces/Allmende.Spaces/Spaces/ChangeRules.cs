using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Spaces;

internal sealed class ChangeRulesValidator : AbstractValidator<BookingRulesDto>
{
    public ChangeRulesValidator() => Include(new BookingRulesValidator());
}

internal static class ChangeRules
{
    public static IReadOnlyList<object> Decide(Space state, BookingRules rules)
    {
        state.EnsureNotRetired();
        return rules == state.Rules ? [] : [new SpaceRulesChanged(state.Id, rules)];
    }

    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapPut("/{id:guid}/rules", Handle)
            .Validate<BookingRulesDto>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Sets a space's booking rules: durations, lead time, approval, organisation kinds (If-Match required)")
            .Produces<SpaceResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, BookingRulesDto request, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Space>(http.Request, "space", id, Space.StreamId(id), ct);
        var events = Decide(current.State, SpaceMapping.ToRules(request));
        var after = current.State.Fold(events);
        var version = await store.AppendAsync(http, current, events, [SpaceMapping.Changed(after)], ct);
        return Results.Ok(SpaceResponse.From(after, version, Berlin.DateOf(time.GetUtcNow())));
    }
}
