using Allmende.Membership.Organisations;
using Allmende.Membership.Privacy;

namespace Allmende.Membership.Applications;

// The application stream's events ("application-<id>"). Private to the module; stored as
// "membership.application.<past-tense>". The contact person's data only ever appears sealed, with a key
// of its own (membership.person_keys, keyed by the application id), so that it can be erased alone.

/// <summary>What the applicant agreed to, when, and which wording of the consent text they were shown.</summary>
internal sealed record Consent(DateTimeOffset GivenAt, string TextVersion);

/// <summary>
/// An organisation applied by itself (the public form). Written only with consent given: without it
/// nothing is stored at all. The key that seals <paramref name="ContactPerson"/> is written in the same transaction.
/// </summary>
internal sealed record MembershipApplicationSubmitted(Guid ApplicationId, OrganisationDetails Organisation, SealedPersonalData ContactPerson,
    Consent Consent);

/// <summary>Staff admitted the applicant: the organisation was created (and activated) in the same transaction.</summary>
internal sealed record MembershipApplicationApproved(Guid ApplicationId, Guid OrganisationId);

internal sealed record MembershipApplicationDeclined(Guid ApplicationId, string Reason);

/// <summary>The contact person's key was deleted with this event. Holds no personal data.</summary>
internal sealed record MembershipApplicationContactErased(Guid ApplicationId);
