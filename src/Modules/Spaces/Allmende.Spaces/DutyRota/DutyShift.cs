using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;

namespace Allmende.Spaces.DutyRota;

// The duty rota ("Kümmerdienst"): members take turns being present at a site. A shift is its own
// stream ("duty-shift-<id>"), planned by staff, taken by one person, released or cancelled. Who is on
// duty is a person id only: names stay with Membership (ADR 8).

internal interface IDutyShiftEvent
{
    Guid ShiftId { get; }
}

internal sealed record DutyShiftPlanned(Guid ShiftId, Guid SiteId, DateTimeOffset Start, DateTimeOffset End, string? Note) : IDutyShiftEvent;

internal sealed record DutyShiftTaken(Guid ShiftId, Guid PersonId) : IDutyShiftEvent;

internal sealed record DutyShiftReleased(Guid ShiftId, Guid PersonId) : IDutyShiftEvent;

internal sealed record DutyShiftCancelled(Guid ShiftId, string Reason) : IDutyShiftEvent;

internal static class DutyShiftEventNames
{
    public static readonly IReadOnlyList<(Type Type, string Name)> All =
    [
        (typeof(DutyShiftPlanned), "spaces.duty-shift.planned"),
        (typeof(DutyShiftTaken), "spaces.duty-shift.taken"),
        (typeof(DutyShiftReleased), "spaces.duty-shift.released"),
        (typeof(DutyShiftCancelled), "spaces.duty-shift.cancelled"),
    ];
}

/// <summary>A shift as its decisions see it.</summary>
internal sealed record DutyShift(Guid Id, Guid SiteId, DateTimeOffset Start, DateTimeOffset End, string? Note, Guid? PersonId, string? CancelledBecause)
    : IEventSourced<DutyShift>
{
    public static string StreamId(Guid id) => $"duty-shift-{id:D}";

    public static DutyShift Initial { get; } = new(Guid.Empty, Guid.Empty, default, default, null, null, null);

    public bool IsCancelled => CancelledBecause is not null;

    public static DutyShift Evolve(DutyShift state, object @event) => @event switch
    {
        DutyShiftPlanned e => state with { Id = e.ShiftId, SiteId = e.SiteId, Start = e.Start, End = e.End, Note = e.Note },
        DutyShiftTaken e => state with { PersonId = e.PersonId },
        DutyShiftReleased => state with { PersonId = null },
        DutyShiftCancelled e => state with { PersonId = null, CancelledBecause = e.Reason },
        _ => state,
    };
}

/// <summary>The rota's rules, pure: what may happen to a shift at a given instant.</summary>
internal static class DutyDecisions
{
    /// <summary>A shift is presence for part of a day or an evening, not a week: longer ones are a typo.</summary>
    public static readonly TimeSpan LongestShift = TimeSpan.FromHours(12);

    public static IReadOnlyList<object> Plan(Guid shiftId, Guid siteId, DateTimeOffset start, DateTimeOffset end, string? note, DateTimeOffset now)
    {
        if (end <= start)
            throw new ArgumentException("A shift ends after it starts.", nameof(end));
        if (end - start > LongestShift)
            throw new DomainException("shift-too-long", $"A duty shift lasts at most {LongestShift.TotalHours:0} hours; plan two shifts instead.");
        if (end <= now)
            throw new DomainException("shift-over", "The shift would be over already: the rota plans ahead.");
        return [new DutyShiftPlanned(shiftId, siteId, start.ToUniversalTime(), end.ToUniversalTime(), note)];
    }

    /// <summary>Taking a shift one already holds changes nothing; someone else's is taken.</summary>
    public static IReadOnlyList<object> Take(DutyShift shift, Guid personId, DateTimeOffset now)
    {
        Open(shift, now);
        if (shift.PersonId == personId)
            return [];
        if (shift.PersonId is not null)
            throw new DomainException("shift-taken", "Someone else has taken this shift already.");
        return [new DutyShiftTaken(shift.Id, personId)];
    }

    public static IReadOnlyList<object> Release(DutyShift shift, DateTimeOffset now)
    {
        Open(shift, now);
        return shift.PersonId is { } person ? [new DutyShiftReleased(shift.Id, person)] : [];
    }

    public static IReadOnlyList<object> Cancel(DutyShift shift, string reason, DateTimeOffset now)
    {
        if (shift.IsCancelled)
            return [];
        if (shift.End <= now)
            throw new DomainException("shift-over", "The shift is over: what happened stays in the rota.");
        return [new DutyShiftCancelled(shift.Id, reason)];
    }

    private static void Open(DutyShift shift, DateTimeOffset now)
    {
        if (shift.IsCancelled)
            throw new DomainException("shift-cancelled", $"The shift is cancelled: {shift.CancelledBecause}");
        if (shift.End <= now)
            throw new DomainException("shift-over", "The shift is over: what happened stays in the rota.");
    }
}
