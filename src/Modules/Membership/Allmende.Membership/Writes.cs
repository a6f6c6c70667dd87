using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NodaTime;

namespace Allmende.Membership;

/// <summary>What every update endpoint of the module does before it decides.</summary>
internal static class Writes
{
    /// <summary>
    /// The stream as the client last read it: 428 without If-Match, 404 if unknown, 409 if someone
    /// wrote since. Decisions then run on exactly the state the client saw.
    /// </summary>
    public static async Task<StreamState<TState>> LoadForUpdateAsync<TState>(this EventStore store, HttpRequest request, string what, Guid id,
        string streamId, CancellationToken ct)
        where TState : IEventSourced<TState>
    {
        var expected = request.ExpectedVersion();
        var loaded = await store.LoadAsync<TState>(streamId, ct: ct) ?? throw new NotFoundException(what, id);
        return loaded.Version == expected ? loaded : throw new ConcurrencyException(streamId, expected, loaded.Version);
    }

    /// <summary>The problems every update can answer: unknown id, refused or stale (409), no If-Match (428).</summary>
    public static RouteHandlerBuilder ProducesUpdateProblems(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);

    private static readonly DateTimeZone Berlin = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    /// <summary>Today's date where the spaces are (Europe/Berlin), for rules about calendar dates.</summary>
    public static DateOnly TodayInBerlin(this TimeProvider time) =>
        Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(Berlin).Date.ToDateOnly();
}
