using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Http;

namespace Allmende.Funding.Common;

/// <summary>The steps every update endpoint of the module takes, in the same order.</summary>
internal static class Writes
{
    public static TState Fold<TState>(this TState state, IEnumerable<object> events) where TState : IEventSourced<TState> =>
        events.Aggregate(state, (s, e) => TState.Evolve(s, e));

    /// <summary>The stream as the client last read it: 428 without If-Match, 404 if unknown, 409 if it changed since.</summary>
    public static async Task<StreamState<TState>> LoadForUpdateAsync<TState>(this EventStore store, HttpRequest request,
        string what, Guid id, string streamId, CancellationToken ct)
        where TState : IEventSourced<TState>
    {
        var expected = request.ExpectedVersion();
        var current = await store.LoadAsync<TState>(streamId, ct: ct) ?? throw new NotFoundException(what, id);
        if (current.Version != expected)
            throw new ConcurrencyException(streamId, expected, current.Version);
        return current;
    }

    /// <summary>Appends a decision's events after the version the client read; sets the ETag. Nothing to write keeps the version.</summary>
    public static async Task<long> AppendAsync<TState>(this EventStore store, HttpContext http, StreamState<TState> current,
        IReadOnlyList<object> events, CancellationToken ct)
        where TState : IEventSourced<TState>
    {
        var version = current.Version;
        if (events.Count > 0)
        {
            var uow = store.Begin(http.EventMetadata());
            uow.Append(current.StreamId, current.Version, events);
            version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        }
        http.Response.SetETag(version);
        return version;
    }
}
