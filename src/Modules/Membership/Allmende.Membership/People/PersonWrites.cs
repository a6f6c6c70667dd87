using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.People.Read;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Allmende.Membership.People;

/// <summary>
/// The end of every person command: append after the version the client read, publish the contracts
/// in the same transaction (never with personal data), answer with the read model.
/// </summary>
internal static class PersonWrites
{
    public static async Task<IResult> CommitAsync(HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        StreamState<Person> current, IReadOnlyList<object> events, CancellationToken ct, Action<UnitOfWork>? alsoInTransaction = null)
    {
        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, events);
        Publish(uow, events, current.Version, time.GetUtcNow());
        alsoInTransaction?.Invoke(uow);
        var stored = await uow.CommitAsync(ct);
        http.Response.SetETag(stored[^1].StreamVersion);
        return TypedResults.Ok(await PeopleQueries.FindAsync(db, current.State.Id, null, ct));
    }

    /// <param name="versionBefore">The stream's version before these events: each contract carries its event's version.</param>
    public static void Publish(UnitOfWork uow, IEnumerable<object> events, long versionBefore, DateTimeOffset now)
    {
        var version = versionBefore;
        foreach (var e in events)
        {
            version++;
            if (Contract(e, version, now) is { } contract)
                uow.Publish(contract);
        }
    }

    /// <summary>What other modules learn of a person's event: ids and facts, never personal data.</summary>
    public static object? Contract(object e, long version, DateTimeOffset now) => e switch
    {
        PersonStartedActing s => new Contracts.PersonActsForOrganisation(s.PersonId, s.OrganisationId, Names.Of(s.Role), version),
        PersonStoppedActing s => new Contracts.PersonStoppedActingForOrganisation(s.PersonId, s.OrganisationId, version),
        MembershipPlanAssigned p => new Contracts.MembershipPlanChanged(p.PersonId, p.OrganisationId, Names.Of(p.Plan), p.ValidFrom, p.ValidUntil),
        MembershipPlanEnded p => new Contracts.MembershipPlanChanged(p.PersonId, p.OrganisationId, Names.Of(p.Plan), p.ValidFrom, p.ValidUntil),
        DutyRotaJoined d => new Contracts.PersonJoinedDutyRota(d.PersonId, d.SiteId),
        DutyRotaLeft d => new Contracts.PersonLeftDutyRota(d.PersonId, d.SiteId),
        PersonForgotten f => new Contracts.PersonForgotten(f.PersonId, now, version),
        NeedsSurveyAnswered a => new Contracts.CommuteSurveyAnswered(a.PersonId, a.OneWayKm, Names.Of(a.Means), a.CommutingDaysPerWeek, version),
        _ => null, // PersonRegistered, PersonalDataChanged: personal data; trials: nothing another module needs
    };
}

/// <summary>The refusals shared by several person decisions.</summary>
internal static class PersonRules
{
    public static DomainException Forgotten(Person person) =>
        new("person-forgotten", $"Person {person.Id} was forgotten; their record only keeps figures and cannot change.");
}
