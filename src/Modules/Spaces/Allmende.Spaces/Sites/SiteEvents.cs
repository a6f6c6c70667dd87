using System.Text.Json.Serialization;
using Allmende.Spaces.Common;

namespace Allmende.Spaces.Sites;

// The site stream's events ("site-<id>"). Private to the module; stored as "spaces.site.<past-tense>".
// What other modules learn is published from Allmende.Spaces.Contracts. All local times and dates are
// Europe/Berlin wall-clock time.

internal interface ISiteEvent
{
    Guid SiteId { get; }
}

internal sealed record Address(string Street, string PostalCode, string City);

internal sealed record Floor(Guid FloorId, string Name);

/// <summary>
/// Open on <paramref name="Day"/> from <paramref name="Opens"/> until <paramref name="Closes"/>
/// (exclusive), local time. <paramref name="Closes"/> 00:00 means midnight at the end of the day,
/// so 00:00–00:00 is the whole day. An interval never runs past midnight: 22:00–02:00 is two
/// intervals, 22:00–24:00 and 00:00–02:00 the next day, and they join up.
/// </summary>
internal sealed record OpeningInterval(DayOfWeek Day, TimeOnly Opens, TimeOnly Closes)
{
    [JsonIgnore]
    public int OpensMinute => Opens.Hour * 60 + Opens.Minute;

    [JsonIgnore]
    public int ClosesMinute => Closes == TimeOnly.MinValue ? 24 * 60 : Closes.Hour * 60 + Closes.Minute;
}

/// <summary>
/// Closed from <paramref name="From"/> until <paramref name="To"/> (UTC instants, end exclusive). When
/// given as whole local days, <paramref name="FirstDay"/> and <paramref name="LastDay"/> (inclusive)
/// say so and the instants are the start of the first and the end of the last day.
/// </summary>
internal sealed record Closure(Guid ClosureId, DateTimeOffset From, DateTimeOffset To, DateOnly? FirstDay, DateOnly? LastDay, string Reason);

/// <summary>The site may be used only from <paramref name="From"/> to <paramref name="Until"/> (local dates, inclusive; either may be open).</summary>
internal sealed record Lease(DateOnly? From, DateOnly? Until)
{
    [JsonIgnore]
    public DateTimeOffset? StartsAt => From is { } from ? Berlin.StartOfDay(from) : null;

    [JsonIgnore]
    public DateTimeOffset? EndsAt => Until is { } until ? Berlin.EndOfDay(until) : null;
}

internal sealed record SiteRegistered(Guid SiteId, string Name, Address Address) : ISiteEvent;

internal sealed record SiteRenamed(Guid SiteId, string Name) : ISiteEvent;

internal sealed record SiteMoved(Guid SiteId, Address Address) : ISiteEvent;

internal sealed record FloorAdded(Guid SiteId, Guid FloorId, string Name) : ISiteEvent;

internal sealed record FloorRenamed(Guid SiteId, Guid FloorId, string Name) : ISiteEvent;

/// <summary>The whole weekly opening hours, replacing the previous ones. Empty: never open.</summary>
internal sealed record OpeningHoursSet(Guid SiteId, ValueList<OpeningInterval> OpeningHours) : ISiteEvent;

internal sealed record ClosureAdded(Guid SiteId, Closure Closure) : ISiteEvent;

internal sealed record ClosureRemoved(Guid SiteId, Guid ClosureId) : ISiteEvent;

/// <summary>The lease period; null: the site is not limited in time.</summary>
internal sealed record LeaseSet(Guid SiteId, Lease? Lease) : ISiteEvent;

internal static class SiteEventNames
{
    public static readonly IReadOnlyList<(Type Type, string Name)> All =
    [
        (typeof(SiteRegistered), "spaces.site.registered"),
        (typeof(SiteRenamed), "spaces.site.renamed"),
        (typeof(SiteMoved), "spaces.site.moved"),
        (typeof(FloorAdded), "spaces.site.floor-added"),
        (typeof(FloorRenamed), "spaces.site.floor-renamed"),
        (typeof(OpeningHoursSet), "spaces.site.opening-hours-set"),
        (typeof(ClosureAdded), "spaces.site.closure-added"),
        (typeof(ClosureRemoved), "spaces.site.closure-removed"),
        (typeof(LeaseSet), "spaces.site.lease-set"),
    ];
}
