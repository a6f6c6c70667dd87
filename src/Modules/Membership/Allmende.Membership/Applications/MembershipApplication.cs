using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations;
using Allmende.Membership.Organisations.Lifecycle;
using Allmende.Membership.Organisations.Register;

namespace Allmende.Membership.Applications;

internal enum ApplicationStatus { Pending, Approved, Declined }

/// <summary>An organisation's own application for membership, as its decisions see it.</summary>
internal sealed record MembershipApplication(Guid Id, OrganisationDetails Organisation, ApplicationStatus Status, bool ContactErased)
    : IEventSourced<MembershipApplication>
{
    public static string StreamId(Guid id) => $"application-{id:D}";

    public static MembershipApplication Initial { get; } =
        new(Guid.Empty, Organisations.Organisation.Initial.Details, ApplicationStatus.Pending, false);

    public static MembershipApplication Evolve(MembershipApplication state, object @event) => @event switch
    {
        MembershipApplicationSubmitted e => state with { Id = e.ApplicationId, Organisation = e.Organisation, Status = ApplicationStatus.Pending },
        MembershipApplicationApproved => state with { Status = ApplicationStatus.Approved },
        MembershipApplicationDeclined => state with { Status = ApplicationStatus.Declined },
        MembershipApplicationContactErased => state with { ContactErased = true },
        _ => state,
    };
}

/// <summary>The pure decisions on an application.</summary>
internal static class ApplicationDecisions
{
    public static IReadOnlyList<object> Submit(Guid applicationId, OrganisationDetails organisation, Privacy.SealedPersonalData contactPerson,
        Consent consent) => [new MembershipApplicationSubmitted(applicationId, organisation, contactPerson, consent)];

    /// <summary>
    /// Approving admits the organisation exactly as staff would by hand: the organisation stream is
    /// started by <see cref="RegisterOrganisation.Decide"/> and admitted by <see cref="OrganisationLifecycle.Activate"/>,
    /// so every rule of those two stays in one place.
    /// </summary>
    public static (IReadOnlyList<object> Application, IReadOnlyList<object> Organisation) Approve(MembershipApplication application, Guid organisationId)
    {
        StillPending(application);
        var registered = RegisterOrganisation.Decide(organisationId, application.Organisation);
        var applied = registered.Aggregate(Organisations.Organisation.Initial, Organisations.Organisation.Evolve);
        return ([new MembershipApplicationApproved(application.Id, organisationId)], [.. registered, .. OrganisationLifecycle.Activate(applied)]);
    }

    public static IReadOnlyList<object> Decline(MembershipApplication application, string reason)
    {
        StillPending(application);
        return [new MembershipApplicationDeclined(application.Id, reason)];
    }

    public static IReadOnlyList<object> EraseContact(MembershipApplication application) =>
        application.ContactErased
            ? throw new DomainException("application-contact-already-erased", $"The contact person of application {application.Id} was already erased.")
            : [new MembershipApplicationContactErased(application.Id)];

    private static void StillPending(MembershipApplication application)
    {
        if (application.Status != ApplicationStatus.Pending)
            throw new DomainException("application-already-decided",
                $"Application {application.Id} was already {Names.Of(application.Status)}; a decision is made once.");
    }
}
