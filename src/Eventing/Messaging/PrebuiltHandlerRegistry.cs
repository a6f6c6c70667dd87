using Wolverine.Runtime.Handlers;

namespace Allmende.Eventing.Messaging;

/// <summary>
/// What Wolverine's <c>codegen write</c> would record for this application: no handler types and no message
/// types for it to discover. Our handlers sit on their queues as pre-built handlers (<see cref="WolverineQueues"/>)
/// and our message types are registered by name there. In <c>TypeLoadMode.Static</c> Wolverine looks for a
/// registry like this in the application assembly at every start; without one it warns ("no pre-generated
/// HandlerRegistry found") and scans the assembly for handlers and messages it would never use (issue 13 item 6).
/// Written by hand: there is nothing for <c>codegen write</c> to find, and the host does not run JasperFx's
/// command line (its verbs are ours, Cli).
/// </summary>
/// <remarks>Public because Wolverine looks for it among the assembly's exported types.</remarks>
public sealed class PrebuiltHandlerRegistry : HandlerRegistry
{
    public override Type[] HandlerTypes() => [];

    public override Type[] MessageTypes() => [];
}
