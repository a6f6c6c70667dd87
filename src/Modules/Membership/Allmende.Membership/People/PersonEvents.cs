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

/// <summary>What a trial user is, as the rural pilot records it.</summary>
internal enum TrialistKind
{
    [JsonStringEnumMemberName("self-employed")] SelfEmployed,
    Freelancer,
    Founder,
    Employee,
}

/// <summary>
/// A time-limited trial of the space, From to Until (both inclusive), on the person's own account or
/// through an organisation they act for. Free: it is not a plan and costs nothing.
/// </summary>
internal sealed record TrialStarted(Guid PersonId, Guid? OrganisationId, TrialistKind Kind, DateOnly From, DateOnly Until);

/// <summary>The trial that began on TrialFrom became a regular plan from PlanFrom; MembershipPlanAssigned follows in the same append.</summary>
internal sealed record TrialConverted(Guid PersonId, DateOnly TrialFrom, MembershipPlan Plan, DateOnly PlanFrom);

/// <summary>The trial that began on TrialFrom ended with LastDay (inclusive), without a plan.</summary>
internal sealed record TrialEnded(Guid PersonId, DateOnly TrialFrom, DateOnly LastDay);

/// <summary>How a person gets to work today, without the space (the rural pilot's needs survey).</summary>
internal enum CommuteMeans
{
    Car,
    [JsonStringEnumMemberName("car-pool")] CarPool,
    Bus,
    Train,
    Motorbike,
    Bike,
    Foot,
    Other,
}

/// <summary>
/// The person's answer to the needs survey; a later answer replaces it. The distance (one way, km), the
/// means and the commuting days are figures for the commuting report; Needs (free text, personal) is
/// only ever sealed with the person's key, null when they wrote nothing.
/// </summary>
internal sealed record NeedsSurveyAnswered(Guid PersonId, decimal OneWayKm, CommuteMeans Means, int CommutingDaysPerWeek, string? NeedsSealed);
