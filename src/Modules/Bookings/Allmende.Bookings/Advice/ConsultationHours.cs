using Allmende.Eventing.Streams;
using NodaTime;

namespace Allmende.Bookings.Advice;

// Appointments with a person (issue 17, item 1; ADR 19): an advisor (a cooperative's, a volunteer giving a
// workshop) offers consultation hours at a room; people book one slot of them. Stream
// "consultation-hours-<id>"; stored names "bookings.consultation-hours.<kebab>"; never rename one.

/// <summary>
/// Hours an advisor offers at a room (a whole space): on FirstDate only, or Weekly on its weekday until
/// LastDate, From–Until Europe/Berlin wall-clock time, cut into slots of SlotMinutes from From. The hours
/// hold nothing: each appointment books the room and the advisor for its slot (ADR 19).
/// </summary>
internal sealed record ConsultationHoursOffered(
    Guid HoursId, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string Title, string ActionField,
    bool Weekly, DateOnly FirstDate, DateOnly LastDate, TimeOnly From, TimeOnly Until, int SlotMinutes, DateTimeOffset At);

/// <summary>No more appointments are taken; those booked stay until cancelled one by one.</summary>
internal sealed record ConsultationHoursWithdrawn(Guid HoursId, string Reason, DateTimeOffset At);

internal static class ConsultationHoursEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(ConsultationHoursOffered), "bookings.consultation-hours.offered"),
        (typeof(ConsultationHoursWithdrawn), "bookings.consultation-hours.withdrawn"),
    ];
}

internal sealed record ConsultationHours(
    Guid Id, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string Title, string ActionField,
    bool Weekly, DateOnly FirstDate, DateOnly LastDate, TimeOnly From, TimeOnly Until, int SlotMinutes, bool Withdrawn) : IEventSourced<ConsultationHours>
{
    public static string StreamId(Guid id) => $"consultation-hours-{id:D}";

    public static ConsultationHours Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "", "", false, default, default,
        default, default, 0, false);

    public bool Exists => Id != Guid.Empty;

    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    public static ConsultationHours Evolve(ConsultationHours state, object @event) => @event switch
    {
        ConsultationHoursOffered e => new(e.HoursId, e.AdvisorId, e.OrganisationId, e.SiteId, e.SpaceId, e.Title, e.ActionField, e.Weekly, e.FirstDate,
            e.LastDate, e.From, e.Until, e.SlotMinutes, false),
        ConsultationHoursWithdrawn => state with { Withdrawn = true },
        _ => state,
    };

    /// <summary>Whether the hours are held on this Berlin date.</summary>
    public bool IsHeldOn(DateOnly date) =>
        date >= FirstDate && date <= LastDate && (Weekly ? (date.DayNumber - FirstDate.DayNumber) % 7 == 0 : date == FirstDate);

    /// <summary>
    /// The slots of the hours on the Berlin dates [from, to], as UTC instants [Start, End). A slot keeps its
    /// wall-clock time across DST (18:00 stays 18:00); a time in the spring gap moves forward like the
    /// module's series (NodaTime's lenient resolver).
    /// </summary>
    public IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Slots(DateOnly from, DateOnly to)
    {
        for (var date = from < FirstDate ? FirstDate : from; date <= to && date <= LastDate; date = date.AddDays(1))
        {
            if (!IsHeldOn(date))
                continue;
            for (var time = From; time.AddMinutes(SlotMinutes) <= Until && time.AddMinutes(SlotMinutes) > time; time = time.AddMinutes(SlotMinutes))
            {
                var start = At(date, time);
                yield return (start, start.AddMinutes(SlotMinutes));
            }
        }
    }

    /// <summary>Whether [start, start + SlotMinutes) is one of the hours' slots.</summary>
    public bool IsSlot(DateTimeOffset start)
    {
        var date = NodaTime.Instant.FromDateTimeOffset(start).InZone(Berlin).Date.ToDateOnly();
        return Slots(date, date).Any(s => s.Start == start);
    }

    private static DateTimeOffset At(DateOnly date, TimeOnly time) =>
        Berlin.AtLeniently(LocalDate.FromDateOnly(date).At(LocalTime.FromTimeOnly(time))).ToDateTimeOffset().ToUniversalTime();
}
