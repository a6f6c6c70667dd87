using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations;
using Allmende.Membership.People.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.Acting;

internal sealed record StartActingRequest(Guid? OrganisationId, string? Role);

internal sealed class StartActingValidator : AbstractValidator<StartActingRequest>
{
    public StartActingValidator()
    {
        RuleFor(r => r.OrganisationId).NotNull().NotEqual(Guid.Empty);
        RuleFor(r => r.Role).NotEmpty()
            .Must(r => Names.TryParse<ActingRole>(r, out _)).WithMessage($"'Role' must be {Names.OneOf<ActingRole>()}.");
    }
}

/// <summary>
/// A person starts acting for an organisation as representative or member (POST /api/people/{id}/organisations)
/// and stops (DELETE /api/people/{id}/organisations/{organisationId}). To change the role, stop and start again.
/// </summary>
internal static class Acting
{
    public static IReadOnlyList<object> Start(Person person, Guid organisationId, ActingRole role, OrganisationStatus organisationStatus)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        if (organisationStatus == OrganisationStatus.Ended)
            throw new DomainException("organisation-ended", $"Organisation {organisationId} has ended; nobody can start acting for it.");
        if (person.ActingFor.TryGetValue(organisationId, out var current))
            throw new DomainException("already-acting",
                $"Person {person.Id} already acts for organisation {organisationId} as {Names.Of(current)}; to change the role, stop and start again.");
        return [new PersonStartedActing(person.Id, organisationId, role)];
    }

    public static IReadOnlyList<object> Stop(Person person, Guid organisationId) =>
        person.ActingFor.ContainsKey(organisationId)
            ? [new PersonStoppedActing(person.Id, organisationId)]
            : throw new DomainException("not-acting", $"Person {person.Id} does not act for organisation {organisationId}.");

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/people/{id:guid}/organisations", StartAsync)
            .Validate<StartActingRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("The person starts acting for an organisation, as representative or member (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
        api.MapDelete("/people/{id:guid}/organisations/{organisationId:guid}", StopAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("The person stops acting for an organisation (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
    }

    private static async Task<IResult> StartAsync(Guid id, StartActingRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var organisationId = request.OrganisationId!.Value;
        var organisation = await store.LoadAsync<Organisation>(Organisation.StreamId(organisationId), ct: ct)
            ?? throw new BadInputException("organisationId", $"There is no organisation {organisationId}.");
        var events = Start(current.State, organisationId, Names.Parse<ActingRole>(request.Role!), organisation.State.Status);
        return await PersonWrites.CommitAsync(http, store, db, time, current, events, ct);
    }

    private static async Task<IResult> StopAsync(Guid id, Guid organisationId, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        return await PersonWrites.CommitAsync(http, store, db, time, current, Stop(current.State, organisationId), ct);
    }
}
