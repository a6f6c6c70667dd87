using Allmende.Eventing.Api;
using Allmende.Membership.Organisations;
using Allmende.Membership.People;
using Allmende.Membership.People.Acting;
using Allmende.Membership.People.DutyRota;
using Allmende.Membership.People.Forget;
using Allmende.Membership.People.PersonalDataChange;
using Allmende.Membership.People.Plans;
using Allmende.Membership.People.Register;
using Allmende.Membership.Privacy;

namespace Allmende.Tests.Membership;

/// <summary>Given events / when a command / then events or the rule that refuses it.</summary>
public sealed class PersonDecisionTests
{
    private static readonly Guid Mara = Guid.Parse("0190f000-0000-7000-8000-0000000b0001");
    private static readonly Guid Verein = Guid.Parse("0190f000-0000-7000-8000-0000000c0001");
    private static readonly Guid Kiosk = Guid.Parse("0190f000-0000-7000-8000-0000000c0002");
    private static readonly Guid Werkstatt = Guid.Parse("0190f000-0000-7000-8000-0000000d0001");

    // Decisions never open sealed data: any opaque strings do here.
    private static readonly SealedPersonalData SealedData = new("c2VhbGVkLW5hbWU=", "c2VhbGVkLWVtYWls", null);

    private static readonly object Registered = new PersonRegistered(Mara, SealedData);
    private static readonly object ActsForVerein = new PersonStartedActing(Mara, Verein, ActingRole.Representative);

    private static Person Given(params object[] events) => events.Aggregate(Person.Initial, Person.Evolve);

    private static string RuleOf(Action decision) => Should.Throw<DomainException>(decision).Rule;

    private static PlanPeriod Plan(Guid? organisation, MembershipPlan plan, string from, string? until = null) =>
        new(organisation, plan, DateOnly.Parse(from), until is null ? null : DateOnly.Parse(until));

    [Fact]
    public void Registering_a_person_records_only_their_sealed_data() =>
        RegisterPerson.Decide(Mara, SealedData).ShouldBe([new PersonRegistered(Mara, SealedData)]);

    [Fact]
    public void A_person_starts_acting_for_an_organisation_with_a_role()
    {
        var events = Acting.Start(Given(Registered), Verein, ActingRole.Representative, OrganisationStatus.Active);

        events.ShouldBe([new PersonStartedActing(Mara, Verein, ActingRole.Representative)]);
        Given([Registered, .. events]).ActingFor[Verein].ShouldBe(ActingRole.Representative);
    }

    [Fact]
    public void A_person_may_act_for_an_organisation_that_has_only_applied_and_for_several_at_once()
    {
        var events = Acting.Start(Given(Registered, ActsForVerein), Kiosk, ActingRole.Member, OrganisationStatus.Applied);

        events.ShouldBe([new PersonStartedActing(Mara, Kiosk, ActingRole.Member)]);
        Given([Registered, ActsForVerein, .. events]).ActingFor.Keys.Order().ShouldBe([Verein, Kiosk]);
    }

    [Fact]
    public void Starting_to_act_twice_for_the_same_organisation_is_refused_even_with_another_role()
    {
        RuleOf(() => Acting.Start(Given(Registered, ActsForVerein), Verein, ActingRole.Representative, OrganisationStatus.Active)).ShouldBe("already-acting");
        RuleOf(() => Acting.Start(Given(Registered, ActsForVerein), Verein, ActingRole.Member, OrganisationStatus.Active)).ShouldBe("already-acting");
    }

    [Fact]
    public void Nobody_starts_acting_for_an_ended_organisation() =>
        RuleOf(() => Acting.Start(Given(Registered), Verein, ActingRole.Member, OrganisationStatus.Ended)).ShouldBe("organisation-ended");

    [Fact]
    public void A_person_stops_acting_and_may_start_again_later()
    {
        var stopped = Acting.Stop(Given(Registered, ActsForVerein), Verein);

        stopped.ShouldBe([new PersonStoppedActing(Mara, Verein)]);
        var state = Given([Registered, ActsForVerein, .. stopped]);
        state.ActingFor.ShouldBeEmpty();
        Acting.Start(state, Verein, ActingRole.Member, OrganisationStatus.Active).ShouldBe([new PersonStartedActing(Mara, Verein, ActingRole.Member)]);
    }

