using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// One durable local queue per (message type, handler) that Wolverine carries, with our handler on
/// it as a pre-built handler: a failing handler retries and dead-letters on its own queue and holds
/// no other handler back (ADR 6's "a delivery per handler"). Pre-built, so Wolverine generates and
/// compiles no code for it (issue 13 item 6). Applied when Wolverine's runtime is built, once the
/// modules have registered their types and handlers.
/// </summary>
internal sealed partial class WolverineQueues(MessageRouting routing, IOptions<EventingOptions> options, IServiceProvider services) : IWolverineExtension
{
    public void Configure(WolverineOptions wolverine)
    {
        var settings = options.Value;
        // Every message travels on Wolverine (ADR 15, step 3 (c)); a type nobody handles has no queue.
        foreach (var type in routing.All.Select(h => h.MessageType).Distinct())
        {
            // Our stable name, not the CLR name, is what the stored envelope says it holds.
            wolverine.RegisterMessageType(type, settings.Types.NameOf(type));
            foreach (var handler in routing.HandlersFor(type))
            {
                var queue = QueueName(handler);
                var delivery = (IMessageHandler)Activator.CreateInstance(typeof(WolverineDelivery<>).MakeGenericType(type), handler, services)!;
                wolverine.LocalQueue(queue).UseDurableInbox().AddStickyHandler(type, delivery);
                wolverine.Publish(rule => rule.Message(type).ToLocalQueue(queue));
            }
        }
    }

    /// <summary>Every queue a message may have been scheduled on (for cancellations).</summary>
    public IReadOnlyList<Uri> AllQueues() =>
        routing.All.Select(h => new Uri($"local://{QueueName(h)}")).ToList();

    internal static string QueueName(HandlerDescriptor handler) => Unsafe().Replace(handler.Name.ToLowerInvariant(), "-");

    [GeneratedRegex("[^a-z0-9.-]+")]
    private static partial Regex Unsafe();
}

/// <summary>Our handler on its Wolverine queue, with its retry policy as Wolverine's error handling.</summary>
internal sealed class WolverineDelivery<T>(HandlerDescriptor handler, IServiceProvider services) : MessageHandler<T>
{
    public override void ConfigureChain(HandlerChain chain)
    {
        // Attempts in all, like our [RetryPolicy]: exponential backoff, capped, with jitter so that
        // handlers failing together (a database blip) do not retry in lockstep; then a dead letter.
        var retry = handler.Retry;
        var delays = Enumerable.Range(1, Math.Max(0, retry.MaxAttempts - 1))
            .Select(attempt => TimeSpan.FromMilliseconds(Math.Min(
                retry.InitialDelay.TotalMilliseconds * Math.Pow(2, attempt - 1), retry.MaxDelay.TotalMilliseconds)))
            .ToArray();
        if (delays.Length > 0)
            chain.OnAnyException().RetryWithCooldown(delays).WithBoundedJitter(0.5).Then.MoveToErrorQueue();
        else
            chain.OnAnyException().MoveToErrorQueue();
    }

    protected override Task HandleAsync(T message, Wolverine.Runtime.MessageContext context, CancellationToken cancellation) =>
        services.GetRequiredService<WolverineDeliveries>().DeliverAsync(handler, message!, context, cancellation);
}
