using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

/// <summary>The lease period (local dates, inclusive); both null: the site is not limited in time.</summary>
internal sealed record SetLeaseRequest(DateOnly? From, DateOnly? Until);

internal sealed class SetLeaseValidator : AbstractValidator<SetLeaseRequest>
{
    public SetLeaseValidator() =>
        RuleFor(r => r.Until).GreaterThanOrEqualTo(r => r.From).When(r => r.From is not null && r.Until is not null)
            .WithMessage("until must not be before from.");
}

internal static class SetLease
{
    public static IReadOnlyList<object> Decide(Site state, Lease? lease)
    {
        if (lease is { From: null, Until: null })
            lease = null;
        return lease == state.Lease ? [] : [new LeaseSet(state.Id, lease)];
    }

    public static void Map(RouteGroupBuilder sites) =>
        sites.MapPut("/{id:guid}/lease", Handle)
            .Validate<SetLeaseRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Sets or clears the period a site may be used in (If-Match required)")
            .Produces<SiteResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, SetLeaseRequest request, HttpContext http, EventStore store, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Site>(http.Request, "site", id, Site.StreamId(id), ct);
        var events = Decide(current.State, new Lease(request.From, request.Until));
        var after = current.State.Fold(events);
        var version = await store.AppendAsync(http, current, events, [SiteMapping.LeaseChanged(after)], ct);
        return Results.Ok(SiteResponse.From(after, version));
    }
}