    [Fact]
    public void Stopping_twice_is_refused()
    {
        var state = Given(Registered, ActsForVerein, new PersonStoppedActing(Mara, Verein));

        RuleOf(() => Acting.Stop(state, Verein)).ShouldBe("not-acting");
        RuleOf(() => Acting.Stop(Given(Registered), Kiosk)).ShouldBe("not-acting");
    }

    [Fact]
    public void A_freelancer_gets_a_plan_on_their_own_account()
    {
        var events = AssignPlan.Decide(Given(Registered), Plan(null, MembershipPlan.FlexibleDesk, "2026-01-01"));

        events.ShouldBe([new MembershipPlanAssigned(Mara, null, MembershipPlan.FlexibleDesk, new DateOnly(2026, 1, 1), null)]);
    }

    [Fact]
    public void A_plan_through_an_organisation_needs_the_person_to_act_for_it()
    {
        AssignPlan.Decide(Given(Registered, ActsForVerein), Plan(Verein, MembershipPlan.CivilSociety, "2026-01-01", "2026-12-31"))
            .ShouldBe([new MembershipPlanAssigned(Mara, Verein, MembershipPlan.CivilSociety, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31))]);
        RuleOf(() => AssignPlan.Decide(Given(Registered), Plan(Verein, MembershipPlan.CivilSociety, "2026-01-01")))
            .ShouldBe("not-acting-for-organisation");
    }

    [Theory]
    [InlineData("2026-06-01", "2026-06-30")] // inside
    [InlineData("2025-12-01", "2026-01-01")] // touches the first day
    [InlineData("2026-12-31", null)] // touches the last day, open end
    [InlineData("2025-01-01", null)] // open end over all of it
    public void Overlapping_periods_of_the_same_person_and_organisation_are_refused(string from, string? until)
    {
        var state = Given(Registered, ActsForVerein,
            new MembershipPlanAssigned(Mara, Verein, MembershipPlan.FixedDesk, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));

        RuleOf(() => AssignPlan.Decide(state, Plan(Verein, MembershipPlan.FlexibleDesk, from, until))).ShouldBe("plan-periods-overlap");
    }

    [Fact]
    public void A_later_plan_ends_an_open_ended_plan_the_day_before_it_starts()
    {
        var state = Given(Registered, new MembershipPlanAssigned(Mara, null, MembershipPlan.CivilSociety, new DateOnly(2026, 1, 1), null));

        AssignPlan.Decide(state, Plan(null, MembershipPlan.FlexibleDesk, "2026-07-01", null)).ShouldBe(
        [
            new MembershipPlanEnded(Mara, null, MembershipPlan.CivilSociety, new DateOnly(2026, 1, 1), new DateOnly(2026, 6, 30)),
            new MembershipPlanAssigned(Mara, null, MembershipPlan.FlexibleDesk, new DateOnly(2026, 7, 1), null),
        ]);
        var after = Given(Registered, new MembershipPlanAssigned(Mara, null, MembershipPlan.CivilSociety, new DateOnly(2026, 1, 1), null),
            new MembershipPlanEnded(Mara, null, MembershipPlan.CivilSociety, new DateOnly(2026, 1, 1), new DateOnly(2026, 6, 30)));
        after.Plans.Single().ValidUntil.ShouldBe(new DateOnly(2026, 6, 30));
    }

    [Fact]
    public void An_open_ended_plan_still_refuses_periods_that_begin_with_or_before_it()
    {
        var state = Given(Registered, new MembershipPlanAssigned(Mara, null, MembershipPlan.FlexibleDesk, new DateOnly(2026, 1, 1), null));

        RuleOf(() => AssignPlan.Decide(state, Plan(null, MembershipPlan.FixedDesk, "2026-01-01", "2026-01-31"))).ShouldBe("plan-periods-overlap");
        RuleOf(() => AssignPlan.Decide(state, Plan(null, MembershipPlan.FixedDesk, "2025-12-01", "2026-01-31"))).ShouldBe("plan-periods-overlap");
        AssignPlan.Decide(state, Plan(null, MembershipPlan.FixedDesk, "2025-01-01", "2025-12-31")).Count.ShouldBe(1);
    }

    [Fact]
    public void Adjoining_periods_and_periods_through_another_organisation_do_not_overlap()
    {
        var state = Given(Registered, ActsForVerein, new PersonStartedActing(Mara, Kiosk, ActingRole.Member),
            new MembershipPlanAssigned(Mara, Verein, MembershipPlan.FixedDesk, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31)));

        AssignPlan.Decide(state, Plan(Verein, MembershipPlan.FlexibleDesk, "2027-01-01")).Count.ShouldBe(1);
        AssignPlan.Decide(state, Plan(Kiosk, MembershipPlan.CivilSociety, "2026-03-01", "2026-03-31")).Count.ShouldBe(1);
        AssignPlan.Decide(state, Plan(null, MembershipPlan.CooperativeMember, "2026-01-01")).Count.ShouldBe(1);
    }

    [Fact]
    public void A_person_opts_in_to_the_duty_rota_of_a_site_and_out_again()
    {
        var joined = DutyRota.OptIn(Given(Registered), Werkstatt);
        joined.ShouldBe([new DutyRotaJoined(Mara, Werkstatt)]);

        var left = DutyRota.OptOut(Given([Registered, .. joined]), Werkstatt);
        left.ShouldBe([new DutyRotaLeft(Mara, Werkstatt)]);
        Given([Registered, .. joined, .. left]).DutyRotaSites.ShouldBeEmpty();
    }

    [Fact]
    public void Opting_in_twice_or_out_when_not_on_the_rota_is_refused()
    {
        RuleOf(() => DutyRota.OptIn(Given(Registered, new DutyRotaJoined(Mara, Werkstatt)), Werkstatt)).ShouldBe("already-on-duty-rota");
        RuleOf(() => DutyRota.OptOut(Given(Registered), Werkstatt)).ShouldBe("not-on-duty-rota");
    }

    [Fact]
    public void Forgetting_a_person_records_that_and_nothing_personal() =>
        ForgetPerson.Decide(Given(Registered, ActsForVerein)).ShouldBe([new PersonForgotten(Mara)]);

    [Fact]
    public void A_forgotten_person_is_not_forgotten_twice_and_their_data_cannot_come_back()
    {
        var forgotten = Given(Registered, ActsForVerein, new PersonForgotten(Mara));

        RuleOf(() => ForgetPerson.Decide(forgotten)).ShouldBe("person-already-forgotten");
        RuleOf(() => ChangePersonalData.Decide(forgotten, null)).ShouldBe("person-forgotten");
        RuleOf(() => ChangePersonalData.Decide(forgotten, SealedData)).ShouldBe("person-forgotten");
        RuleOf(() => Acting.Start(forgotten, Kiosk, ActingRole.Member, OrganisationStatus.Active)).ShouldBe("person-forgotten");
        RuleOf(() => AssignPlan.Decide(forgotten, Plan(Verein, MembershipPlan.CivilSociety, "2026-01-01"))).ShouldBe("person-forgotten");
        RuleOf(() => DutyRota.OptIn(forgotten, Werkstatt)).ShouldBe("person-forgotten");
    }

    [Fact]
    public void A_forgotten_person_keeps_their_links_and_plans_and_may_still_stop_acting()
    {
        var forgotten = Given(Registered, ActsForVerein,
            new MembershipPlanAssigned(Mara, Verein, MembershipPlan.CivilSociety, new DateOnly(2026, 1, 1), null), new PersonForgotten(Mara));

        forgotten.ActingFor.Keys.ShouldBe([Verein]);
        forgotten.Plans.Count.ShouldBe(1);
        Acting.Stop(forgotten, Verein).ShouldBe([new PersonStoppedActing(Mara, Verein)]);
    }

    [Fact]
    public void Personal_data_is_changed_as_sealed_data()
    {
        var changed = new SealedPersonalData("bmV3LW5hbWU=", "bmV3LWVtYWls", "bmV3LXBob25l");

        ChangePersonalData.Decide(Given(Registered), changed).ShouldBe([new PersonalDataChanged(Mara, changed)]);
    }
}
