namespace Allmende.Spaces.Contracts;

// What other modules may know of sites. Published through the outbox in the same transaction as the
// events that caused them; each record carries the full data of what it announces (never a diff),
// so that a subscriber can keep its own copy. Stable type names "spaces.site-…" (SpacesModule).
//
// Time: every site keeps Europe/Berlin wall-clock time (TimeZone says so). Local dates and times
// are DateOnly/TimeOnly; instants are DateTimeOffset in UTC; ranges of instants are [From, To).

public sealed record SiteAddress(string Street, string PostalCode, string City);

public sealed record SiteFloor(Guid FloorId, string Name);

/// <summary>
/// Open on Day from Opens until Closes (exclusive), local time. Closes 00:00 means midnight at the
/// end of the day (00:00–00:00 is the whole day). Intervals never span midnight; several per day are
/// allowed and never overlap. An instant is open when its local time on its local date lies in one
/// of that weekday's intervals, which is what makes the hours correct across DST changes.
/// </summary>
public sealed record OpeningInterval(DayOfWeek Day, TimeOnly Opens, TimeOnly Closes);

/// <summary>
/// The site may be used only from From to Until (local dates, inclusive; either may be open), that
/// is from StartsAt to EndsAt (instants: start of From, start of the day after Until).
/// </summary>
public sealed record SiteLease(DateOnly? From, DateOnly? Until, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

/// <summary>A new site. Lease null: not limited in time. No opening hours: never open.</summary>
public sealed record SiteRegistered(
    Guid SiteId,
    string Name,
    SiteAddress Address,
    string TimeZone,
    IReadOnlyList<SiteFloor> Floors,
    IReadOnlyList<OpeningInterval> OpeningHours,
    SiteLease? Lease);

/// <summary>The site's name, address or floors changed: all of them as they are now.</summary>
public sealed record SiteChanged(Guid SiteId, string Name, SiteAddress Address, IReadOnlyList<SiteFloor> Floors);

/// <summary>The site's whole weekly opening hours, replacing the previous ones.</summary>
public sealed record SiteHoursChanged(Guid SiteId, string TimeZone, IReadOnlyList<OpeningInterval> OpeningHours);

/// <summary>
/// The site is closed from From to To (UTC instants, To exclusive) for Reason. FirstDay/LastDay are
/// set when the closure was given as whole local days (inclusive).
/// </summary>
public sealed record SiteClosureAdded(Guid SiteId, Guid ClosureId, DateTimeOffset From, DateTimeOffset To, DateOnly? FirstDay, DateOnly? LastDay, string Reason);

/// <summary>A closure was withdrawn; the record repeats what it was.</summary>
public sealed record SiteClosureRemoved(Guid SiteId, Guid ClosureId, DateTimeOffset From, DateTimeOffset To, DateOnly? FirstDay, DateOnly? LastDay, string Reason);

/// <summary>The site's lease period now; Lease null: no longer limited in time.</summary>
public sealed record SiteLeaseChanged(Guid SiteId, SiteLease? Lease);
