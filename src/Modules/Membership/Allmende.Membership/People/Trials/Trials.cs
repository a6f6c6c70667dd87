using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Plans;
using Allmende.Membership.People.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.Trials;

internal sealed record StartTrialRequest(string? Kind, Guid? OrganisationId, DateOnly? From, DateOnly? Until);

internal sealed record ConvertTrialRequest(string? Plan, DateOnly? PlanFrom, DateOnly? PlanUntil);

internal sealed record EndTrialRequest(DateOnly? LastDay);

internal sealed record TrialResponse(string Kind, Guid? OrganisationId, DateOnly From, DateOnly Until, string Outcome);

internal sealed class StartTrialValidator : AbstractValidator<StartTrialRequest>
{
    public StartTrialValidator()
    {
        RuleFor(r => r.Kind).NotEmpty()
            .Must(k => Names.TryParse<TrialistKind>(k, out _)).WithMessage($"'Kind' must be {Names.OneOf<TrialistKind>()}.");
        RuleFor(r => r.OrganisationId).NotEqual(Guid.Empty);
        RuleFor(r => r.From).NotNull();
        RuleFor(r => r.Until).NotNull();
        RuleFor(r => r.Until).GreaterThanOrEqualTo(r => r.From).When(r => r.From is not null && r.Until is not null)
            .WithMessage("'Until' is the trial's last day and must not be before 'From'.");
    }
}

internal sealed class ConvertTrialValidator : AbstractValidator<ConvertTrialRequest>
{
    public ConvertTrialValidator()
    {
        RuleFor(r => r.Plan).NotEmpty()
            .Must(p => Names.TryParse<MembershipPlan>(p, out _)).WithMessage($"'Plan' must be {Names.OneOf<MembershipPlan>()}.");
        RuleFor(r => r.PlanFrom).NotNull();
        RuleFor(r => r.PlanUntil).GreaterThanOrEqualTo(r => r.PlanFrom).When(r => r.PlanFrom is not null && r.PlanUntil is not null)
            .WithMessage("'Plan Until' is the plan's last day and must not be before 'Plan From'.");
    }
}

internal sealed class EndTrialValidator : AbstractValidator<EndTrialRequest>
{
    public EndTrialValidator() => RuleFor(r => r.LastDay).NotNull();
}

/// <summary>
/// Trials of the rural pilot (ADR 21): a person tries the space for a limited time, on their own account or
/// through an organisation they act for, and then takes a regular plan (conversion) or leaves (end).
/// POST /api/people/{id}/trials, …/trials/convert, …/trials/end (staff, If-Match on the person);
/// GET /api/people/{id}/trials (staff, auditors, the person).
/// </summary>
internal static class Trials
{
    /// <summary>A trial lasts at most three months (92 days covers any three calendar months): longer is a plan.</summary>
    public const int MaxDays = 92;

