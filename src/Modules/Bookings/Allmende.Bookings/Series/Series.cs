using Allmende.Eventing.Streams;

namespace Allmende.Bookings.Series;

// The private events of a series' stream "series-<id>". Stored names "bookings.series.<kebab>"
// (SeriesEventNames); never rename one. Instants are UTC; At is when the decision was taken. Each
// occurrence that was booked is a booking of its own (stream "booking-<id>", BookingRequested.SeriesId);
// the series records what was asked and which occurrences were booked or skipped, and why.

/// <summary>An occurrence as requested: booked (BookingId) or skipped for the rule it failed (Rule).</summary>
internal sealed record SeriesOccurrence(DateTimeOffset Start, DateTimeOffset End, Guid? BookingId, string? Rule);

/// <summary>
/// A recurring series was booked: the first occurrence's data, the repetition (Frequency and Until or
/// Count), what to do with conflicts ("book-free" or "book-none") and every occurrence's outcome.
/// </summary>
internal sealed record SeriesRequested(
    Guid SeriesId,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Attendees,
    string Purpose,
    string ActionField,
    string Frequency,
    DateOnly? Until,
    int? Count,
    string Conflicts,
    IReadOnlyList<SeriesOccurrence> Occurrences,
    DateTimeOffset At);

/// <summary>The rest of the series from From on was cancelled: these occurrences' bookings (the ones still cancellable).</summary>
internal sealed record SeriesCancelledFrom(Guid SeriesId, DateTimeOffset From, string Reason, IReadOnlyList<Guid> CancelledBookingIds, DateTimeOffset At);

internal static class SeriesEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(SeriesRequested), "bookings.series.requested"),
        (typeof(SeriesCancelledFrom), "bookings.series.cancelled-from"),
    ];
}

/// <summary>What to do when some occurrences are not free.</summary>
internal static class ConflictHandling
{
    /// <summary>Book the occurrences that are free, skip the others.</summary>
    public const string BookFree = "book-free";

    /// <summary>Book nothing unless every occurrence is free.</summary>
    public const string BookNone = "book-none";

    public static IReadOnlyList<string> All { get; } = [BookFree, BookNone];
}

/// <summary>A series as its decisions and reads see it.</summary>
internal sealed record BookingSeries(
    Guid Id,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Attendees,
    string Purpose,
    string ActionField,
    Repeat Repeat,
    string Conflicts,
    IReadOnlyList<SeriesOccurrence> Occurrences,
    IReadOnlyList<SeriesCancelledFrom> Cancellations) : IEventSourced<BookingSeries>
{
    public static string StreamId(Guid id) => $"series-{id:D}";

    public static BookingSeries Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, null, default, default, 0, "", "",
        new Repeat("", null, null), "", [], []);

    public bool Exists => Id != Guid.Empty;

    /// <summary>The ids of the occurrences that were booked, by start.</summary>
    public IReadOnlyList<Guid> BookingIds => [.. Occurrences.Where(o => o.BookingId is not null).Select(o => o.BookingId!.Value)];

    public static BookingSeries Evolve(BookingSeries state, object @event) => @event switch
    {
        SeriesRequested e => new BookingSeries(e.SeriesId, e.SpaceId, e.SiteId, e.OrganisationId, e.PersonId, e.Start, e.End, e.Attendees, e.Purpose,
            e.ActionField, new Repeat(e.Frequency, e.Until, e.Count), e.Conflicts, e.Occurrences, []),
        SeriesCancelledFrom e => state with { Cancellations = [.. state.Cancellations, e] },
        _ => state,
    };
}
