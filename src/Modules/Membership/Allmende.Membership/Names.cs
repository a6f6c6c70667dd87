using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allmende.Membership;

/// <summary>
/// The stable spelling of the module's enums, as in events, contracts and JSON ("public-body",
/// "civil-society"): the <see cref="JsonStringEnumMemberNameAttribute"/> where set, else camelCase.
/// Requests carry these as strings, so that a validator can name a wrong one as a 400.
/// </summary>
internal static class Names
{
    public static string Of<T>(T value) where T : struct, Enum => Cache<T>.ToName[value];

    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum =>
        Cache<T>.FromName.TryGetValue(name ?? "", out value);

    public static T Parse<T>(string name) where T : struct, Enum =>
        TryParse<T>(name, out var value) ? value : throw new ArgumentException($"'{name}' is not a {typeof(T).Name}.", nameof(name));

    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Cache<T>.All;

    /// <summary>"one of a, b, c", for validation messages.</summary>
    public static string OneOf<T>() where T : struct, Enum => "one of " + string.Join(", ", All<T>());

    private static class Cache<T> where T : struct, Enum
    {
        public static readonly Dictionary<T, string> ToName = typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
            .ToDictionary(f => (T)f.GetValue(null)!,
                f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(f.Name));

        public static readonly Dictionary<string, T> FromName = ToName.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

        public static readonly IReadOnlyList<string> All = [.. ToName.Values];
    }
}
