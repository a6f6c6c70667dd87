using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

/// <summary>A new site: name and address, optionally its floors, opening hours and lease at once.</summary>
internal sealed record RegisterSiteRequest(
    string Name,
    AddressDto Address,
    IReadOnlyList<string>? Floors,
    IReadOnlyList<OpeningIntervalDto>? OpeningHours,
    LeaseDto? Lease);

internal sealed class RegisterSiteValidator : AbstractValidator<RegisterSiteRequest>
{
    public RegisterSiteValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Address).NotNull().SetValidator(new AddressValidator());
        RuleForEach(r => r.Floors).NotEmpty().MaximumLength(100);
        RuleFor(r => r.Floors).Must(f => f is null || f.Count <= 100).WithMessage("At most 100 floors.")
            .Must(f => f is null || f.Select(n => n?.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() == f.Count)
            .WithMessage("Floor names must differ.");
        RuleForEach(r => r.OpeningHours).NotNull().SetValidator(new OpeningIntervalValidator());
        RuleFor(r => r.OpeningHours).Must(h => h is null || h.Count <= OpeningHoursRules.MaxIntervals).WithMessage("At most 168 intervals.")
            .Must(OpeningHoursRules.NotOverlap).WithMessage((_, h) => OpeningHoursRules.OverlapMessage(h));
        RuleFor(r => r.Lease!).SetValidator(new LeaseValidator()).When(r => r.Lease is not null);
    }
}

internal static class RegisterSite
{
    internal sealed record Command(Guid SiteId, string Name, Address Address, IReadOnlyList<Floor> Floors,
        ValueList<OpeningInterval> OpeningHours, Lease? Lease);

    public static IReadOnlyList<object> Decide(Site state, Command command)
    {
        if (state.IsRegistered)
            throw new DomainException("site-exists", $"Site {command.SiteId} is already registered.");
        var events = new List<object> { new SiteRegistered(command.SiteId, command.Name, command.Address) };
        events.AddRange(command.Floors.Select(f => new FloorAdded(command.SiteId, f.FloorId, f.Name)));
        if (command.OpeningHours.Count > 0)
            events.Add(new OpeningHoursSet(command.SiteId, command.OpeningHours));
        if (command.Lease is { From: not null } or { Until: not null })
            events.Add(new LeaseSet(command.SiteId, command.Lease));
        return events;
    }

    public static void Map(RouteGroupBuilder sites) =>
        sites.MapPost("", Handle)
            .Validate<RegisterSiteRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Registers a site, optionally with floors, opening hours and lease")
            .Produces<SiteResponse>(StatusCodes.Status201Created);

    private static async Task<IResult> Handle(RegisterSiteRequest request, HttpContext http, EventStore store, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var command = new Command(
            id,
            request.Name.Trim(),
            SiteMapping.ToAddress(request.Address),
            [.. (request.Floors ?? []).Select(name => new Floor(Guid.CreateVersion7(), name.Trim()))],
            SiteMapping.ToIntervals(request.OpeningHours ?? []),
            request.Lease is null ? null : new Lease(request.Lease.From, request.Lease.Until));
        var events = Decide(Site.Initial, command);
        var site = Site.Initial.Fold(events);

        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("site", Site.StreamId(id), events);
        uow.Publish(SiteMapping.Registered(site));
        var stored = await uow.CommitAsync(ct);

        http.Response.SetETag(stored[^1].StreamVersion);
        return Results.Created($"/api/sites/{id}", SiteResponse.From(site, stored[^1].StreamVersion));
    }
}
