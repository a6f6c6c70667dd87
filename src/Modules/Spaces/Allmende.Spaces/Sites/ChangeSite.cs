using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

/// <summary>A floor or area: with the id of an existing one to keep or rename it, without an id to add it.</summary>
internal sealed record FloorDto(Guid? Id, string Name);

/// <summary>
/// Name, address and floors as they should be. Floors: the whole list (null leaves them as they
/// are); a floor can be added or renamed but not removed, since spaces may sit on it.
/// </summary>
internal sealed record ChangeSiteRequest(string Name, AddressDto Address, IReadOnlyList<FloorDto>? Floors);

internal sealed class ChangeSiteValidator : AbstractValidator<ChangeSiteRequest>
{
    public ChangeSiteValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Address).NotNull().SetValidator(new AddressValidator());
        RuleForEach(r => r.Floors).NotNull().ChildRules(f => f.RuleFor(x => x.Name).NotEmpty().MaximumLength(100));
        RuleFor(r => r.Floors).Must(f => f is null || f.Count <= 100).WithMessage("At most 100 floors.")
            .Must(f => f is null || f.Where(x => x is not null).Select(x => x.Name?.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).Count() == f.Count)
            .WithMessage("Floor names must differ.")
            .Must(f => f is null || f.Where(x => x?.Id is not null).GroupBy(x => x.Id).All(g => g.Count() == 1))
            .WithMessage("A floor id appears twice.");
    }
}

internal static class ChangeSite
{
    internal sealed record RequestedFloor(Guid FloorId, string Name, bool IsNew);

    internal sealed record Command(string Name, Address Address, IReadOnlyList<RequestedFloor>? Floors);

    public static IReadOnlyList<object> Decide(Site state, Command command)
    {
        var events = new List<object>();
        if (command.Name != state.Name)
            events.Add(new SiteRenamed(state.Id, command.Name));
        if (command.Address != state.Address)
            events.Add(new SiteMoved(state.Id, command.Address));
        if (command.Floors is null)
            return events;

        for (var i = 0; i < command.Floors.Count; i++)
        {
            if (!command.Floors[i].IsNew && state.FindFloor(command.Floors[i].FloorId) is null)
                throw new BadInputException($"floors[{i}].id", $"Site {state.Id} has no floor {command.Floors[i].FloorId}; leave the id out to add a floor.");
        }
        var missing = state.Floors.FirstOrDefault(f => command.Floors.All(r => r.IsNew || r.FloorId != f.FloorId));
        if (missing is not null)
            throw new DomainException("floor-cannot-be-removed",
                $"Floor '{missing.Name}' ({missing.FloorId}) cannot be removed: spaces may sit on it. Keep it in the list, or rename it.");
        foreach (var requested in command.Floors)
        {
            if (requested.IsNew)
                events.Add(new FloorAdded(state.Id, requested.FloorId, requested.Name));
            else if (state.FindFloor(requested.FloorId)!.Name != requested.Name)
                events.Add(new FloorRenamed(state.Id, requested.FloorId, requested.Name));
        }
        return events;
    }

    public static void Map(RouteGroupBuilder sites) =>
        sites.MapPut("/{id:guid}", Handle)
            .Validate<ChangeSiteRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Changes a site's name, address and floors (If-Match required)")
            .Produces<SiteResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, ChangeSiteRequest request, HttpContext http, EventStore store, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Site>(http.Request, "site", id, Site.StreamId(id), ct);
        var command = new Command(
            request.Name.Trim(),
            SiteMapping.ToAddress(request.Address),
            request.Floors?.Select(f => new RequestedFloor(f.Id ?? Guid.CreateVersion7(), f.Name.Trim(), f.Id is null)).ToList());
        var events = Decide(current.State, command);
        var after = current.State.Fold(events);
        var version = await store.AppendAsync(http, current, events, [SiteMapping.Changed(after)], ct);
        return Results.Ok(SiteResponse.From(after, version));
    }
}
