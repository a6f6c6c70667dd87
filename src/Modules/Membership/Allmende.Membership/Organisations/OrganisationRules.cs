using Allmende.Eventing.Api;

namespace Allmende.Membership.Organisations;

/// <summary>The refusals shared by several organisation decisions.</summary>
internal static class OrganisationRules
{
    public static DomainException Ended(Organisation organisation) =>
        new("organisation-ended", $"Organisation {organisation.Id} has ended; an ended organisation cannot change any more.");
}
