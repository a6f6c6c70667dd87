using System.Collections.Immutable;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;

namespace Allmende.Bookings.Advice;

// A newcomer admitted for advice (stream "newcomer-<id>") and an appointment (stream "appointment-<id>").
// Stored names "bookings.newcomer.<kebab>" and "bookings.appointment.<kebab>"; never rename one.

/// <summary>
/// Staff or the advisor's organisation admitted someone who is no member (a newcomer to the city) for
/// appointments: a name and an e-mail or a phone number, sealed under the newcomer's own key
/// (bookings.newcomer_keys, outside the log, ADR 8), with the version of the consent text they agreed to.
/// Language: of the mails ("de", "en"), null for the installation's.
/// </summary>
internal sealed record NewcomerAdmitted(
    Guid NewcomerId, Guid OrganisationId, string SealedName, string? SealedEmail, string? SealedPhone, string ConsentVersion, string? Language,
    DateTimeOffset At);

/// <summary>The newcomer's personal data is forgotten: the key was deleted in the same transaction.</summary>
internal sealed record NewcomerErased(Guid NewcomerId, DateTimeOffset At);

/// <summary>
/// One slot of consultation hours booked for a client: a member (ClientKind "member", ClientId their person)
/// or a newcomer ("newcomer", the newcomer's id). BookingId: the ordinary booking of the room, made in the
/// same unit of work, whose slot row also holds the advisor.
/// </summary>
internal sealed record AppointmentBooked(
    Guid AppointmentId, Guid HoursId, Guid BookingId, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string ClientKind, Guid ClientId,
    DateTimeOffset Start, DateTimeOffset End, DateTimeOffset At);

/// <summary>Cancelled by the client or by the advisor's side (By: "client" or "advisor"); its booking was cancelled with it.</summary>
internal sealed record AppointmentCancelled(Guid AppointmentId, string By, string Reason, DateTimeOffset At);

/// <summary>What came of an appointment, of a kind (<see cref="OutcomeKinds"/>), Count times (e.g. two follow-ups agreed).</summary>
internal sealed record AppointmentOutcome(string Kind, int Count);

/// <summary>
/// The advisor recorded whether the appointment took place and, with the client's consent, what came of it.
/// A later record replaces the earlier one.
/// </summary>
internal sealed record AppointmentOutcomeRecorded(Guid AppointmentId, bool Held, bool Consent, IReadOnlyList<AppointmentOutcome> Outcomes, DateTimeOffset At);

internal static class AdviceEventNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        .. ConsultationHoursEventNames.All,
        (typeof(NewcomerAdmitted), "bookings.newcomer.admitted"),
        (typeof(NewcomerErased), "bookings.newcomer.erased"),
        (typeof(AppointmentBooked), "bookings.appointment.booked"),
        (typeof(AppointmentCancelled), "bookings.appointment.cancelled"),
        (typeof(AppointmentOutcomeRecorded), "bookings.appointment.outcome-recorded"),
    ];
}

/// <summary>Stable codes of what can come of an appointment; funders read them per kind.</summary>
internal static class OutcomeKinds
{
    public static IReadOnlyList<string> All { get; } =
        ["follow-up-agreed", "business-plan-drafted", "business-registered", "funding-applied", "referred-elsewhere", "other"];
}

internal static class ClientKinds
{
    public const string Member = "member";
    public const string Newcomer = "newcomer";
}

internal sealed record Newcomer(Guid Id, Guid OrganisationId, bool Erased) : IEventSourced<Newcomer>
{
    public static string StreamId(Guid id) => $"newcomer-{id:D}";

    public static Newcomer Initial { get; } = new(Guid.Empty, Guid.Empty, false);

    public static Newcomer Evolve(Newcomer state, object @event) => @event switch
    {
        NewcomerAdmitted e => new(e.NewcomerId, e.OrganisationId, false),
        NewcomerErased => state with { Erased = true },
        _ => state,
    };
}

