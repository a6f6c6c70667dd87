using Allmende.Bookings.Contracts;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;

namespace Allmende.Funding.Advice;

/// <summary>One kind of outcome of an appointment and how many (Bookings' codes, ADR 19).</summary>
internal sealed record AdviceOutcome(string Kind, int Count);

/// <summary>
/// Funding's record of an appointment with an advisor (Bookings' AppointmentOutcomeRecorded): whether it was held and
/// what came of it, for the appointment's room booking BookingId. ClientId is a pseudonym: the report counts people
/// advised, never names them. An event of its own stream "advice-&lt;appointment&gt;", so that a report as of a past
/// instant counts what was known then (ADR 14). Stored name "funding.advice.recorded".
/// </summary>
internal sealed record AdviceRecorded(Guid AppointmentId, Guid BookingId, Guid OrganisationId, Guid ClientId, bool Held, IReadOnlyList<AdviceOutcome> Outcomes,
    DateTimeOffset Start, DateTimeOffset RecordedAt, DateTimeOffset At);

internal sealed record AdviceRecord(DateTimeOffset RecordedAt) : IEventSourced<AdviceRecord>
{
    public static string StreamId(Guid appointmentId) => $"advice-{appointmentId:D}";

    public static AdviceRecord Initial { get; } = new(DateTimeOffset.MinValue);

    public static AdviceRecord Evolve(AdviceRecord state, object @event) =>
        @event is AdviceRecorded e && e.RecordedAt > state.RecordedAt ? new(e.RecordedAt) : state;
}

/// <summary>
/// Copies each record once, in any order of delivery: one older than the one kept (its At) is ignored, so a late
/// redelivery never puts an outdated record back. A concurrent delivery for the same appointment fails its append
/// and is retried against the new stream.
/// </summary>
[RetryPolicy(MaxAttempts = 12, InitialDelayMilliseconds = 200, MaxDelayMilliseconds = 30_000)]
internal sealed class AdviceHandler(TimeProvider time)
{
    public async Task Handle(AppointmentOutcomeRecorded message, MessageContext context, CancellationToken ct)
    {
        var streamId = AdviceRecord.StreamId(message.AppointmentId);
        var current = await context.Work.LoadAsync<AdviceRecord>(streamId, ct);
        if (current is not null && current.State.RecordedAt >= message.At)
            return;
        object[] events = [new AdviceRecorded(message.AppointmentId, message.BookingId, message.OrganisationId, message.ClientId, message.Held,
            [.. message.Outcomes.Select(o => new AdviceOutcome(o.Kind, o.Count))], message.Start, message.At, time.GetUtcNow())];
        if (current is null)
            context.Work.StartStream("advice", streamId, events);
        else
            context.Work.Append(streamId, current.Version, events);
    }
}

/// <summary>The outcome codes as the German report names them.</summary>
internal static class OutcomeLabels
{
    public static string GermanOf(string kind) => kind switch
    {
        "follow-up-agreed" => "Folgetermin vereinbart",
        "business-plan-drafted" => "Geschäftsplan entworfen",
        "business-registered" => "Gewerbe angemeldet",
        "funding-applied" => "Förderung beantragt",
        "referred-elsewhere" => "Weitervermittelt",
        "other" => "Sonstiges",
        _ => kind,
    };
}
