using System.Collections.Immutable;
using Allmende.Eventing.Streams;

namespace Allmende.Membership.People;

/// <summary>
/// A person as their decisions see it. No decision needs their name or email, so the fold never
/// opens sealed data: it folds the same whether or not the person's key still exists.
/// </summary>
internal sealed record Person(
    Guid Id,
    bool Forgotten,
    ImmutableDictionary<Guid, ActingRole> ActingFor,
    ImmutableList<PlanPeriod> Plans,
    ImmutableHashSet<Guid> DutyRotaSites) : IEventSourced<Person>
{
    public static string StreamId(Guid id) => $"person-{id:D}";

    public static Person Initial { get; } = new(Guid.Empty, false, ImmutableDictionary<Guid, ActingRole>.Empty, [], []);

    public static Person Evolve(Person state, object @event) => @event switch
    {
        PersonRegistered e => state with { Id = e.PersonId },
        PersonStartedActing e => state with { ActingFor = state.ActingFor.SetItem(e.OrganisationId, e.Role) },
        PersonStoppedActing e => state with { ActingFor = state.ActingFor.Remove(e.OrganisationId) },
        MembershipPlanAssigned e => state with { Plans = state.Plans.Add(new PlanPeriod(e.OrganisationId, e.Plan, e.ValidFrom, e.ValidUntil)) },
        MembershipPlanEnded e => state with
        {
            Plans = state.Plans.Replace(
                state.Plans.First(p => p.OrganisationId == e.OrganisationId && p.ValidFrom == e.ValidFrom && p.ValidUntil is null),
                new PlanPeriod(e.OrganisationId, e.Plan, e.ValidFrom, e.ValidUntil)),
        },
        DutyRotaJoined e => state with { DutyRotaSites = state.DutyRotaSites.Add(e.SiteId) },
        DutyRotaLeft e => state with { DutyRotaSites = state.DutyRotaSites.Remove(e.SiteId) },
        PersonForgotten => state with { Forgotten = true },
        _ => state, // PersonalDataChanged: nothing a decision reads
    };
}

/// <summary>A plan for a period, days inclusive; an open end (null) runs forever.</summary>
internal sealed record PlanPeriod(Guid? OrganisationId, MembershipPlan Plan, DateOnly ValidFrom, DateOnly? ValidUntil)
{
    public bool Overlaps(PlanPeriod other) =>
        ValidFrom <= (other.ValidUntil ?? DateOnly.MaxValue) && other.ValidFrom <= (ValidUntil ?? DateOnly.MaxValue);
}
