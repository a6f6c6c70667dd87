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
    ImmutableHashSet<Guid> DutyRotaSites,
    ImmutableList<TrialPeriod> Trials,
    bool Surveyed) : IEventSourced<Person>
{
    public static string StreamId(Guid id) => $"person-{id:D}";

    public static Person Initial { get; } = new(Guid.Empty, false, ImmutableDictionary<Guid, ActingRole>.Empty, [], [], [], false);

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
        TrialStarted e => state with { Trials = state.Trials.Add(new TrialPeriod(e.OrganisationId, e.Kind, e.From, e.Until, TrialOutcome.Running)) },
        TrialConverted e => state with { Trials = ReplaceTrial(state, e.TrialFrom, t => t with { Until = e.PlanFrom.AddDays(-1), Outcome = TrialOutcome.Converted }) },
        TrialEnded e => state with { Trials = ReplaceTrial(state, e.TrialFrom, t => t with { Until = e.LastDay, Outcome = TrialOutcome.Ended }) },
        NeedsSurveyAnswered => state with { Surveyed = true },
        PersonForgotten => state with { Forgotten = true },
        _ => state, // PersonalDataChanged: nothing a decision reads
    };

    /// <summary>The trial running now or last: conversion and ending act on it.</summary>
    public TrialPeriod? LatestTrial => Trials.Count == 0 ? null : Trials.MaxBy(t => t.From);

    /// <summary>Members (acting for an organisation or holding a plan) and trial users may answer the needs survey.</summary>
    public bool MemberOrTrialUser => !ActingFor.IsEmpty || !Plans.IsEmpty || !Trials.IsEmpty;

    private static ImmutableList<TrialPeriod> ReplaceTrial(Person state, DateOnly from, Func<TrialPeriod, TrialPeriod> change)
    {
        var trial = state.Trials.First(t => t.From == from);
        return state.Trials.Replace(trial, change(trial));
    }
}

internal enum TrialOutcome { Running, Converted, Ended }

/// <summary>A trial's days, both inclusive; Until is the last day actually held once converted or ended early.</summary>
internal sealed record TrialPeriod(Guid? OrganisationId, TrialistKind Kind, DateOnly From, DateOnly Until, TrialOutcome Outcome)
{
    public PlanPeriod AsPeriod => new(OrganisationId, MembershipPlan.CivilSociety, From, Until);
}

/// <summary>A plan for a period, days inclusive; an open end (null) runs forever.</summary>
internal sealed record PlanPeriod(Guid? OrganisationId, MembershipPlan Plan, DateOnly ValidFrom, DateOnly? ValidUntil)
{
    public bool Overlaps(PlanPeriod other) =>
        ValidFrom <= (other.ValidUntil ?? DateOnly.MaxValue) && other.ValidFrom <= (ValidUntil ?? DateOnly.MaxValue);
}
