using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;

namespace Allmende.Spaces.Sites;

/// <summary>A site as its decisions see it.</summary>
internal sealed record Site(
    Guid Id,
    string Name,
    Address Address,
    ValueList<Floor> Floors,
    ValueList<OpeningInterval> OpeningHours,
    ValueList<Closure> Closures,
    Lease? Lease) : IEventSourced<Site>
{
    public static string StreamId(Guid id) => $"site-{id:D}";

    public static Site Initial { get; } = new(Guid.Empty, "", new Address("", "", ""), [], [], [], null);

    public bool IsRegistered => Id != Guid.Empty;

    public Floor? FindFloor(Guid floorId) => Floors.FirstOrDefault(f => f.FloorId == floorId);

    /// <summary>Whether [from, to) lies within the opening hours, outside every closure and inside the lease.</summary>
    public OpeningCheck Check(DateTimeOffset from, DateTimeOffset to) =>
        OpeningCalendar.Check(OpeningHours, Closures, Lease, from, to);

    public static Site Evolve(Site state, object @event) => @event switch
    {
        SiteRegistered e => state with { Id = e.SiteId, Name = e.Name, Address = e.Address },
        SiteRenamed e => state with { Name = e.Name },
        SiteMoved e => state with { Address = e.Address },
        FloorAdded e => state with { Floors = [.. state.Floors, new Floor(e.FloorId, e.Name)] },
        FloorRenamed e => state with { Floors = state.Floors.Select(f => f.FloorId == e.FloorId ? f with { Name = e.Name } : f).ToValueList() },
        OpeningHoursSet e => state with { OpeningHours = e.OpeningHours },
        ClosureAdded e => state with { Closures = [.. state.Closures, e.Closure] },
        ClosureRemoved e => state with { Closures = state.Closures.Where(c => c.ClosureId != e.ClosureId).ToValueList() },
        LeaseSet e => state with { Lease = e.Lease },
        _ => state,
    };
}
