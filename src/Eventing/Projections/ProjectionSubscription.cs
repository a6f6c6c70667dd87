using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Subscriptions;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// One async projection of ours as a Marten subscription (docs/adr/0015, step 4). Marten supplies the
/// order and finality of the pages (its high-water mark; everything up to a page's ceiling is
/// committed or never will be) and Wolverine which node runs it; the projection's code and its
/// checkpoint stay ours. The page itself does nothing: it enlists a transaction participant, which
/// runs in the very transaction in which Marten commits the subscription's progress, and applies
/// our events up to the page's ceiling there (<see cref="ProjectionPages"/>). So our writes, our
/// checkpoint and Marten's progress commit or roll back together. A page applies at most one batch
/// (<see cref="EventingOptions.ProjectionBatchSize"/>): a page that spans more (the first one over a
/// backlog) leaves the rest up to its ceiling, which is final, to <see cref="ProjectionCatchUp"/>, which
/// carries on in short transactions of one batch each.
/// </summary>
internal sealed class ProjectionSubscription : SubscriptionBase
{
    private readonly IProjection _projection;
    private readonly ProjectionPages _pages;
    private readonly ProjectionCatchUp _catchUp;

    public ProjectionSubscription(IProjection projection, ProjectionPages pages, ProjectionCatchUp catchUp)
    {
        _projection = projection;
        _pages = pages;
        _catchUp = catchUp;
        Name = projection.Name;
        // Marten loads each page's events before handing it over. We read ours with SQL, every type
        // as stored (the chain hashes types this host may not know), so let Marten load none: a type
        // never appended. An empty page still spans up to the high-water mark.
        IncludeType<NeverAppended>();
    }

    /// <summary>The name of the subscription's row in <c>mt_event_progression</c>.</summary>
    public static string ProgressionName(string projection) => ShardName.Compose(projection).Identity;

    public override Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        CancellationToken cancellationToken)
    {
        ((ITransactionParticipantRegistrar)operations).AddTransactionParticipant(new Page(_projection, _pages, _catchUp, page.SequenceCeiling));
        return Task.FromResult(NullChangeListener.Instance);
    }

    private sealed class Page(IProjection projection, ProjectionPages pages, ProjectionCatchUp catchUp, long ceiling) : ITransactionParticipant
    {
        // May run more than once for one page (Marten retries a failed commit on a fresh
        // transaction): each run reads the checkpoint again in its own transaction.
        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            var outcome = await pages.ApplyUpToAsync(projection, ceiling, connection, transaction, oneChunk: true, token);
            // The rest up to the ceiling, which is final whether or not this transaction commits. The
            // catch-up's first transaction waits on the checkpoint row until this one has ended.
            if (outcome.Status != "stopped" && outcome.Position < ceiling)
                catchUp.Request(projection.Name, ceiling);
        }
    }
}

/// <summary>An event type registered with Marten that nothing ever appends (see <see cref="ProjectionSubscription"/>).</summary>
internal sealed record NeverAppended
{
    public const string TypeName = "eventing.never-appended";
}
