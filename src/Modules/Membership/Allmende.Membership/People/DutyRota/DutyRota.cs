using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Read;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Membership.People.DutyRota;

internal sealed record DutyRotaRequest(Guid? SiteId);

internal sealed class DutyRotaValidator : AbstractValidator<DutyRotaRequest>
{
    public DutyRotaValidator() => RuleFor(r => r.SiteId).NotNull().NotEqual(Guid.Empty);
}

/// <summary>
/// The duty rota ("Kümmerposition"): members who take turns being present at a site opt in
/// (POST /api/people/{id}/duty-rota {siteId}) and out (DELETE /api/people/{id}/duty-rota/{siteId}).
/// Sites belong to Spaces; Membership records only the site's id.
/// </summary>
internal static class DutyRota
{
    public static IReadOnlyList<object> OptIn(Person person, Guid siteId)
    {
        if (person.Forgotten)
            throw PersonRules.Forgotten(person);
        if (person.DutyRotaSites.Contains(siteId))
            throw new DomainException("already-on-duty-rota", $"Person {person.Id} is already on the duty rota of site {siteId}.");
        return [new DutyRotaJoined(person.Id, siteId)];
    }

    public static IReadOnlyList<object> OptOut(Person person, Guid siteId) =>
        person.DutyRotaSites.Contains(siteId)
            ? [new DutyRotaLeft(person.Id, siteId)]
            : throw new DomainException("not-on-duty-rota", $"Person {person.Id} is not on the duty rota of site {siteId}.");

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapPost("/people/{id:guid}/duty-rota",
                async (Guid id, DutyRotaRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                {
                    var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
                    return await PersonWrites.CommitAsync(http, store, db, time, current, OptIn(current.State, request.SiteId!.Value), ct);
                })
            .Validate<DutyRotaRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("The person joins the duty rota of a site (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
        api.MapDelete("/people/{id:guid}/duty-rota/{siteId:guid}",
                async (Guid id, Guid siteId, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                {
                    var current = await store.LoadForUpdateAsync<Person>(http.Request, "person", id, Person.StreamId(id), ct);
                    return await PersonWrites.CommitAsync(http, store, db, time, current, OptOut(current.State, siteId), ct);
                })
            .RequireAuthorization(Policies.Staff)
            .WithSummary("The person leaves the duty rota of a site (If-Match required).")
            .ProducesUpdateProblems()
            .Produces<PersonResponse>();
    }
}
