using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Read;
using Allmende.Membership.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Allmende.Membership.People.Forget;

/// <summary>
/// "Forget this person" (POST /api/people/{id}/forget, or DELETE /api/people/{id}/personal-data):
/// PersonForgotten is appended, the person's key is deleted in the same transaction (crypto-shredding),
/// and the contract PersonForgotten is published. Organisation links, plans and figures stay.
/// </summary>
internal static class ForgetPerson
{
    public static IReadOnlyList<object> Decide(Person person) =>
        person.Forgotten
            ? throw new DomainException("person-already-forgotten", $"Person {person.Id} was already forgotten.")
            : [new PersonForgotten(person.Id)];

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/people/{id:guid}/forget", HandleAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Forget a person: erase their personal data for good, keep the figures (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
        api.MapDelete("/people/{id:guid}/personal-data", HandleAsync)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("The same as POST /api/people/{id}/forget.")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
    }

    private static async Task<IResult> HandleAsync(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        ILoggerFactory logs, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var result = await PersonWrites.CommitAsync(http, store, db, time, current, Decide(current.State), ct,
            uow => PersonKeys.Shred(uow, id));
        logs.CreateLogger(typeof(ForgetPerson)).LogInformation("Person {PersonId} was forgotten: key deleted, personal data erased", id);
        return result;
    }
}