internal sealed record Appointment(
    Guid Id, Guid HoursId, Guid BookingId, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string ClientKind, Guid ClientId,
    DateTimeOffset Start, DateTimeOffset End, bool Cancelled, bool? Held, bool Consent, ImmutableArray<AppointmentOutcome> Outcomes) : IEventSourced<Appointment>
{
    public static string StreamId(Guid id) => $"appointment-{id:D}";

    public static Appointment Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, Guid.Empty, "", Guid.Empty,
        default, default, false, null, false, []);

    public bool Exists => Id != Guid.Empty;

    public static Appointment Evolve(Appointment state, object @event) => @event switch
    {
        AppointmentBooked e => Initial with
        {
            Id = e.AppointmentId, HoursId = e.HoursId, BookingId = e.BookingId, AdvisorId = e.AdvisorId, OrganisationId = e.OrganisationId,
            SiteId = e.SiteId, SpaceId = e.SpaceId, ClientKind = e.ClientKind, ClientId = e.ClientId, Start = e.Start, End = e.End,
        },
        AppointmentCancelled => state with { Cancelled = true },
        AppointmentOutcomeRecorded e => state with { Held = e.Held, Consent = e.Consent, Outcomes = [.. e.Outcomes] },
        _ => state,
    };
}

/// <summary>
/// Pure decisions on consultation hours and appointments. Rules (409): hours-withdrawn, appointment-cancelled,
/// appointment-not-cancellable (cancelled already, or over), appointment-not-begun (an outcome before the start),
/// newcomer-erased. A start off the hours' slots is bad input (400 naming start).
/// </summary>
internal static class AdviceDecisions
{
    public const string HoursWithdrawn = "hours-withdrawn";
    public const string AppointmentIsCancelled = "appointment-cancelled";
    public const string NotCancellable = "appointment-not-cancellable";
    public const string NotBegun = "appointment-not-begun";
    public const string NewcomerIsErased = "newcomer-erased";

    public static IReadOnlyList<object> Withdraw(ConsultationHours hours, string reason, DateTimeOffset now) =>
        hours.Withdrawn ? [] : [new ConsultationHoursWithdrawn(hours.Id, reason, now)];

    public static IReadOnlyList<object> Book(ConsultationHours hours, Guid appointmentId, Guid bookingId, string clientKind, Guid clientId,
        DateTimeOffset start, DateTimeOffset now)
    {
        if (hours.Withdrawn)
            throw new DomainException(HoursWithdrawn, "These consultation hours were withdrawn: they take no more appointments.");
        if (!hours.IsSlot(start))
            throw new BadInputException("start", $"start must be the start of one of the hours' {hours.SlotMinutes}-minute slots (see their slots).");
        return [new AppointmentBooked(appointmentId, hours.Id, bookingId, hours.AdvisorId, hours.OrganisationId, hours.SiteId, hours.SpaceId, clientKind,
            clientId, start, start.AddMinutes(hours.SlotMinutes), now)];
    }

    public static IReadOnlyList<object> Cancel(Appointment appointment, string by, string reason, DateTimeOffset now)
    {
        if (appointment.Cancelled || now >= appointment.End)
            throw new DomainException(NotCancellable, appointment.Cancelled ? "The appointment was cancelled already." : "The appointment is over.");
        return [new AppointmentCancelled(appointment.Id, by, reason, now)];
    }

    /// <summary>Outcomes only for a held appointment and with consent (the validator says so as bad input); the same record twice is nothing new.</summary>
    public static IReadOnlyList<object> RecordOutcome(Appointment appointment, bool held, bool consent, IReadOnlyList<AppointmentOutcome> outcomes,
        DateTimeOffset now)
    {
        if (appointment.Cancelled)
            throw new DomainException(AppointmentIsCancelled, "The appointment was cancelled: nothing came of it.");
        if (now < appointment.Start)
            throw new DomainException(NotBegun, "What came of an appointment is recorded from its start on.");
        return appointment.Held == held && appointment.Consent == consent && appointment.Outcomes.SequenceEqual(outcomes)
            ? []
            : [new AppointmentOutcomeRecorded(appointment.Id, held, consent, outcomes, now)];
    }

    public static IReadOnlyList<object> Erase(Newcomer newcomer, DateTimeOffset now) =>
        newcomer.Erased
            ? throw new DomainException(NewcomerIsErased, "The newcomer's personal data was forgotten already.")
            : [new NewcomerErased(newcomer.Id, now)];
}
