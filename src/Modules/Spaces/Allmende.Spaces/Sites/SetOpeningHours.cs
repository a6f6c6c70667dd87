using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

/// <summary>The whole weekly opening hours (local time), replacing the previous ones; empty: never open.</summary>
internal sealed record SetOpeningHoursRequest(IReadOnlyList<OpeningIntervalDto> OpeningHours);

internal sealed class SetOpeningHoursValidator : AbstractValidator<SetOpeningHoursRequest>
{
    public SetOpeningHoursValidator()
    {
        RuleFor(r => r.OpeningHours).NotNull()
            .Must(h => h is null || h.Count <= OpeningHoursRules.MaxIntervals).WithMessage("At most 168 intervals.")
            .Must(OpeningHoursRules.NotOverlap).WithMessage((_, h) => OpeningHoursRules.OverlapMessage(h));
        RuleForEach(r => r.OpeningHours).NotNull().SetValidator(new OpeningIntervalValidator());
    }
}

internal static class SetOpeningHours
{
    public static IReadOnlyList<object> Decide(Site state, ValueList<OpeningInterval> hours)
    {
        var normalised = SiteMapping.Normalise(hours);
        return normalised.Equals(SiteMapping.Normalise(state.OpeningHours)) ? [] : [new OpeningHoursSet(state.Id, normalised)];
    }

    public static void Map(RouteGroupBuilder sites) =>
        sites.MapPut("/{id:guid}/opening-hours", Handle)
            .Validate<SetOpeningHoursRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Sets a site's weekly opening hours, Europe/Berlin local time (If-Match required)")
            .Produces<SiteResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, SetOpeningHoursRequest request, HttpContext http, EventStore store, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Site>(http.Request, "site", id, Site.StreamId(id), ct);
        var events = Decide(current.State, SiteMapping.ToIntervals(request.OpeningHours));
        var after = current.State.Fold(events);
        var version = await store.AppendAsync(http, current, events, [SiteMapping.HoursChanged(after)], ct);
        return Results.Ok(SiteResponse.From(after, version));
    }
}
