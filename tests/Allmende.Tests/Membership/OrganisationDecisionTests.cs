using Allmende.Eventing.Api;
using Allmende.Membership.Organisations;
using Allmende.Membership.Organisations.Details;
using Allmende.Membership.Organisations.Lifecycle;
using Allmende.Membership.Organisations.Register;
using Allmende.Membership.Organisations.Shares;

namespace Allmende.Tests.Membership;

/// <summary>Given events / when a command / then events or the rule that refuses it.</summary>
public sealed class OrganisationDecisionTests
{
    private static readonly Guid Authority = Guid.Parse("0190f000-0000-7000-8000-00000000a001");

    private static readonly OrganisationDetails SocialAuthority = new("Sozialbehörde der Stadt", OrganisationKind.PublicBody, true,
        new Address("Rathausplatz 1", "20095", "Hamburg"), new Contact("engagement@sozialbehoerde.example", "+49 40 4280 0"));

    private static Organisation Given(params object[] events) => events.Aggregate(Organisation.Initial, Organisation.Evolve);

    private static readonly object Applied = new OrganisationApplied(Authority, SocialAuthority);
    private static readonly object Activated = new OrganisationActivated(Authority);
    private static readonly object Suspended = new OrganisationSuspended(Authority, "Fees unpaid since March");
    private static readonly object Ended = new OrganisationEnded(Authority, "Left the cooperative");

    private static string RuleOf(Action decision) => Should.Throw<DomainException>(decision).Rule;

    [Fact]
    public void Registering_an_organisation_records_its_application_with_all_details() =>
        RegisterOrganisation.Decide(Authority, SocialAuthority).ShouldBe([new OrganisationApplied(Authority, SocialAuthority)]);

    [Fact]
    public void A_registered_organisation_folds_into_an_applied_one_with_its_details()
    {
        var state = Given(Applied);

        state.ShouldBe(new Organisation(Authority, SocialAuthority, OrganisationStatus.Applied, 0, 0, 0));
    }

    [Fact]
    public void An_applied_organisation_is_activated() =>
        OrganisationLifecycle.Activate(Given(Applied)).ShouldBe([new OrganisationActivated(Authority)]);

    [Fact]
    public void An_active_organisation_cannot_be_activated_again() =>
        RuleOf(() => OrganisationLifecycle.Activate(Given(Applied, Activated))).ShouldBe("organisation-already-active");

    [Fact]
    public void A_suspended_organisation_is_reactivated_not_activated() =>
        RuleOf(() => OrganisationLifecycle.Activate(Given(Applied, Activated, Suspended))).ShouldBe("organisation-suspended");

    [Fact]
    public void An_active_organisation_is_suspended_with_its_reason() =>
        OrganisationLifecycle.Suspend(Given(Applied, Activated), "Fees unpaid since March")
            .ShouldBe([new OrganisationSuspended(Authority, "Fees unpaid since March")]);

    [Fact]
    public void An_organisation_that_only_applied_cannot_be_suspended() =>
        RuleOf(() => OrganisationLifecycle.Suspend(Given(Applied), "Why")).ShouldBe("organisation-not-active");

    [Fact]
    public void A_suspended_organisation_cannot_be_suspended_again() =>
        RuleOf(() => OrganisationLifecycle.Suspend(Given(Applied, Activated, Suspended), "Again")).ShouldBe("organisation-already-suspended");

    [Fact]
    public void A_suspended_organisation_becomes_active_again()
    {
        var events = OrganisationLifecycle.Reactivate(Given(Applied, Activated, Suspended));

        events.ShouldBe([new OrganisationReactivated(Authority)]);
        Given([Applied, Activated, Suspended, .. events]).Status.ShouldBe(OrganisationStatus.Active);
    }

    [Fact]
    public void Only_a_suspended_organisation_can_be_reactivated()
    {
        RuleOf(() => OrganisationLifecycle.Reactivate(Given(Applied))).ShouldBe("organisation-not-suspended");
        RuleOf(() => OrganisationLifecycle.Reactivate(Given(Applied, Activated))).ShouldBe("organisation-not-suspended");
    }

    [Fact]
    public void An_active_a_suspended_and_an_applied_organisation_can_each_be_ended_with_a_reason()
    {
        OrganisationLifecycle.End(Given(Applied, Activated), "Left the cooperative").ShouldBe([new OrganisationEnded(Authority, "Left the cooperative")]);
        OrganisationLifecycle.End(Given(Applied, Activated, Suspended), "Fees never paid").ShouldBe([new OrganisationEnded(Authority, "Fees never paid")]);
        OrganisationLifecycle.End(Given(Applied), "Application rejected").ShouldBe([new OrganisationEnded(Authority, "Application rejected")]);
    }

