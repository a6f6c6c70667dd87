using Allmende.Eventing.Messaging;
using Allmende.Spaces.Contracts;

namespace Allmende.Bookings.Reports;

// What Bookings learned of the house from Spaces' messages, as events of its own log (stream
// "house-site-<siteId>"), so that the copies have a history in log positions: a report as of a
// past instant sees the hours, closures, lease and spaces Bookings knew then. MessageId: the
// Spaces message (UUIDv7, time-ordered) the fact came from; messages arrive in no order, so a
// later-delivered older message must not win. Stored names "bookings.house.<kebab>"; never rename.

/// <summary>Opening hours (Europe/Berlin) from SiteRegistered or SiteHoursChanged.</summary>
internal sealed record SiteHoursCopied(Guid SiteId, Guid MessageId, IReadOnlyList<OpeningInterval> OpeningHours);

/// <summary>The lease (null ends: open-ended) from SiteRegistered or SiteLeaseChanged.</summary>
internal sealed record SiteLeaseCopied(Guid SiteId, Guid MessageId, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt);

/// <summary>A closure added, or (Removed) removed; a removal is final whatever order they arrive in.</summary>
internal sealed record SiteClosureCopied(Guid SiteId, Guid ClosureId, DateTimeOffset From, DateTimeOffset To, bool Removed);

/// <summary>A space as reports need it, from SpaceOpened or SpaceChanged.</summary>
internal sealed record SpaceCopied(Guid SpaceId, Guid SiteId, Guid MessageId, string Name, string Kind, int? Places);

/// <summary>The space was retired; final whatever order messages arrive in.</summary>
internal sealed record SpaceRetirementCopied(Guid SpaceId, Guid SiteId, DateTimeOffset RetiredAt);

internal static class HouseHistoryNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(SiteHoursCopied), "bookings.house.site-hours-copied"),
        (typeof(SiteLeaseCopied), "bookings.house.site-lease-copied"),
        (typeof(SiteClosureCopied), "bookings.house.site-closure-copied"),
        (typeof(SpaceCopied), "bookings.house.space-copied"),
        (typeof(SpaceRetirementCopied), "bookings.house.space-retirement-copied"),
    ];

    public static string StreamOf(Guid siteId) => $"house-site-{siteId}";
}

/// <summary>
/// Turns Spaces' messages into Bookings' history events, in the delivery's transaction (so exactly
/// once in effect). Beside <see cref="House.HouseCopies"/>, which keeps the current copies that
/// booking decisions read; this one only records, for reports.
/// </summary>
internal sealed class HouseHistoryRecorder
{
    public Task Handle(SiteRegistered m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId,
            new SiteHoursCopied(m.SiteId, context.MessageId, m.OpeningHours),
            new SiteLeaseCopied(m.SiteId, context.MessageId, m.Lease?.StartsAt, m.Lease?.EndsAt));

    public Task Handle(SiteHoursChanged m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SiteHoursCopied(m.SiteId, context.MessageId, m.OpeningHours));

    public Task Handle(SiteLeaseChanged m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SiteLeaseCopied(m.SiteId, context.MessageId, m.Lease?.StartsAt, m.Lease?.EndsAt));

    public Task Handle(SiteClosureAdded m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SiteClosureCopied(m.SiteId, m.ClosureId, m.From, m.To, Removed: false));

    public Task Handle(SiteClosureRemoved m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SiteClosureCopied(m.SiteId, m.ClosureId, m.From, m.To, Removed: true));

    public Task Handle(SpaceOpened m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SpaceCopied(m.SpaceId, m.SiteId, context.MessageId, m.Name, m.Kind, m.Places));

    public Task Handle(SpaceChanged m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SpaceCopied(m.SpaceId, m.SiteId, context.MessageId, m.Name, m.Kind, m.Places));

    public Task Handle(SpaceRetired m, MessageContext context, CancellationToken ct) =>
        Record(context, m.SiteId, new SpaceRetirementCopied(m.SpaceId, m.SiteId, m.RetiredAt));

    // Any version: deliveries for one site may run concurrently; the stream row serialises them.
    private static Task Record(MessageContext context, Guid siteId, params object[] events)
    {
        context.Work.Append(HouseHistoryNames.StreamOf(siteId), events);
        return Task.CompletedTask;
    }
}
