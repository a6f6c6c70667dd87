using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Http;

namespace Allmende.Eventing.Api;

/// <summary>The steps an update endpoint takes around its pure decision: load what the client read, append after it.</summary>
public static class Updates
{
    /// <summary>
    /// The stream as the client last read it: 428 without If-Match, 404 if there is no such stream,
    /// 409 if it changed since (even if the command would change nothing or be refused). Decisions
    /// then run on exactly the state the client saw.
    /// </summary>
    public static async Task<StreamState<TState>> LoadForUpdateAsync<TState>(this EventStore store, HttpRequest request,
        string what, Guid id, string streamId, CancellationToken ct)
        where TState : IEventSourced<TState>
    {
        var expected = request.ExpectedVersion();
        var current = await store.LoadAsync<TState>(streamId, ct: ct) ?? throw new NotFoundException(what, id);
        return current.Version == expected ? current : throw new ConcurrencyException(streamId, expected, current.Version);
    }

    /// <summary>Appends a decision's events after the version the client read; sets the ETag. Nothing to write keeps the version.</summary>
    public static Task<long> AppendAsync<TState>(this EventStore store, HttpContext http, StreamState<TState> current,
        IReadOnlyList<object> events, CancellationToken ct)
        where TState : IEventSourced<TState> =>
        store.AppendAsync(http, current, events, [], ct);

    /// <summary>
    /// Appends a decision's events after the version the client read and publishes the contracts in the
    /// same transaction; sets the ETag of the new version. A decision that changes nothing writes
    /// nothing (publishes nothing either) and keeps the version.
    /// </summary>
    public static async Task<long> AppendAsync<TState>(this EventStore store, HttpContext http, StreamState<TState> current,
        IReadOnlyList<object> events, IEnumerable<object> publish, CancellationToken ct)
        where TState : IEventSourced<TState>
    {
        var version = current.Version;
        if (events.Count > 0)
        {
            var uow = store.Begin(http.EventMetadata());
            uow.Append(current.StreamId, current.Version, events);
            foreach (var message in publish)
                uow.Publish(message);
            version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        }
        http.Response.SetETag(version);
        return version;
    }
}
