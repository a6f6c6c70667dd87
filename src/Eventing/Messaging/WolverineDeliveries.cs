using Allmende.Eventing.CritterStack;
using Allmende.Eventing.Notifications;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// Runs a handler for an envelope Wolverine took from a durable local queue, in one transaction with
/// the envelope's "handled": the handler's database effects happen exactly once even if Wolverine
/// runs the envelope again (a recovered node, a retry after a lost acknowledgement). The transaction
/// starts by marking the envelope handled, which locks its row: a second run of the same envelope
/// waits, then finds it handled and does nothing. Wolverine's own "mark handled" afterwards sees the
/// status and skips its write.
/// </summary>
internal sealed class WolverineDeliveries(
    NpgsqlDataSource dataSource,
    EventStore store,
    CommitSignals signals,
    IServiceScopeFactory scopes,
    IOptions<EventingOptions> options,
    EventingMetrics metrics,
    ILogger<WolverineDeliveries> logger)
{
    private static readonly string Claim = $"""
        update {CritterStackRegistration.WolverineSchema}.wolverine_incoming_envelopes
        set status = 'Handled', keep_until = $2
        where id = $1 and status <> 'Handled'
        """;

    public async Task DeliverAsync(HandlerDescriptor handler, object message, Wolverine.Runtime.MessageContext context, CancellationToken ct)
    {
        var envelope = context.Envelope ?? throw new InvalidOperationException("A Wolverine delivery needs its envelope.");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var claim = new NpgsqlCommand(Claim, connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = envelope.Id });
            claim.Parameters.Add(new NpgsqlParameter<DateTimeOffset>
            {
                TypedValue = DateTimeOffset.UtcNow + context.Runtime.Options.Durability.KeepAfterMessageHandling,
            });
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
            {
                await transaction.CommitAsync(ct);
                logger.LogDebug("Envelope {Envelope} for {Handler} was handled already", envelope.Id, handler.Name);
                return;
            }
        }

        var messageId = envelope.Headers.TryGetValue(WolverineOutbox.MessageIdHeader, out var id) && Guid.TryParse(id, out var parsed) ? parsed : envelope.Id;
        var metadata = new EventMetadata(
            envelope.Headers.GetValueOrDefault(WolverineOutbox.ActorHeader), envelope.CorrelationId, envelope.Headers.GetValueOrDefault(WolverineOutbox.CausationHeader));

        // Past the time limit the handler is cancelled while the transaction is still ours, and the
        // attempt fails like any other (Wolverine's retry policy counts it). So does an attempt whose
        // connection the server ended (a handler that ignored its token until idle_in_transaction ended
        // it): Wolverine counts attempts in the envelope, not in a row lock that went with the connection,
        // so such a handler still ends as a dead letter instead of retrying for ever.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(options.Value.HandlerTimeout);
        UnitOfWork work;
        try
        {
            try
            {
                work = await HandlerInvocation.InvokeAsync(handler, message, messageId, envelope.MessageType ?? handler.MessageType.Name,
                    metadata, envelope.Attempts, store, scopes, connection, transaction, limit.Token);
            }
            catch (Exception e) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"The handler did not finish within Eventing:HandlerTimeout ({options.Value.HandlerTimeout}).", e);
            }
            catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
            {
                // A handler that throws before its first await: its own exception, not reflection's wrapper.
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
            await transaction.CommitAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Failed(handler, envelope, e, broke: connection.State != System.Data.ConnectionState.Open);
            throw; // Wolverine's error handling: retry with cooldown, then the dead letter queue
        }
        envelope.Status = EnvelopeStatus.Handled;
        metrics.Delivered(handler.Name);
        await work.FlushAsync();
        signals.Committed(work.HasEvents);
    }

    /// <summary>Metrics and a log line per failed attempt, as our delivery worker (gone with step 3 (c)) kept them.</summary>
    private void Failed(HandlerDescriptor handler, Envelope envelope, Exception error, bool broke)
    {
        var what = broke ? "The connection broke during the delivery of" : "Delivery of";
        if (envelope.Attempts >= handler.Retry.MaxAttempts)
        {
            metrics.DeadLettered(handler.Name);
            logger.LogError(error, "{What} envelope {Envelope} ({MessageType}) to {Handler} failed {Attempts} times: dead letter",
                what, envelope.Id, envelope.MessageType, handler.Name, envelope.Attempts);
        }
        else if (error is ConcurrencyException conflict)
        {
            // Expected where deliveries write the same stream at once (seeding, bursts): the retry
            // reads afresh and succeeds. Worth a line, not a stack trace.
            metrics.Retried(handler.Name);
            logger.LogInformation("{What} envelope {Envelope} ({MessageType}) to {Handler} met a concurrent write to {Stream} (attempt {Attempt}); Wolverine retries it",
                what, envelope.Id, envelope.MessageType, handler.Name, conflict.StreamId, envelope.Attempts);
        }
        else
        {
            metrics.Retried(handler.Name);
            logger.LogWarning(error, "{What} envelope {Envelope} ({MessageType}) to {Handler} failed (attempt {Attempt}); Wolverine retries it",
                what, envelope.Id, envelope.MessageType, handler.Name, envelope.Attempts);
        }
    }
}
