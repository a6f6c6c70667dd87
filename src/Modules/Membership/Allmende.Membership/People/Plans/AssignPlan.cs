using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.Plans;

internal sealed record AssignPlanRequest(string? Plan, Guid? OrganisationId, DateOnly? ValidFrom, DateOnly? ValidUntil);

internal sealed class AssignPlanValidator : AbstractValidator<AssignPlanRequest>
{
    public AssignPlanValidator()
    {
        RuleFor(r => r.Plan).NotEmpty()
            .Must(p => Names.TryParse<MembershipPlan>(p, out _)).WithMessage($"'Plan' must be {Names.OneOf<MembershipPlan>()}.");
        RuleFor(r => r.OrganisationId).NotEqual(Guid.Empty);
        RuleFor(r => r.ValidFrom).NotNull();
        RuleFor(r => r.ValidUntil).GreaterThanOrEqualTo(r => r.ValidFrom)
            .When(r => r.ValidFrom is not null && r.ValidUntil is not null)
            .WithMessage("'Valid Until' is the last day of the plan and must not be before 'Valid From'.");
    }
}

/// <summary>
/// POST /api/people/{id}/plans: a membership plan for a period, on the person's own account (a
/// freelancer) or through an organisation they act for. Periods of the same person and organisation
/// never overlap.
/// </summary>
internal static class AssignPlan
{
    public static IReadOnlyList<object> Decide(Person person, PlanPeriod period)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        if (period.OrganisationId is { } organisationId && !person.ActingFor.ContainsKey(organisationId))
            throw new DomainException("not-acting-for-organisation",
                $"Person {person.Id} does not act for organisation {organisationId}; a plan through it needs that first.");
        // A new plan ends an open-ended one that began earlier (the usual change of plan); any other
        // overlap is a mistake to be resolved by staff.
        var openEnded = person.Plans.FirstOrDefault(p => p.OrganisationId == period.OrganisationId && p.ValidUntil is null && p.ValidFrom < period.ValidFrom);
        var ended = openEnded is null ? null : openEnded with { ValidUntil = period.ValidFrom.AddDays(-1) };
        var overlapping = person.Plans.Select(p => p == openEnded ? ended! : p)
            .FirstOrDefault(p => p.OrganisationId == period.OrganisationId && p.Overlaps(period));
        if (overlapping is not null)
            throw new DomainException("plan-periods-overlap",
                $"The period {period.ValidFrom:yyyy-MM-dd} to {Until(period.ValidUntil)} overlaps the {Names.Of(overlapping.Plan)} plan " +
                $"from {overlapping.ValidFrom:yyyy-MM-dd} to {Until(overlapping.ValidUntil)}.");
        var assigned = new MembershipPlanAssigned(person.Id, period.OrganisationId, period.Plan, period.ValidFrom, period.ValidUntil);
        return ended is null
            ? [assigned]
            : [new MembershipPlanEnded(person.Id, ended.OrganisationId, ended.Plan, ended.ValidFrom, ended.ValidUntil!.Value), assigned];
    }

    private static string Until(DateOnly? until) => until?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) ?? "open end";

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/people/{id:guid}/plans", HandleAsync)
            .Validate<AssignPlanRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Give a person a membership plan for a period (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();

    private static async Task<IResult> HandleAsync(Guid id, AssignPlanRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var period = new PlanPeriod(request.OrganisationId, Names.Parse<MembershipPlan>(request.Plan!), request.ValidFrom!.Value, request.ValidUntil);
        return await PersonWrites.CommitAsync(http, store, db, time, current, Decide(current.State, period), ct);
    }
}
