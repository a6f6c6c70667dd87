using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Allmende.Eventing.Storage;

/// <summary>
/// Maps the CLR types of stored events and messages to stable names, so that renaming or moving a
/// class never orphans what is already in the log. Upcasters turn an old stored shape into the
/// current one on read; the log itself is never rewritten.
/// </summary>
public sealed class TypeRegistry
{
    private readonly ConcurrentDictionary<string, Type> _byName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Type, string> _byType = new();
    private readonly ConcurrentDictionary<string, Upcaster> _upcasters = new(StringComparer.Ordinal);

    private sealed record Upcaster(string TargetName, Func<JsonObject, JsonObject> Transform);

    public TypeRegistry Register<T>(string name) => Register(typeof(T), name);

    public TypeRegistry Register(Type type, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_byName.TryGetValue(name, out var existing) && existing != type)
            throw new InvalidOperationException($"The stored type name '{name}' is already taken by {existing.FullName}.");
        if (_byType.TryGetValue(type, out var existingName) && existingName != name)
            throw new InvalidOperationException($"{type.FullName} is already registered as '{existingName}'.");
        if (_upcasters.ContainsKey(name))
            throw new InvalidOperationException($"'{name}' is an upcasted (old) name and cannot name a current type.");
        _byName[name] = type;
        _byType[type] = name;
        return this;
    }

    /// <summary>
    /// Reads events stored under <paramref name="oldName"/> as <paramref name="newName"/>, reshaping
    /// their JSON on the way. Upcasters chain: old → newer → current.
    /// </summary>
    public TypeRegistry Upcast(string oldName, string newName, Func<JsonObject, JsonObject>? transform = null)
    {
        if (_byName.ContainsKey(oldName))
            throw new InvalidOperationException($"'{oldName}' names a current type; register the upcaster under a retired name.");
        _upcasters[oldName] = new Upcaster(newName, transform ?? (json => json));
        return this;
    }

    public bool IsRegistered(Type type) => _byType.ContainsKey(type);

    public IEnumerable<Type> RegisteredTypes => _byType.Keys;

    public string NameOf(Type type) =>
        _byType.TryGetValue(type, out var name)
            ? name
            : throw new UnknownTypeException($"{type.FullName} has no stored type name. Register it with TypeRegistry.Register.");

    public Type TypeOf(string name) => Resolve(name).Type;

    public string Serialize(object value) => JsonSerializer.Serialize(value, value.GetType(), EventingJson.Options);

    public object Deserialize(string name, string json)
    {
        var (type, upcasts) = Resolve(name);
        if (upcasts.Count == 0)
            return JsonSerializer.Deserialize(json, type, EventingJson.Options)
                ?? throw new InvalidOperationException($"Stored '{name}' deserialized to null.");

        var node = JsonNode.Parse(json)?.AsObject()
            ?? throw new InvalidOperationException($"Stored '{name}' is not a JSON object.");
        foreach (var upcast in upcasts)
            node = upcast(node);
        return node.Deserialize(type, EventingJson.Options)
            ?? throw new InvalidOperationException($"Upcasted '{name}' deserialized to null.");
    }

    private (Type Type, List<Func<JsonObject, JsonObject>> Upcasts) Resolve(string name)
    {
        var upcasts = new List<Func<JsonObject, JsonObject>>();
        var current = name;
        while (_upcasters.TryGetValue(current, out var upcaster))
        {
            upcasts.Add(upcaster.Transform);
            current = upcaster.TargetName;
            if (upcasts.Count > 64)
                throw new InvalidOperationException($"The upcasters from '{name}' form a cycle.");
        }
        return _byName.TryGetValue(current, out var type)
            ? (type, upcasts)
            : throw new UnknownTypeException($"No type is registered for the stored name '{name}'.");
    }
}

public sealed class UnknownTypeException(string message) : Exception(message);
