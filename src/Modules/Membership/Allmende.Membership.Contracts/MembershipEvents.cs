namespace Allmende.Membership.Contracts;

// What other modules may know of Membership. Published through the outbox in the same transaction
// as the events that caused them; names are stable (registered as "membership.*").

/// <summary>An organisation may book and be funded from now on.</summary>
public sealed record OrganisationActivated(Guid OrganisationId, string Name, string Kind, bool NonProfit, DateTimeOffset At);

/// <summary>Temporarily barred (e.g. unpaid fees): its future bookings need staff attention.</summary>
public sealed record OrganisationSuspended(Guid OrganisationId, string Reason, DateTimeOffset At);

/// <summary>Gone for good: its future bookings are cancelled.</summary>
public sealed record OrganisationEnded(Guid OrganisationId, string Reason, DateTimeOffset At);

// PersonVersion is the person stream's version of the causing event: messages may arrive in any
// order (retries, replays, parallel delivery), so a subscriber keeps the newest and drops older ones.

/// <summary>A person may act for an organisation from now on, as "representative" or "member".</summary>
public sealed record PersonActsForOrganisation(Guid PersonId, Guid OrganisationId, string Role, long PersonVersion);

/// <summary>A person no longer acts for an organisation.</summary>
public sealed record PersonStoppedActingForOrganisation(Guid PersonId, Guid OrganisationId, long PersonVersion);

/// <summary>A person's personal data was erased (crypto-shredded); keep figures, drop the person. Final.</summary>
public sealed record PersonForgotten(Guid PersonId, DateTimeOffset At, long PersonVersion);

/// <summary>
/// A person's (or, with OrganisationId, an organisation's) membership plan for a period:
/// "civil-society", "flexible-desk", "fixed-desk" or "cooperative-member".
/// </summary>
public sealed record MembershipPlanChanged(Guid PersonId, Guid? OrganisationId, string Plan, DateOnly ValidFrom, DateOnly? ValidUntil);

/// <summary>An organisation's name, kind or non-profit flag changed (published on every change of its details).</summary>
public sealed record OrganisationChanged(Guid OrganisationId, string Name, string Kind, bool NonProfit, DateTimeOffset At);

/// <summary>
/// An organisation subscribed cooperative shares (Genossenschaftsanteile), in all: a new subscription
/// replaces the former one. Subscribed amount = Shares × CentsPerShare (EUR cents).
/// </summary>
public sealed record CooperativeSharesSubscribed(Guid OrganisationId, int Shares, long CentsPerShare, DateTimeOffset At);

/// <summary>A payment on subscribed cooperative shares; PaidCents is the total paid after it, never above SubscribedCents.</summary>
public sealed record CooperativeSharePaymentRecorded(Guid OrganisationId, DateOnly PaidOn, long AmountCents, long PaidCents, long SubscribedCents);

/// <summary>A person takes turns being present at a site (the duty rota, "Kümmerposition").</summary>
public sealed record PersonJoinedDutyRota(Guid PersonId, Guid SiteId);

/// <summary>A person no longer takes turns being present at a site.</summary>
public sealed record PersonLeftDutyRota(Guid PersonId, Guid SiteId);

/// <summary>
/// A person's answer to the rural pilot's needs survey, in figures only (the needs they wrote stay sealed
/// in Membership): one-way commute in km, means of transport ("car", "car-pool", "bus", "train",
/// "motorbike", "bike", "foot", "other") and commuting days a week. A later answer replaces it.
/// </summary>
public sealed record CommuteSurveyAnswered(Guid PersonId, decimal OneWayKm, string Means, int CommutingDaysPerWeek, long PersonVersion);