    public static IReadOnlyList<object> Start(Person person, TrialPeriod trial)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        if (trial.OrganisationId is { } organisationId && !person.ActingFor.ContainsKey(organisationId))
            throw new DomainException("not-acting-for-organisation",
                $"Person {person.Id} does not act for organisation {organisationId}; a trial through it needs that first.");
        var days = trial.Until.DayNumber - trial.From.DayNumber + 1;
        if (days > MaxDays)
            throw new DomainException("trial-too-long", $"A trial lasts at most {MaxDays} days; {Day(trial.From)} to {Day(trial.Until)} is {days}.");
        if (person.Trials.FirstOrDefault(t => t.AsPeriod.Overlaps(trial.AsPeriod)) is { } other)
            throw new DomainException("trial-periods-overlap",
                $"The trial {Day(trial.From)} to {Day(trial.Until)} overlaps the trial from {Day(other.From)} to {Day(other.Until)}.");
        // As for plans: on one account (own, or one organisation) a trial never overlaps a plan.
        if (person.Plans.FirstOrDefault(p => p.OrganisationId == trial.OrganisationId && p.Overlaps(trial.AsPeriod)) is { } plan)
            throw new DomainException("plan-periods-overlap",
                $"The trial {Day(trial.From)} to {Day(trial.Until)} overlaps the {Names.Of(plan.Plan)} plan from {Day(plan.ValidFrom)}.");
        return [new TrialStarted(person.Id, trial.OrganisationId, trial.Kind, trial.From, trial.Until)];
    }

    /// <summary>
    /// The latest trial becomes a plan from <paramref name="planFrom"/>, a day after the trial's first and at
    /// most the day after its last: the trial is held until the day before. The plan follows the plan rules
    /// (<see cref="AssignPlan.Decide"/>) on the trial's account.
    /// </summary>
    public static IReadOnlyList<object> Convert(Person person, MembershipPlan plan, DateOnly planFrom, DateOnly? planUntil)
    {
        var trial = Latest(person);
        if (planFrom <= trial.From || planFrom > trial.Until.AddDays(1))
            throw new DomainException("conversion-outside-trial",
                $"A plan converting the trial {Day(trial.From)} to {Day(trial.Until)} starts from {Day(trial.From.AddDays(1))} to {Day(trial.Until.AddDays(1))}.");
        var converted = new TrialConverted(person.Id, trial.From, plan, planFrom);
        var assigned = AssignPlan.Decide(Person.Evolve(person, converted), new PlanPeriod(trial.OrganisationId, plan, planFrom, planUntil));
        return [converted, .. assigned];
    }

    /// <summary>The latest trial ends with <paramref name="lastDay"/>, within its days: early, or on its last day.</summary>
    public static IReadOnlyList<object> End(Person person, DateOnly lastDay)
    {
        var trial = Latest(person);
        if (lastDay < trial.From || lastDay > trial.Until)
            throw new DomainException("end-outside-trial", $"The trial {Day(trial.From)} to {Day(trial.Until)} can end only on one of its days.");
        return [new TrialEnded(person.Id, trial.From, lastDay)];
    }

    private static TrialPeriod Latest(Person person)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        var trial = person.LatestTrial ?? throw new DomainException("no-trial", $"Person {person.Id} has no trial.");
        return trial.Outcome switch
        {
            TrialOutcome.Converted => throw new DomainException("trial-converted", $"The trial from {Day(trial.From)} was already converted to a plan."),
            TrialOutcome.Ended => throw new DomainException("trial-ended", $"The trial from {Day(trial.From)} ended on {Day(trial.Until)}; an ended trial is not converted."),
            _ => trial,
        };
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static TrialResponse Response(TrialPeriod t) => new(Names.Of(t.Kind), t.OrganisationId, t.From, t.Until, t.Outcome.ToString().ToLowerInvariant());

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/people/{id:guid}/trials", StartAsync)
            .Validate<StartTrialRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary($"Start a person's trial (at most {MaxDays} days; kind self-employed, freelancer, founder or employee; If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
        api.MapPost("/people/{id:guid}/trials/convert", ConvertAsync)
            .Validate<ConvertTrialRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Convert the person's latest trial to a regular plan from planFrom (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
        api.MapPost("/people/{id:guid}/trials/end", EndAsync)
            .Validate<EndTrialRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("End the person's latest trial with lastDay, without a plan (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
        api.MapGet("/people/{id:guid}/trials", ListAsync)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("A person's trials, oldest first (staff, auditors and the person themselves).")
            .Produces<IReadOnlyList<TrialResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> StartAsync(Guid id, StartTrialRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var trial = new TrialPeriod(request.OrganisationId, Names.Parse<TrialistKind>(request.Kind!), request.From!.Value, request.Until!.Value, TrialOutcome.Running);
        return await PersonWrites.CommitAsync(http, store, db, time, current, Start(current.State, trial), ct);
    }

    private static async Task<IResult> ConvertAsync(Guid id, ConvertTrialRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var events = Convert(current.State, Names.Parse<MembershipPlan>(request.Plan!), request.PlanFrom!.Value, request.PlanUntil);
        return await PersonWrites.CommitAsync(http, store, db, time, current, events, ct);
    }

    private static async Task<IResult> EndAsync(Guid id, EndTrialRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        return await PersonWrites.CommitAsync(http, store, db, time, current, End(current.State, request.LastDay!.Value), ct);
    }

    /// <summary>Folded from the person's stream: a handful of events, so no read model of its own.</summary>
    private static async Task<IResult> ListAsync(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        if (!http.User.IsAdmin() && !http.User.IsAuditor() && http.User.PersonId() != id)
            throw new NotFoundException("person", id);
        var person = await store.LoadAsync<Person>(Person.StreamId(id), ct: ct) ?? throw new NotFoundException("person", id);
        http.Response.SetETag(person.Version);
        return TypedResults.Ok(person.State.Trials.OrderBy(t => t.From).Select(Response).ToList());
    }
}
