using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// Runs one module handler for one message inside a transaction the caller owns and commits (a
/// Wolverine delivery's, WolverineDeliveries). The handler keeps its plain signature (the message,
/// then any of <see cref="MessageContext"/>, <see cref="UnitOfWork"/>, a token or services).
/// </summary>
internal static class HandlerInvocation
{
    public static async Task<UnitOfWork> InvokeAsync(HandlerDescriptor handler, object message, Guid messageId, string messageType,
        EventMetadata metadata, int attempt, EventStore store, IServiceScopeFactory scopes,
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        var work = store.Begin(metadata with { CausationId = messageId.ToString() }, connection, transaction);
        var context = new MessageContext(messageId, messageType, metadata, attempt, work, new ProjectionContext(connection, transaction));

        await using var scope = scopes.CreateAsyncScope();
        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, handler.HandlerType);
        var arguments = handler.Method.GetParameters().Select(p => p.ParameterType switch
        {
            _ when p.Position == 0 => message,
            var t when t == typeof(MessageContext) => context,
            var t when t == typeof(UnitOfWork) => work,
            var t when t == typeof(CancellationToken) => ct,
            var t => scope.ServiceProvider.GetRequiredService(t),
        }).ToArray();

        var result = handler.Method.Invoke(instance, arguments);
        if (result is Task task)
            await task;
        else if (result is ValueTask valueTask)
            await valueTask;

        if (work.HasChanges && !work.IsCommitted)
            await work.CommitAsync(ct);
        return work;
    }
}
