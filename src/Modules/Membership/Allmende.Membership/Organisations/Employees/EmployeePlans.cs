using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People;
using Allmende.Membership.People.Plans;
using Allmende.Membership.People.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.Organisations.Employees;

internal sealed record EmployeePlanRequest(Guid? PersonId, string? Plan, DateOnly? ValidFrom, DateOnly? ValidUntil);

internal sealed record EmployeePlanResponse(Guid PersonId, string Plan, DateOnly ValidFrom, DateOnly? ValidUntil);

internal sealed class EmployeePlanValidator : AbstractValidator<EmployeePlanRequest>
{
    public EmployeePlanValidator()
    {
        RuleFor(r => r.PersonId).NotNull().NotEqual(Guid.Empty);
        RuleFor(r => r.Plan).NotEmpty()
            .Must(p => Names.TryParse<MembershipPlan>(p, out _)).WithMessage($"'Plan' must be {Names.OneOf<MembershipPlan>()}.");
        RuleFor(r => r.ValidFrom).NotNull();
        RuleFor(r => r.ValidUntil).GreaterThanOrEqualTo(r => r.ValidFrom).When(r => r.ValidFrom is not null && r.ValidUntil is not null)
            .WithMessage("'Valid Until' is the last day of the plan and must not be before 'Valid From'.");
    }
}

/// <summary>
/// A company pays the plans of employees it names (ADR 21): POST /api/organisations/{id}/employee-plans
/// gives the person a plan through the company, from/to, and makes them act for it as a member if they do
/// not yet. The plan is then the company's: its monthly statement shows the desk fee, and no grant pays
/// it (Funding never lets a grant pay a company's desk fees). GET lists the plans the company pays.
/// </summary>
internal static class EmployeePlans
{
    public static IReadOnlyList<object> Decide(Person person, Organisation company, PlanPeriod period)
    {
        if (company.Details.Kind != OrganisationKind.Company)
            throw new DomainException("not-a-company",
                $"Organisation {company.Id} is a {Names.Of(company.Details.Kind)}; only a company pays the plans of employees it names.");
        if (company.Status is not OrganisationStatus.Active)
            throw new DomainException("organisation-not-active", $"Organisation {company.Id} is {company.Status.ToString().ToLowerInvariant()}; it pays plans once active.");
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        IReadOnlyList<object> acting = person.ActingFor.ContainsKey(company.Id) ? [] : [new PersonStartedActing(person.Id, company.Id, ActingRole.Member)];
        var state = acting.Aggregate(person, Person.Evolve);
        return [.. acting, .. AssignPlan.Decide(state, period with { OrganisationId = company.Id })];
    }

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/organisations/{id:guid}/employee-plans", NameAsync)
            .Validate<EmployeePlanRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("A company pays a named employee's plan from/to: the person gets the plan through the company (and acts for it as a member).")
            .Produces<PersonResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/organisations/{id:guid}/employee-plans", ListAsync)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("The plans an organisation pays, by person and period (staff, auditors, its members).")
            .Produces<IReadOnlyList<EmployeePlanResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>
    /// Appends at the person's version as loaded: the client names the company's resource, not the person's
    /// version, and a concurrent change of the person still fails this append (409) instead of being lost.
    /// </summary>
    private static async Task<IResult> NameAsync(Guid id, EmployeePlanRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var company = await store.LoadAsync<Organisation>(Organisation.StreamId(id), ct: ct) ?? throw new NotFoundException("organisation", id);
        var personId = request.PersonId!.Value;
        var person = await store.LoadAsync<Person>(Person.StreamId(personId), ct: ct) ?? throw new NotFoundException("person", personId);
        var period = new PlanPeriod(id, Names.Parse<MembershipPlan>(request.Plan!), request.ValidFrom!.Value, request.ValidUntil);
        return await PersonWrites.CommitAsync(http, store, db, time, person, Decide(person.State, company.State, period), ct);
    }

    private static async Task<IResult> ListAsync(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (!http.User.CanRead(id))
            throw new NotFoundException("organisation", id);
        await using var command = db.CreateCommand("""
            select person_id, plan, valid_from, valid_until from membership.person_plans
            where organisation_id = $1 order by valid_from, person_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        var plans = new List<EmployeePlanResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            plans.Add(new EmployeePlanResponse(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateOnly>(3)));
        return TypedResults.Ok(plans);
    }

}
