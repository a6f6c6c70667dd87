using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allmende.Spaces.Common;

/// <summary>What a space is; the codes are stable (events, contracts, JSON).</summary>
internal enum SpaceKind
{
    /// <summary>"room": a room booked by the hour (seminar, meeting, coaching, creative room …).</summary>
    Room,

    /// <summary>"event-hall": a large room for assemblies and events, often with a stage.</summary>
    [JsonStringEnumMemberName("event-hall")] EventHall,

    /// <summary>"fixed-desk": one desk kept for one person or organisation, usually by the month.</summary>
    [JsonStringEnumMemberName("fixed-desk")] FixedDesk,

    /// <summary>"flexible-desk-area": an area with a number of desk places, taken first come, first served.</summary>
    [JsonStringEnumMemberName("flexible-desk-area")] FlexibleDeskArea,

    /// <summary>"workshop-slot": a workshop booked by one person at a time.</summary>
    [JsonStringEnumMemberName("workshop-slot")] WorkshopSlot,

    /// <summary>"not-bookable": part of a site that is never booked (kitchen, toilets, foyer).</summary>
    [JsonStringEnumMemberName("not-bookable")] NotBookable,
}

/// <summary>Kinds of organisation, spelt as Membership spells them.</summary>
internal enum OrganisationKind
{
    Initiative,
    Association,
    [JsonStringEnumMemberName("social-enterprise")] SocialEnterprise,
    Cooperative,
    Company,
    [JsonStringEnumMemberName("public-body")] PublicBody,
}

/// <summary>
/// The fixed list of accessibility facts a space can have. Add codes at the end; never rename one.
/// </summary>
internal enum AccessibilityFeature
{
    /// <summary>"step-free-access": entrance and space reachable without steps (level, ramp or lift).</summary>
    [JsonStringEnumMemberName("step-free-access")] StepFreeAccess,

    /// <summary>"lift": a lift serves the space's floor.</summary>
    Lift,

    /// <summary>"wide-doors": doorways on the way at least 90 cm wide.</summary>
    [JsonStringEnumMemberName("wide-doors")] WideDoors,

    /// <summary>"accessible-toilet": a wheelchair-accessible toilet on the same site.</summary>
    [JsonStringEnumMemberName("accessible-toilet")] AccessibleToilet,

    /// <summary>"hearing-loop": an induction loop for hearing aids.</summary>
    [JsonStringEnumMemberName("hearing-loop")] HearingLoop,

    /// <summary>"accessible-parking": a disabled parking space at the site.</summary>
    [JsonStringEnumMemberName("accessible-parking")] AccessibleParking,

    /// <summary>"tactile-guidance": tactile floor guidance and signs in braille or raised letters.</summary>
    [JsonStringEnumMemberName("tactile-guidance")] TactileGuidance,

    /// <summary>"height-adjustable-tables": tables usable from a wheelchair.</summary>
    [JsonStringEnumMemberName("height-adjustable-tables")] HeightAdjustableTables,
}

/// <summary>
/// The stable spelling of the module's enums ("event-hall", "public-body"): the
/// <see cref="JsonStringEnumMemberNameAttribute"/> where set, else camelCase. Requests carry codes as
/// strings so that a validator can name a wrong one as a 400.
/// </summary>
internal static class Codes
{
    public static string Of<T>(T value) where T : struct, Enum => Cache<T>.ToName[value];

    public static bool TryParse<T>(string? name, out T value) where T : struct, Enum =>
        Cache<T>.FromName.TryGetValue(name ?? "", out value);

    public static T Parse<T>(string name) where T : struct, Enum =>
        TryParse<T>(name, out var value) ? value : throw new ArgumentException($"'{name}' is not a {typeof(T).Name}.", nameof(name));

    public static bool IsValid<T>(string? name) where T : struct, Enum => TryParse<T>(name, out _);

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
