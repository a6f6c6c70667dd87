using Allmende.Eventing.Api;
using Allmende.Membership.Organisations;
using Allmende.Membership.Organisations.Employees;
using Allmende.Membership.People;
using Allmende.Membership.People.Survey;
using Allmende.Membership.People.Trials;
using Allmende.Membership.Privacy;

namespace Allmende.Tests.Pilot;

/// <summary>The rural pilot's decisions on a person: trials, the survey, a company paying an employee's plan. Given events / when / then.</summary>
public sealed class TrialDecisionTests
{
    private static readonly Guid Lena = Guid.Parse("0190f000-0000-7000-8000-0000000b0101");
    private static readonly Guid Hofladen = Guid.Parse("0190f000-0000-7000-8000-0000000c0101");

    private static readonly object Registered = new PersonRegistered(Lena, new SealedPersonalData("c2VhbGVk", "c2VhbGVk", null));

    private static Person Given(params object[] events) => events.Aggregate(Person.Initial, Person.Evolve);

    private static string RuleOf(Action decision) => Should.Throw<DomainException>(decision).Rule;

    private static DateOnly D(string day) => DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture);

    private static TrialPeriod Trial(string from, string until, Guid? organisation = null, TrialistKind kind = TrialistKind.Freelancer) =>
        new(organisation, kind, D(from), D(until), TrialOutcome.Running);

    private static readonly object Started = new TrialStarted(Lena, null, TrialistKind.Freelancer, D("2027-03-01"), D("2027-05-31"));

    [Fact]
    public void A_trial_of_up_to_92_days_starts_and_records_what_the_trial_user_is() =>
        Trials.Start(Given(Registered), Trial("2027-03-01", "2027-05-31")).ShouldBe([Started]);

    [Fact]
    public void A_trial_longer_than_92_days_is_refused() =>
        RuleOf(() => Trials.Start(Given(Registered), Trial("2027-03-01", "2027-06-01"))).ShouldBe("trial-too-long");

    [Fact]
    public void Trials_never_overlap_each_other_nor_a_plan_on_the_same_account()
    {
        RuleOf(() => Trials.Start(Given(Registered, Started), Trial("2027-05-31", "2027-06-30"))).ShouldBe("trial-periods-overlap");
        var withPlan = Given(Registered, new MembershipPlanAssigned(Lena, null, MembershipPlan.FlexibleDesk, D("2027-01-01"), null));
        RuleOf(() => Trials.Start(withPlan, Trial("2027-03-01", "2027-03-31"))).ShouldBe("plan-periods-overlap");
    }

    [Fact]
    public void A_trial_through_an_organisation_needs_the_person_to_act_for_it() =>
        RuleOf(() => Trials.Start(Given(Registered), Trial("2027-03-01", "2027-03-31", Hofladen, TrialistKind.Employee))).ShouldBe("not-acting-for-organisation");

    [Fact]
    public void Converting_a_trial_ends_it_the_day_before_the_plan_that_follows_it()
    {
        var events = Trials.Convert(Given(Registered, Started), MembershipPlan.FlexibleDesk, D("2027-04-15"), null);

        events.ShouldBe([
            new TrialConverted(Lena, D("2027-03-01"), MembershipPlan.FlexibleDesk, D("2027-04-15")),
            new MembershipPlanAssigned(Lena, null, MembershipPlan.FlexibleDesk, D("2027-04-15"), null),
        ]);
        Given([Registered, Started, .. events]).Trials.ShouldBe([new TrialPeriod(null, TrialistKind.Freelancer, D("2027-03-01"), D("2027-04-14"), TrialOutcome.Converted)]);
    }

    [Fact]
    public void A_plan_converting_a_trial_starts_after_its_first_day_and_at_the_latest_the_day_after_its_last()
    {
        Trials.Convert(Given(Registered, Started), MembershipPlan.CivilSociety, D("2027-06-01"), D("2027-12-31")).Count.ShouldBe(2);
        RuleOf(() => Trials.Convert(Given(Registered, Started), MembershipPlan.CivilSociety, D("2027-06-02"), null)).ShouldBe("conversion-outside-trial");
        RuleOf(() => Trials.Convert(Given(Registered, Started), MembershipPlan.CivilSociety, D("2027-03-01"), null)).ShouldBe("conversion-outside-trial");
    }

    [Fact]
    public void An_ended_trial_cannot_be_converted_nor_a_converted_one_ended()
    {
        var ended = Trials.End(Given(Registered, Started), D("2027-03-20"));
        ended.ShouldBe([new TrialEnded(Lena, D("2027-03-01"), D("2027-03-20"))]);

        RuleOf(() => Trials.Convert(Given([Registered, Started, .. ended]), MembershipPlan.FlexibleDesk, D("2027-03-21"), null)).ShouldBe("trial-ended");
        var converted = Trials.Convert(Given(Registered, Started), MembershipPlan.FlexibleDesk, D("2027-04-01"), null);
        RuleOf(() => Trials.End(Given([Registered, Started, .. converted]), D("2027-04-02"))).ShouldBe("trial-converted");
        RuleOf(() => Trials.End(Given(Registered), D("2027-04-02"))).ShouldBe("no-trial");
    }

    [Fact]
    public void A_trial_ends_only_on_one_of_its_days() =>
        RuleOf(() => Trials.End(Given(Registered, Started), D("2027-06-01"))).ShouldBe("end-outside-trial");

    [Fact]
    public void Members_and_trial_users_answer_the_survey_and_nobody_else()
    {
        NeedsSurvey.Answer(Given(Registered, Started), 23.5m, CommuteMeans.Car, 4, "c2VhbGVk")
            .ShouldBe([new NeedsSurveyAnswered(Lena, 23.5m, CommuteMeans.Car, 4, "c2VhbGVk")]);
        RuleOf(() => NeedsSurvey.Answer(Given(Registered), 23.5m, CommuteMeans.Car, 4, null)).ShouldBe("not-member-or-trial-user");
        RuleOf(() => NeedsSurvey.Answer(Given(Registered, Started, new PersonForgotten(Lena)), 1m, CommuteMeans.Bike, 1, null)).ShouldBe("person-forgotten");
    }

    private static Organisation Company(OrganisationKind kind = OrganisationKind.Company, OrganisationStatus status = OrganisationStatus.Active) =>
        Organisation.Initial with { Id = Hofladen, Details = Organisation.Initial.Details with { Kind = kind }, Status = status };

    [Fact]
    public void A_company_pays_a_named_employees_plan_through_itself_who_then_acts_for_it_as_a_member()
    {
        var period = new PlanPeriod(null, MembershipPlan.FlexibleDesk, D("2027-04-01"), D("2027-09-30"));

        EmployeePlans.Decide(Given(Registered), Company(), period).ShouldBe([
            new PersonStartedActing(Lena, Hofladen, ActingRole.Member),
            new MembershipPlanAssigned(Lena, Hofladen, MembershipPlan.FlexibleDesk, D("2027-04-01"), D("2027-09-30")),
        ]);
        EmployeePlans.Decide(Given(Registered, new PersonStartedActing(Lena, Hofladen, ActingRole.Representative)), Company(), period)
            .ShouldBe([new MembershipPlanAssigned(Lena, Hofladen, MembershipPlan.FlexibleDesk, D("2027-04-01"), D("2027-09-30"))]);
    }

    [Fact]
    public void Only_an_active_company_pays_employees_plans()
    {
        var period = new PlanPeriod(null, MembershipPlan.FlexibleDesk, D("2027-04-01"), null);
        RuleOf(() => EmployeePlans.Decide(Given(Registered), Company(OrganisationKind.Association), period)).ShouldBe("not-a-company");
        RuleOf(() => EmployeePlans.Decide(Given(Registered), Company(status: OrganisationStatus.Applied), period)).ShouldBe("organisation-not-active");
    }
}
