using System.Text.Json.Serialization;
using Allmende.Membership.Privacy;

namespace Allmende.Membership.People;

// The person stream's events ("person-<id>"). Private to the module; stored as
// "membership.person.<past-tense>". Personal data only ever appears sealed (SealedPersonalData).

internal enum ActingRole { Representative, Member }

internal enum MembershipPlan
{
    [JsonStringEnumMemberName("civil-society")] CivilSociety,
    [JsonStringEnumMemberName("flexible-desk")] FlexibleDesk,
    [JsonStringEnumMemberName("fixed-desk")] FixedDesk,
    [JsonStringEnumMemberName("cooperative-member")] CooperativeMember,
}

/// <summary>The person's key is written in the same transaction (membership.person_keys).</summary>
internal sealed record PersonRegistered(Guid PersonId, SealedPersonalData PersonalData);

internal sealed record PersonalDataChanged(Guid PersonId, SealedPersonalData PersonalData);

internal sealed record PersonStartedActing(Guid PersonId, Guid OrganisationId, ActingRole Role);

internal sealed record PersonStoppedActing(Guid PersonId, Guid OrganisationId);

/// <summary>A plan for a period: ValidUntil is the last day it is valid (inclusive), open-ended when null.</summary>
internal sealed record MembershipPlanAssigned(Guid PersonId, Guid? OrganisationId, MembershipPlan Plan, DateOnly ValidFrom, DateOnly? ValidUntil);

/// <summary>An open-ended plan ends on ValidUntil (inclusive), because a new plan follows it.</summary>
internal sealed record MembershipPlanEnded(Guid PersonId, Guid? OrganisationId, MembershipPlan Plan, DateOnly ValidFrom, DateOnly ValidUntil);

/// <summary>Opted in to the duty rota of a site ("Kümmerposition"): takes turns being present.</summary>
internal sealed record DutyRotaJoined(Guid PersonId, Guid SiteId);

internal sealed record DutyRotaLeft(Guid PersonId, Guid SiteId);

/// <summary>The person's key was deleted with this event: their sealed data is gone for good. Holds no personal data.</summary>
internal sealed record PersonForgotten(Guid PersonId);