    [Fact]
    public void Ended_is_final_for_every_transition_and_every_change()
    {
        var ended = Given(Applied, Activated, Ended);

        RuleOf(() => OrganisationLifecycle.Activate(ended)).ShouldBe("organisation-ended");
        RuleOf(() => OrganisationLifecycle.Suspend(ended, "x")).ShouldBe("organisation-ended");
        RuleOf(() => OrganisationLifecycle.Reactivate(ended)).ShouldBe("organisation-ended");
        RuleOf(() => OrganisationLifecycle.End(ended, "again")).ShouldBe("organisation-ended");
        RuleOf(() => ChangeOrganisationDetails.Decide(ended, SocialAuthority with { Name = "Renamed" })).ShouldBe("organisation-ended");
        RuleOf(() => CooperativeShares.Subscribe(ended, 5, 50_000)).ShouldBe("organisation-ended");
        RuleOf(() => CooperativeShares.Pay(ended, new DateOnly(2026, 4, 1), 100)).ShouldBe("organisation-ended");
    }

    [Fact]
    public void Changed_details_are_recorded_and_unchanged_ones_record_nothing()
    {
        var renamed = SocialAuthority with { Name = "Behörde für Arbeit, Gesundheit, Soziales", Contact = null };

        ChangeOrganisationDetails.Decide(Given(Applied), renamed).ShouldBe([new OrganisationDetailsChanged(Authority, renamed)]);
        ChangeOrganisationDetails.Decide(Given(Applied), SocialAuthority).ShouldBeEmpty();
    }

    [Fact]
    public void The_city_authority_subscribes_cooperative_shares()
    {
        var events = CooperativeShares.Subscribe(Given(Applied, Activated), 10, 50_000);

        events.ShouldBe([new CooperativeSharesSubscribed(Authority, 10, 50_000)]);
        Given([Applied, Activated, .. events]).SubscribedCents.ShouldBe(500_000);
    }

    [Fact]
    public void A_payment_on_subscribed_shares_is_recorded_and_adds_up()
    {
        var state = Given(Applied, Activated, new CooperativeSharesSubscribed(Authority, 10, 50_000),
            new CooperativeSharePaymentRecorded(Authority, new DateOnly(2026, 1, 15), 200_000));

        var events = CooperativeShares.Pay(state, new DateOnly(2026, 2, 15), 300_000);

        events.ShouldBe([new CooperativeSharePaymentRecorded(Authority, new DateOnly(2026, 2, 15), 300_000)]);
        Given([Applied, Activated, new CooperativeSharesSubscribed(Authority, 10, 50_000),
            new CooperativeSharePaymentRecorded(Authority, new DateOnly(2026, 1, 15), 200_000), .. events]).PaidCents.ShouldBe(500_000);
    }

    [Fact]
    public void Shares_are_never_overpaid()
    {
        var state = Given(Applied, Activated, new CooperativeSharesSubscribed(Authority, 10, 50_000),
            new CooperativeSharePaymentRecorded(Authority, new DateOnly(2026, 1, 15), 450_000));

        RuleOf(() => CooperativeShares.Pay(state, new DateOnly(2026, 2, 15), 50_001)).ShouldBe("shares-overpaid");
        CooperativeShares.Pay(state, new DateOnly(2026, 2, 15), 50_000).Count.ShouldBe(1);
    }

    [Fact]
    public void Nothing_can_be_paid_before_shares_are_subscribed() =>
        RuleOf(() => CooperativeShares.Pay(Given(Applied, Activated), new DateOnly(2026, 2, 15), 100)).ShouldBe("no-shares-subscribed");

    [Fact]
    public void A_new_subscription_may_raise_but_never_fall_below_what_was_paid()
    {
        var state = Given(Applied, Activated, new CooperativeSharesSubscribed(Authority, 10, 50_000),
            new CooperativeSharePaymentRecorded(Authority, new DateOnly(2026, 1, 15), 300_000));

        CooperativeShares.Subscribe(state, 12, 50_000).ShouldBe([new CooperativeSharesSubscribed(Authority, 12, 50_000)]);
        CooperativeShares.Subscribe(state, 6, 50_000).ShouldBe([new CooperativeSharesSubscribed(Authority, 6, 50_000)]);
        RuleOf(() => CooperativeShares.Subscribe(state, 5, 50_000)).ShouldBe("subscription-below-paid");
    }
}
