using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Read;
using Allmende.Membership.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.PersonalDataChange;

/// <summary>PUT /api/people/{id}: staff, or the person themselves (a member changing their own data).</summary>
internal static class ChangePersonalData
{
    /// <param name="personalData">Sealed with the person's key; null only when there is no key (forgotten).</param>
    public static IReadOnlyList<object> Decide(Person person, SealedPersonalData? personalData)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        ArgumentNullException.ThrowIfNull(personalData);
        return [new PersonalDataChanged(person.Id, personalData)];
    }

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPut("/people/{id:guid}", HandleAsync)
            .Validate<PersonalDataRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Change a person's name, email and phone: staff, or a member their own (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>()
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<IResult> HandleAsync(Guid id, PersonalDataRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        PersonKeys keys, TimeProvider time, CancellationToken ct)
    {
        if (!http.User.IsAdmin() && http.User.PersonId() != id)
        {
            // Someone they can see: refused; anyone else: as if not there.
            if (await PeopleQueries.FindAsync(db, id, PeopleVisibility.Of(http.User), ct) is null)
                throw new NotFoundException("person", id);
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Members may change only their own personal data");
        }
        var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
        var key = current.State.Forgotten ? null : await keys.FindAsync(id, ct);
        var events = Decide(current.State, key is null ? null : PersonalDataCipher.Seal(key, id, request.ToPersonalData()));
        return await PersonWrites.CommitAsync(http, store, db, time, current, events, ct);
    }
}
