namespace Allmende.Tests.Infrastructure;

// A host's start costs seconds of CPU (JIT and type loading of Marten, Wolverine and JasperFx) and an idle host
// keeps polling; the suite started about a hundred. The classes of one collection below share one host and its
// database, one class after another (xunit runs a collection's classes in turn, collections side by side).
// Only classes whose assertions read what they create themselves belong here: their own sites, rooms,
// organisations, grants and people, with fresh names and ids. A class that needs an empty database, exact counts
// across the whole database (a scan for a string, the health of every message, one page of all keys, every grant an
// allocation could draw on: the funding classes), its own settings or clock, or that seeds the demo data keeps its own
// host (issue 13 item 6).

/// <summary>Bookings: rooms, bookings, series, desks, quotas, the waitlist, calendars and feeds.</summary>
[CollectionDefinition(Name)]
public sealed class BookingsHost : ICollectionFixture<AllmendeApp>
{
    public const string Name = "bookings host";
}

/// <summary>Sites and spaces, the duty rota, keys and tokens, the API's input rules and contract, the programme and the pilot's report.</summary>
[CollectionDefinition(Name)]
public sealed class SpacesAndApiHost : ICollectionFixture<AllmendeApp>
{
    public const string Name = "spaces and API host";
}

/// <summary>Membership's people and organisations and its part of the API's contract, on Membership's host.</summary>
[CollectionDefinition(Name)]
public sealed class MembershipHost : ICollectionFixture<Membership.MembershipApp>
{
    public const string Name = "membership host";
}
