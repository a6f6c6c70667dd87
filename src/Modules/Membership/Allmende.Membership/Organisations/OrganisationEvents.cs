using System.Text.Json.Serialization;

namespace Allmende.Membership.Organisations;

// The organisation stream's events ("organisation-<id>"). Private to the module; stored as
// "membership.organisation.<past-tense>". What other modules learn is published from Contracts.

internal enum OrganisationKind
{
    Initiative,
    Association,
    [JsonStringEnumMemberName("social-enterprise")] SocialEnterprise,
    Cooperative,
    Company,
    [JsonStringEnumMemberName("public-body")] PublicBody,
}

internal enum OrganisationStatus { Applied, Active, Suspended, Ended }

internal sealed record Address(string Street, string PostalCode, string City);

/// <summary>The organisation's role address (office email, phone): organisational, not personal data.</summary>
internal sealed record Contact(string? Email, string? Phone);

internal sealed record OrganisationDetails(string Name, OrganisationKind Kind, bool NonProfit, Address? Address, Contact? Contact);

/// <summary>Registered: the organisation has applied for membership.</summary>
internal sealed record OrganisationApplied(Guid OrganisationId, OrganisationDetails Details);

internal sealed record OrganisationDetailsChanged(Guid OrganisationId, OrganisationDetails Details);

/// <summary>Admitted: applied → active.</summary>
internal sealed record OrganisationActivated(Guid OrganisationId);

internal sealed record OrganisationSuspended(Guid OrganisationId, string Reason);

/// <summary>suspended → active again.</summary>
internal sealed record OrganisationReactivated(Guid OrganisationId);

/// <summary>Final: from any other status (ending an application rejects it).</summary>
internal sealed record OrganisationEnded(Guid OrganisationId, string Reason);

/// <summary>The cooperative shares it subscribed, in all (a new subscription replaces the old one).</summary>
internal sealed record CooperativeSharesSubscribed(Guid OrganisationId, int Shares, long CentsPerShare);

internal sealed record CooperativeSharePaymentRecorded(Guid OrganisationId, DateOnly PaidOn, long AmountCents);
