using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// Brings an async projection up to what Marten's subscription has already passed, in short
/// transactions of one batch each: after a rebuild (position 0, while Marten's progress stays where it
/// was) and at a host's start (a projection stopped on a poison event is retried: after a fix and a
/// restart it resumes by itself). Beyond Marten's committed progress the subscription's own pages carry
/// on. Each transaction takes the checkpoint row <c>for update</c> first, as a page does, so the two
/// never apply the same events. Also the rest of a subscription page that spanned more than one batch
/// (the first page over a backlog): a page applies one batch and asks for the rest here once Marten has
/// committed it. Requests run in the background for the host's lifetime, each projection on its own
/// (one run at a time, and at most one more asked for meanwhile), so a long catch-up of one never holds
/// another back.
/// </summary>
public sealed class ProjectionCatchUp(
    NpgsqlDataSource dataSource,
    ProjectionSet projections,
    ProjectionPages pages,
    IOptions<EventingOptions> options,
    ILogger<ProjectionCatchUp> logger) : BackgroundService
{
    // Capacity one, later requests dropped: a request while one waits would only repeat it.
    private readonly Dictionary<string, Channel<bool>> _requests = projections.Async.ToDictionary(
        p => p.Name, _ => Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite }),
        StringComparer.Ordinal);

    // Per projection, the highest ceiling a subscription page has reported final (everything up to it
    // committed or never will be) that the page left for the catch-up; ahead of Marten's committed
    // progress while that page's transaction is still open.
    private readonly ConcurrentDictionary<string, long> _finalFromPages = new(StringComparer.Ordinal);

    /// <summary>Catches the named projection up in the background.</summary>
    public void Request(string projection)
    {
        if (_requests.TryGetValue(projection, out var requests))
            requests.Writer.TryWrite(true);
    }

    /// <summary>Catches the named projection up in the background, up to a ceiling known to be final.</summary>
    public void Request(string projection, long finalCeiling)
    {
        _finalFromPages.AddOrUpdate(projection, finalCeiling, (_, known) => Math.Max(known, finalCeiling));
        Request(projection);
    }

    /// <summary>
    /// Catches up now, to Marten's committed progress for the projection (or the ceiling of a page that left
    /// the rest to this, if higher); returns where it stands.
    /// </summary>
    public async Task<ProjectionPages.Outcome> CatchUpAsync(IProjection projection, CancellationToken ct)
    {
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var progress = new NpgsqlCommand(
                "select coalesce((select last_seq_id from marten.mt_event_progression where name = $1), 0)", connection, transaction);
            progress.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionSubscription.ProgressionName(projection.Name) });
            var final = Math.Max((long)(await progress.ExecuteScalarAsync(ct))!, _finalFromPages.GetValueOrDefault(projection.Name));
            var outcome = await pages.ApplyUpToAsync(projection, final, connection, transaction, oneChunk: true, ct);
            await transaction.CommitAsync(ct);
            if (outcome.Status == "stopped" || outcome.Position >= final)
                return outcome;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.RunProjections)
        {
            try
            {
                await using var retry = dataSource.CreateCommand("""
                    update eventing.projection_checkpoints set status = 'running', error = null, error_seq = null, error_event_type = null, updated_at = now()
                    where status = 'stopped' and projection = any($1)
                    """);
                retry.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = projections.Async.Select(p => p.Name).ToArray() });
                await retry.ExecuteNonQueryAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                // The database went away just after the start-up migration: a stopped projection stays
                // stopped until the next start or a rebuild; nothing else depends on this.
                logger.LogWarning(e, "Could not retry the projections stopped on a poison event");
            }
            foreach (var projection in projections.Async)
                Request(projection.Name);
        }

        await Task.WhenAll(projections.Async.Select(projection => ServeAsync(projection, stoppingToken)));
    }

    private async Task ServeAsync(IProjection projection, CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _requests[projection.Name].Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await CatchUpAsync(projection, stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    // Tried again after a pause (the subscription's next page would ask again too, but
                    // there may be none for a while).
                    logger.LogWarning(e, "Could not catch up projection {Projection}; trying again", projection.Name);
                    await Task.Delay(options.Value.PollInterval, stoppingToken);
                    Request(projection.Name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
