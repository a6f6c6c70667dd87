using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Allmende.Eventing.Streams;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// One inline projection of ours as a Marten inline projection (docs/adr/0015, issue 13 item 1): Marten
/// runs it for every session that appends, in the order the modules registered them. Marten calls it
/// before the append's batch, when a quick append's events have neither sequence numbers nor (for an
/// append without an expected version) versions yet; our projections need both (idempotence by
/// <c>last_seq</c>, the reports' temporal tables). So it writes nothing here: it hands its events to the
/// session's <see cref="InlineWrites"/>, which applies them after the batch, in the same transaction.
/// </summary>
internal sealed class InlineProjection(IProjection projection) : Marten.Events.Projections.IProjection
{
    public IProjection Projection => projection;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var relevant = events.Where(e => projection.EventTypes.Contains(e.Data.GetType())).ToList();
        if (relevant.Count > 0)
            InlineWrites.Of(operations).Add(projection, relevant);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The inline projections' writes of one session: a transaction participant, which Marten runs on the
/// session's connection and transaction after the append's batch has read back every event's sequence
/// number and version (<c>QuickAppendEventsOperationBase.PostprocessAsync</c>) and before it commits (it
/// commits nothing on our transaction: the unit of work does). One per session, so that the projections
/// run in their registered order (the slot guard first) and stop at the first that fails.
/// </summary>
/// <remarks>
/// A failure is kept, not thrown to Marten, and the unit of work throws it as it was once
/// <c>SaveChangesAsync</c> has returned (<see cref="ThrowIfFailed"/>): thrown inside Marten, the slot
/// guard's 23P01 or 23505 would reach the modules wrapped in a <c>MartenCommandException</c>, a deadlock
/// would be retried into the aborted transaction, and Marten would write tombstone events over the
/// sequence numbers of the rolled-back unit's events after every 409 (eventing migration 8 keeps them out
/// of the log; InlineParticipantTests and ParticipantTombstoneTests show all three). The transaction it
/// leaves is aborted or at least uncommitted; the unit of work disposes it, so nothing of the unit is written.
/// </remarks>
internal sealed class InlineWrites : ITransactionParticipant
{
    private static readonly ConditionalWeakTable<IDocumentOperations, InlineWrites> Sessions = new();

    private readonly List<(IProjection Projection, IReadOnlyList<IEvent> Events)> _pending = [];
    private ExceptionDispatchInfo? _failure;

    /// <summary>The session's writes, enlisted with it the first time a projection has events for it.</summary>
    public static InlineWrites Of(IDocumentOperations session) =>
        Sessions.GetValue(session, s =>
        {
            var writes = new InlineWrites();
            ((ITransactionParticipantRegistrar)s).AddTransactionParticipant(writes);
            return writes;
        });

    /// <summary>After <c>SaveChangesAsync</c>: what an inline projection threw, as it threw it.</summary>
    public static void ThrowIfFailed(IDocumentOperations session)
    {
        if (Sessions.TryGetValue(session, out var writes))
            writes._failure?.Throw();
    }

    public void Add(IProjection projection, IReadOnlyList<IEvent> events) => _pending.Add((projection, events));

    public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
    {
        var context = new ProjectionContext(connection, transaction);
        try
        {
            foreach (var (projection, events) in _pending)
            {
                // In the log's order: Marten hands them over stream by stream.
                await projection.ApplyAsync([.. events.Select(Stored).OrderBy(e => e.Sequence)], context, token);
            }
        }
        catch (Exception e)
        {
            _failure = ExceptionDispatchInfo.Capture(e);
        }
        finally
        {
            // It stays enlisted for the session's life: a second save brings only its own events.
            _pending.Clear();
        }
    }

    /// <summary>An event Marten has appended, as our projections and the unit of work's callers see it.</summary>
    public static StoredEvent Stored(IEvent e) =>
        new(e.Sequence, e.Id, e.StreamKey!, e.Version, e.EventTypeName, e.Data, e.Timestamp,
            new EventMetadata(e.UserName, e.CorrelationId, e.CausationId));
}
