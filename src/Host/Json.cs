using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Allmende.Host;

/// <summary>
/// An instant without an offset would be read in the server's time zone: the same request would
/// mean another hour on another machine. So the API takes instants only with "Z" or an offset.
/// </summary>
internal sealed class ExplicitOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("An instant is required.");
        var hasOffset = text.EndsWith('Z') || text.EndsWith('z')
            || (text.Length > 6 && text[^6] is '+' or '-' && text[^3] == ':');
        if (!hasOffset || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
            throw new JsonException($"'{text}' is not an instant with an offset: write e.g. 2026-03-29T01:00:00+01:00 or 2026-03-29T00:00:00Z.");
        return value;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString("O", CultureInfo.InvariantCulture));
}
