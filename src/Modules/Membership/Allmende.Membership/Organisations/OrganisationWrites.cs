using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations.Read;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Allmende.Membership.Organisations;

/// <summary>
/// The end of every organisation command: append the decided events after the version the client
/// read, publish what they mean to other modules in the same transaction, answer with the read model.
/// </summary>
internal static class OrganisationWrites
{
    public static async Task<IResult> CommitAsync(HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        StreamState<Organisation> current, IReadOnlyList<object> events, CancellationToken ct)
    {
        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, events);
        Publish(uow, current.State, events, time.GetUtcNow());
        var stored = await uow.CommitAsync(ct);
        http.Response.SetETag(stored[^1].StreamVersion);
        return TypedResults.Ok(await OrganisationQueries.FindAsync(db, current.State.Id, ct));
    }

    public static void Publish(UnitOfWork uow, Organisation before, IEnumerable<object> events, DateTimeOffset now)
    {
        var state = before;
        foreach (var e in events)
        {
            state = Organisation.Evolve(state, e);
            if (Contract(state, e, now) is { } contract)
                uow.Publish(contract);
        }
    }

    /// <summary>What other modules learn of an event, given the state after it; null if nothing.</summary>
    public static object? Contract(Organisation after, object e, DateTimeOffset now) => e switch
    {
        OrganisationDetailsChanged => new Contracts.OrganisationChanged(after.Id, after.Details.Name, Names.Of(after.Details.Kind), after.Details.NonProfit, now),
        OrganisationActivated or OrganisationReactivated =>
            new Contracts.OrganisationActivated(after.Id, after.Details.Name, Names.Of(after.Details.Kind), after.Details.NonProfit, now),
        OrganisationSuspended s => new Contracts.OrganisationSuspended(after.Id, s.Reason, now),
        OrganisationEnded x => new Contracts.OrganisationEnded(after.Id, x.Reason, now),
        CooperativeSharesSubscribed s => new Contracts.CooperativeSharesSubscribed(after.Id, s.Shares, s.CentsPerShare, now),
        CooperativeSharePaymentRecorded p => new Contracts.CooperativeSharePaymentRecorded(after.Id, p.PaidOn, p.AmountCents, after.PaidCents, after.SubscribedCents),
        _ => null,
    };
}
