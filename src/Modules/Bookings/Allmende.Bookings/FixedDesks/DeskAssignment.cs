using Allmende.Bookings.House;
using Allmende.Eventing.Streams;
using NodaTime;
using Contract = Allmende.Bookings.Contracts;

namespace Allmende.Bookings.FixedDesks;

// The private events of an assignment's stream "desk-assignment-<id>". Stored names
// "bookings.desk-assignment.<kebab>" (DeskAssignmentEventNames); never rename one. From and Until are
// Europe/Berlin local dates, both inclusive; At is when the decision was taken.

/// <summary>Staff assigned a fixed desk to an organisation (and, if PersonId is set, one of its people) for [From, Until].</summary>
internal sealed record DeskAssigned(Guid AssignmentId, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId, DateOnly From, DateOnly Until,
    DateTimeOffset At);

/// <summary>The assignment ends early: Until is its new last day; the day before From withdraws it entirely.</summary>
internal sealed record DeskAssignmentEnded(Guid AssignmentId, DateOnly Until, string Reason, DateTimeOffset At);

internal static class DeskAssignmentEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(DeskAssigned), "bookings.desk-assignment.assigned"),
        (typeof(DeskAssignmentEnded), "bookings.desk-assignment.ended"),
    ];
}

/// <summary>An assignment as its decisions see it. EndReason: why it was ended early (null while it runs as assigned).</summary>
internal sealed record DeskAssignment(
    Guid Id,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateOnly From,
    DateOnly Until,
    string? EndReason) : IEventSourced<DeskAssignment>
{
    public static string StreamId(Guid id) => $"desk-assignment-{id:D}";

    public static DeskAssignment Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, null, default, default, null);

    public bool Exists => Id != Guid.Empty;

    /// <summary>Ended before its first day: it never blocks the desk.</summary>
    public bool Withdrawn => Until < From;

    public static DeskAssignment Evolve(DeskAssignment state, object @event) => @event switch
    {
        DeskAssigned e => new DeskAssignment(e.AssignmentId, e.SpaceId, e.SiteId, e.OrganisationId, e.PersonId, e.From, e.Until, null),
        DeskAssignmentEnded e => state with { Until = e.Until, EndReason = e.Reason },
        _ => state,
    };
}

/// <summary>Berlin local days as the UTC instants an assignment blocks: [start of From, start of the day after Until), DST-correct.</summary>
internal static class DeskDays
{
    public static DateTimeOffset StartOf(DateOnly date) =>
        OpeningHours.Berlin.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();

    /// <summary>The first instant after the last day.</summary>
    public static DateTimeOffset EndOf(DateOnly lastDay) => StartOf(lastDay.AddDays(1));

    public static DateOnly Today(DateTimeOffset now) => Instant.FromDateTimeOffset(now).InZone(OpeningHours.Berlin).Date.ToDateOnly();
}

/// <summary>The contracts every write of an assignment publishes in its unit of work, with the assignment's full data after the change.</summary>
internal static class DeskAssignmentWrites
{
    public static void Stage(UnitOfWork uow, DeskAssignment before, IReadOnlyList<object> events)
    {
        var after = before.Fold(events);
        foreach (var e in events)
        {
            switch (e)
            {
                case DeskAssigned a:
                    uow.Publish(new Contract.DeskAssigned(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.PersonId, after.From,
                        after.Until, a.At));
                    break;
                case DeskAssignmentEnded x:
                    uow.Publish(new Contract.DeskAssignmentEnded(after.Id, after.SpaceId, after.SiteId, after.OrganisationId, after.PersonId,
                        after.From, after.Until, x.Reason, x.At));
                    break;
            }
        }
    }
}
