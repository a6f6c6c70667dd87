namespace Allmende.Bookings.Contracts;

// Appointments with a person (issue 17, item 1; ADR 19). Ids only: the client's name and address are
// opened where a mail is sent, never carried. ClientId is a pseudonym (a member's person id or a
// newcomer's id) that lets Funding count people, never name them.

/// <summary>An appointment was booked: BookingId is its room's booking (which also holds the advisor).</summary>
public sealed record AppointmentBooked(
    Guid AppointmentId, Guid BookingId, Guid HoursId, Guid OrganisationId, Guid SiteId, Guid SpaceId, DateTimeOffset Start, DateTimeOffset End,
    DateTimeOffset At);

/// <summary>An appointment was cancelled, By "client" or "advisor" (the advisor's side: the advisor, their organisation or staff).</summary>
public sealed record AppointmentCancelled(
    Guid AppointmentId, Guid BookingId, Guid HoursId, Guid OrganisationId, Guid SiteId, Guid SpaceId, DateTimeOffset Start, DateTimeOffset End,
    string By, string Reason, DateTimeOffset At);

/// <summary>
/// Scheduled at booking for the configured time before Start (Bookings:AppointmentReminderBefore): remind the
/// client. Stale, and dropped, once the appointment was cancelled (its Start no longer holds).
/// </summary>
public sealed record AppointmentReminderDue(Guid AppointmentId, DateTimeOffset Start);

/// <summary>One kind of outcome (follow-up-agreed, business-plan-drafted, business-registered, funding-applied, referred-elsewhere, other) and how many.</summary>
public sealed record AppointmentOutcomeCount(string Kind, int Count);

/// <summary>
/// The advisor recorded whether the appointment (its room booking BookingId, started at Start) was held and,
/// with the client's consent, what came of it. A later record replaces the earlier one (At orders them).
/// </summary>
public sealed record AppointmentOutcomeRecorded(
    Guid AppointmentId, Guid BookingId, Guid OrganisationId, Guid ClientId, bool Held, IReadOnlyList<AppointmentOutcomeCount> Outcomes,
    DateTimeOffset Start, DateTimeOffset At);
