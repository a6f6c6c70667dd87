using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Membership.Applications;
using Allmende.Membership.Organisations;
using Allmende.Membership.Organisations.Details;
using Allmende.Membership.Organisations.Lifecycle;
using Allmende.Membership.Organisations.Read;
using Allmende.Membership.Organisations.Register;
using Allmende.Membership.Organisations.Shares;
using Allmende.Membership.People;
using Allmende.Membership.People.Acting;
using Allmende.Membership.People.DutyRota;
using Allmende.Membership.People.Forget;
using Allmende.Membership.People.PersonalDataChange;
using Allmende.Membership.People.Plans;
using Allmende.Membership.People.Read;
using Allmende.Membership.People.Register;
using Allmende.Membership.People.Survey;
using Allmende.Membership.People.Trials;
using Allmende.Membership.Organisations.Employees;
using Allmende.Membership.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Membership;

/// <summary>
/// The Membership module: organisations (kind, lifecycle, cooperative shares) and people (acting for
/// organisations, membership plans, duty rota), with personal data crypto-shredded on request.
/// </summary>
public static class MembershipModule
{
    public static IServiceCollection AddMembership(this IServiceCollection services)
    {
        services.Configure<EventingOptions>(o =>
        {
            RegisterTypes(o.Types);
            o.AddMigrations(MembershipSchema.Migrations);
            o.AddProjection<OrganisationsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<PeopleProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<ApplicationsProjection>(ProjectionLifecycle.Inline);
        });
        services.AddApplicationRateLimit();
        services.AddValidatorsFrom(typeof(MembershipModule).Assembly);
        services.AddSingleton<PersonKeys>();
        return services;
    }

    /// <summary>
    /// A person's name and e-mail address in plain text, opened with their key at the moment of asking
    /// (for mail, resolved at send time: ADR 18); null once the person is forgotten or unknown. The
    /// caller keeps the values in memory only: never in a message, a table or a log line.
    /// </summary>
    public static async Task<(string Name, string Email)?> PersonAddressAsync(ProjectionContext db, Guid personId, CancellationToken ct)
    {
        await using var command = db.Command("""
            select p.name_sealed, p.email_sealed, k.key from membership.people p
            join membership.person_keys k on k.person_id = p.id
            where p.id = $1 and p.name_sealed is not null and p.email_sealed is not null
            """, personId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var key = reader.GetFieldValue<byte[]>(2);
        var data = PersonalDataCipher.Reveal(key, personId, new SealedPersonalData(reader.GetString(0), reader.GetString(1), null));
        return data is { Erased: false, Email: { } email } ? (data.Name, email) : null;
    }

    public static IEndpointRouteBuilder MapMembership(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api").WithTags("Membership");
        OrganisationReads.Map(api);
        RegisterOrganisation.Map(api);
        ChangeOrganisationDetails.Map(api);
        OrganisationLifecycle.Map(api);
        CooperativeShares.Map(api);
        PeopleReads.Map(api);
        RegisterPerson.Map(api);
        ChangePersonalData.Map(api);
        Acting.Map(api);
        AssignPlan.Map(api);
        DutyRota.Map(api);
        ForgetPerson.Map(api);
        Trials.Map(api);
        NeedsSurvey.Map(api);
        EmployeePlans.Map(api);
        ApplyForMembership.Map(api);
        ReviewApplications.Map(api);
        return endpoints;
    }

    /// <summary>Stable names: never rename one that is in use. Stream events "membership.&lt;stream&gt;.&lt;past-tense&gt;", contracts "membership.&lt;name&gt;".</summary>
    private static void RegisterTypes(TypeRegistry types)
    {
        types.Register<OrganisationApplied>("membership.organisation.applied")
            .Register<OrganisationDetailsChanged>("membership.organisation.details-changed")
            .Register<OrganisationActivated>("membership.organisation.activated")
            .Register<OrganisationSuspended>("membership.organisation.suspended")
            .Register<OrganisationReactivated>("membership.organisation.reactivated")
            .Register<OrganisationEnded>("membership.organisation.ended")
            .Register<CooperativeSharesSubscribed>("membership.organisation.shares-subscribed")
            .Register<CooperativeSharePaymentRecorded>("membership.organisation.share-payment-recorded")
            .Register<PersonRegistered>("membership.person.registered")
            .Register<PersonalDataChanged>("membership.person.personal-data-changed")
            .Register<PersonStartedActing>("membership.person.started-acting")
            .Register<PersonStoppedActing>("membership.person.stopped-acting")
            .Register<MembershipPlanAssigned>("membership.person.plan-assigned")
            .Register<MembershipPlanEnded>("membership.person.plan-ended")
            .Register<DutyRotaJoined>("membership.person.duty-rota-joined")
            .Register<DutyRotaLeft>("membership.person.duty-rota-left")
            .Register<PersonForgotten>("membership.person.forgotten")
            .Register<TrialStarted>("membership.person.trial-started")
            .Register<TrialConverted>("membership.person.trial-converted")
            .Register<TrialEnded>("membership.person.trial-ended")
            .Register<NeedsSurveyAnswered>("membership.person.needs-survey-answered")
            .Register<MembershipApplicationSubmitted>("membership.application.submitted")
            .Register<MembershipApplicationApproved>("membership.application.approved")
            .Register<MembershipApplicationDeclined>("membership.application.declined")
            .Register<MembershipApplicationContactErased>("membership.application.contact-erased");

        types.Register<Contracts.OrganisationActivated>("membership.organisation-activated")
            .Register<Contracts.OrganisationSuspended>("membership.organisation-suspended")
            .Register<Contracts.OrganisationEnded>("membership.organisation-ended")
            .Register<Contracts.OrganisationChanged>("membership.organisation-changed")
            .Register<Contracts.CooperativeSharesSubscribed>("membership.cooperative-shares-subscribed")
            .Register<Contracts.CooperativeSharePaymentRecorded>("membership.cooperative-share-payment-recorded")
            .Register<Contracts.PersonActsForOrganisation>("membership.person-acts-for-organisation")
            .Register<Contracts.PersonStoppedActingForOrganisation>("membership.person-stopped-acting-for-organisation")
            .Register<Contracts.PersonForgotten>("membership.person-forgotten")
            .Register<Contracts.MembershipPlanChanged>("membership.membership-plan-changed")
            .Register<Contracts.PersonJoinedDutyRota>("membership.person-joined-duty-rota")
            .Register<Contracts.PersonLeftDutyRota>("membership.person-left-duty-rota")
            .Register<Contracts.CommuteSurveyAnswered>("membership.commute-survey-answered");
    }
}
