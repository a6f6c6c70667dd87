using Allmende.Bookings.Contracts;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;

namespace Allmende.Funding.PeopleReached;

/// <summary>
/// Funding's record of who came to a date of an open offer (Bookings' OfferAttendanceCounted): an event of
/// its own stream "people-reached-&lt;booking&gt;-&lt;offer&gt;", so that a funder report as of a past instant
/// counts exactly what was known then (ADR 14, ADR 20). Stored name "funding.people-reached.counted".
/// </summary>
internal sealed record PeopleReachedCounted(Guid BookingId, Guid OfferId, Guid OrganisationId, string ActionField, int Attendees, DateTimeOffset Start,
    DateTimeOffset CountedAt, DateTimeOffset At);

internal sealed record PeopleReachedCount(DateTimeOffset CountedAt) : IEventSourced<PeopleReachedCount>
{
    public static string StreamId(Guid bookingId, Guid offerId) => $"people-reached-{bookingId:D}-{offerId:D}";

    public static PeopleReachedCount Initial { get; } = new(DateTimeOffset.MinValue);

    public static PeopleReachedCount Evolve(PeopleReachedCount state, object @event) =>
        @event is PeopleReachedCounted e && e.CountedAt > state.CountedAt ? new(e.CountedAt) : state;
}

/// <summary>
/// Copies each count once, in any order of delivery: a count older than the one recorded (its At) is
/// ignored, so a late redelivery never puts an outdated figure back. A concurrent delivery for the same
/// date fails its append and is retried against the new stream.
/// </summary>
[RetryPolicy(MaxAttempts = 12, InitialDelayMilliseconds = 200, MaxDelayMilliseconds = 30_000)]
internal sealed class PeopleReachedHandler(TimeProvider time)
{
    public async Task Handle(OfferAttendanceCounted message, MessageContext context, CancellationToken ct)
    {
        var streamId = PeopleReachedCount.StreamId(message.BookingId, message.OfferId);
        var current = await context.Work.LoadAsync<PeopleReachedCount>(streamId, ct);
        if (current is not null && current.State.CountedAt >= message.At)
            return;
        object[] events = [new PeopleReachedCounted(message.BookingId, message.OfferId, message.OrganisationId, message.ActionField, message.Attendees,
            message.Start, message.At, time.GetUtcNow())];
        if (current is null)
            context.Work.StartStream("people-reached", streamId, events);
        else
            context.Work.Append(streamId, current.Version, events);
    }
}
