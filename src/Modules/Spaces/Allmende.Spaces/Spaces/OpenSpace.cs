using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Sites;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Spaces;

/// <summary>A new space at a site, optionally on one of its floors. Rates apply from today; rules default to "anyone, any time".</summary>
internal sealed record OpenSpaceRequest(
    Guid SiteId,
    Guid? FloorId,
    string Name,
    string Kind,
    int Capacity,
    int? Places,
    IReadOnlyList<string>? Accessibility,
    IReadOnlyList<string>? Equipment,
    RatesDto? Rates,
    BookingRulesDto? Rules) : ISpaceDetailsRequest;

internal sealed class OpenSpaceValidator : AbstractValidator<OpenSpaceRequest>
{
    public OpenSpaceValidator()
    {
        RuleFor(r => r.SiteId).NotEmpty();
        Include(new SpaceDetailsValidator());
        RuleFor(r => r.Rates!).SetValidator(new RatesValidator()).When(r => r.Rates is not null);
        RuleFor(r => r.Rules!).SetValidator(new BookingRulesValidator()).When(r => r.Rules is not null);
    }
}

internal static class OpenSpace
{
    internal sealed record Command(Guid SpaceId, Guid SiteId, SpaceDetails Details, long HourlyRateCents, long MonthlyDeskFeeCents, BookingRules Rules);

    /// <param name="site">The site the space opens at (<see cref="Site.Initial"/> if there is none).</param>
    public static IReadOnlyList<object> Decide(Space state, Site site, Command command, DateTimeOffset now)
    {
        if (state.IsOpened)
            throw new DomainException("space-exists", $"Space {command.SpaceId} is already open.");
        if (!site.IsRegistered)
            throw new BadInputException("siteId", $"There is no site {command.SiteId}.");
        if (command.Details.FloorId is { } floorId && site.FindFloor(floorId) is null)
            throw new BadInputException("floorId", $"Site '{site.Name}' has no floor {floorId}.");
        var rate = new Rate(command.HourlyRateCents, command.MonthlyDeskFeeCents, Berlin.DateOf(now));
        return [new SpaceOpened(command.SpaceId, command.SiteId, command.Details, rate, command.Rules)];
    }

    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapPost("", Handle)
            .Validate<OpenSpaceRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Opens a space at a site: room, event hall, desk, flexible-desk area, workshop slot or a not-bookable part")
            .Produces<SpaceResponse>(StatusCodes.Status201Created);

    private static async Task<IResult> Handle(OpenSpaceRequest request, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var site = await store.LoadAsync<Site>(Site.StreamId(request.SiteId), ct: ct);
        var id = Guid.CreateVersion7();
        var command = new Command(id, request.SiteId, SpaceMapping.ToDetails(request),
            request.Rates?.HourlyRateCents ?? 0, request.Rates?.MonthlyDeskFeeCents ?? 0, SpaceMapping.ToRules(request.Rules));
        var events = Decide(Space.Initial, site?.State ?? Site.Initial, command, now);
        var space = Space.Initial.Fold(events);

        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("space", Space.StreamId(id), events);
        uow.Publish(SpaceMapping.Opened(space));
        var stored = await uow.CommitAsync(ct);

        http.Response.SetETag(stored[^1].StreamVersion);
        return Results.Created($"/api/spaces/{id}", SpaceResponse.From(space, stored[^1].StreamVersion, Berlin.DateOf(now)));
    }
}
