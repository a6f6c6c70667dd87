using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Read;
using Allmende.Membership.Privacy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.Register;

/// <summary>
/// POST /api/people: a new person gets a fresh key, their data is sealed with it, and the key is
/// written in the transaction of their first event.
/// </summary>
internal static class RegisterPerson
{
    public static IReadOnlyList<object> Decide(Guid personId, SealedPersonalData personalData) => [new PersonRegistered(personId, personalData)];

    public static void Map(IEndpointRouteBuilder api) =>
        api.MapPost("/people", HandleAsync)
            .Validate<PersonalDataRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Register a person (name, email, phone); personal data is stored only encrypted.")
            .Produces<PersonResponse>(StatusCodes.Status201Created);

    private static async Task<IResult> HandleAsync(PersonalDataRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var key = PersonalDataCipher.NewKey();
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("person", Person.StreamId(id), Decide(id, PersonalDataCipher.Seal(key, id, request.ToPersonalData())));
        PersonKeys.Keep(uow, id, key);
        var stored = await uow.CommitAsync(ct);
        http.Response.SetETag(stored[^1].StreamVersion);
        return TypedResults.Created($"/api/people/{id}", await PeopleQueries.FindAsync(db, id, null, ct));
    }
}
