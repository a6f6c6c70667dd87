using System.Reflection;
using Allmende.Eventing.Storage;

namespace Allmende.Eventing.Messaging;

/// <summary>Retry schedule of one handler: attempts in all, then a dead letter.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class RetryPolicyAttribute : Attribute
{
    public int MaxAttempts { get; init; } = 5;
    public int InitialDelayMilliseconds { get; init; } = 1_000;
    public int MaxDelayMilliseconds { get; init; } = 5 * 60_000;

    internal RetryPolicy ToPolicy() => new(MaxAttempts, TimeSpan.FromMilliseconds(InitialDelayMilliseconds), TimeSpan.FromMilliseconds(MaxDelayMilliseconds));
}

/// <summary>Attempts in all, then a dead letter; the delays double from the initial one up to the cap, with jitter (WolverineQueues).</summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan InitialDelay, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(5, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
}

/// <summary>One handler method for one message type.</summary>
public sealed record HandlerDescriptor(string Name, Type HandlerType, MethodInfo Method, Type MessageType, RetryPolicy Retry);

/// <summary>
/// Which handlers receive which message. Handlers are plain classes with a Handle/HandleAsync method
/// whose first parameter is the message; they are discovered per module assembly and created from
/// the container for each delivery.
/// </summary>
public sealed class MessageRouting
{
    private readonly Dictionary<Type, List<HandlerDescriptor>> _byMessage = [];
    private readonly Dictionary<string, HandlerDescriptor> _byName = new(StringComparer.Ordinal);

    public MessageRouting(IEnumerable<Assembly> assemblies, TypeRegistry types)
    {
        foreach (var descriptor in assemblies.Distinct().SelectMany(a => Discover(a, types)))
        {
            if (!_byMessage.TryGetValue(descriptor.MessageType, out var list))
                _byMessage[descriptor.MessageType] = list = [];
            list.Add(descriptor);
            _byName.Add(descriptor.Name, descriptor);
        }
    }

    public IReadOnlyList<HandlerDescriptor> HandlersFor(Type messageType) =>
        _byMessage.TryGetValue(messageType, out var list) ? list : [];

    public HandlerDescriptor? Find(string name) => _byName.GetValueOrDefault(name);

    public IEnumerable<HandlerDescriptor> All => _byName.Values;

    private static IEnumerable<HandlerDescriptor> Discover(Assembly assembly, TypeRegistry types)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            var methods = type.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(m => m.Name is "Handle" or "HandleAsync" && m.GetParameters().Length > 0);
            foreach (var method in methods)
            {
                var messageType = method.GetParameters()[0].ParameterType;
                if (!types.IsRegistered(messageType))
                    continue; // not a message handler (e.g. an HTTP endpoint's Handle)
                var retry = (method.GetCustomAttribute<RetryPolicyAttribute>() ?? type.GetCustomAttribute<RetryPolicyAttribute>())?.ToPolicy()
                    ?? RetryPolicy.Default;
                var name = $"{type.FullName}:{types.NameOf(messageType)}";
                yield return new HandlerDescriptor(name, type, method, messageType, retry);
            }
        }
    }
}
