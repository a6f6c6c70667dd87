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
/// never apply the same events. Requests run in the background for the host's lifetime.
/// </summary>
public sealed class ProjectionCatchUp(
    NpgsqlDataSource dataSource,
    ProjectionSet projections,
    ProjectionPages pages,
    IOptions<EventingOptions> options,
    ILogger<ProjectionCatchUp> logger) : BackgroundService
{
    private readonly Channel<string> _requests = Channel.CreateUnbounded<string>();

    /// <summary>Catches the named projection up in the background.</summary>
    public void Request(string projection) => _requests.Writer.TryWrite(projection);

    /// <summary>Catches up now, to Marten's committed progress for the projection; returns where it stands.</summary>
    public async Task<ProjectionPages.Outcome> CatchUpAsync(IProjection projection, CancellationToken ct)
    {
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var progress = new NpgsqlCommand(
                "select coalesce((select last_seq_id from marten.mt_event_progression where name = $1), 0)", connection, transaction);
            progress.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ProjectionSubscription.ProgressionName(projection.Name) });
            var final = (long)(await progress.ExecuteScalarAsync(ct))!;
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

        try
        {
            await foreach (var name in _requests.Reader.ReadAllAsync(stoppingToken))
            {
                if (projections.Find(name) is not { } projection)
                    continue;
                try
                {
                    await CatchUpAsync(projection, stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException && !stoppingToken.IsCancellationRequested)
                {
                    // The subscription's next page picks up from wherever this got to.
                    logger.LogWarning(e, "Could not catch up projection {Projection}; its subscription carries on", name);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
