using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allmende.Eventing.Storage;

/// <summary>
/// The one set of serializer options for everything the store writes (events, messages) and the API
/// returns. Stored JSON must not change shape when someone tweaks API formatting, so both share it
/// deliberately and changes to it are changes to the stored format.
/// </summary>
public static class EventingJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            WriteIndented = false,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
