using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;

namespace Allmende.Tests.Audit;

/// <summary>
/// The chain of docs/adr/0013 written a second time, from the ADR's words and without the
/// production code (for the values the tests store), to prove the projection does what the ADR
/// promises a funder's IT.
/// </summary>
internal static class IndependentChain
{
    public sealed record Entry(long Seq, long Position, string Hash);

    public static async Task<List<Entry>> RecomputeAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("""
            select seq_id, id, stream_id, version, type, timestamp, user_name, correlation_id, causation_id, data::text
            from marten.mt_events order by seq_id
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var previous = new byte[32];
        var entries = new List<Entry>();
        while (await reader.ReadAsync())
        {
            using var bytes = new MemoryStream();
            Text(bytes, "allmende-event/1");
            Int64(bytes, reader.GetInt64(0));
            bytes.Write(reader.GetGuid(1).ToByteArray(bigEndian: true));
            Text(bytes, reader.GetString(2));
            Int64(bytes, reader.GetInt64(3));
            Text(bytes, reader.GetString(4));
            Int64(bytes, (reader.GetFieldValue<DateTimeOffset>(5) - DateTimeOffset.UnixEpoch).Ticks / 10);
            for (var i = 6; i <= 8; i++)
            {
                if (reader.IsDBNull(i))
                {
                    bytes.WriteByte(0);
                }
                else
                {
                    bytes.WriteByte(1);
                    Text(bytes, reader.GetString(i));
                }
            }
            Text(bytes, Json(JsonNode.Parse(reader.GetString(9))));
            var digest = SHA256.HashData(bytes.ToArray());
            previous = SHA256.HashData([.. previous, .. digest]);
            entries.Add(new Entry(reader.GetInt64(0), entries.Count + 1, Convert.ToHexStringLower(previous)));
        }
        return entries;
    }

    private static void Int64(Stream s, long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        s.Write(b);
    }

    private static void Text(Stream s, string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)utf8.Length);
        s.Write(length);
        s.Write(utf8);
    }

    private static string Json(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Quote(p.Key) + ":" + Json(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Json)) + "]",
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String => Quote(v.GetValue<string>()),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => Number(v.ToJsonString()),
        JsonValue v => v.ToJsonString(), // true, false
        _ => throw new InvalidOperationException(),
    };

    /// <summary>By decimal value: dividing by 1.000… drops trailing zeros (1.50 → 1.5), and decimal has no -0.</summary>
    private static string Number(string literal) =>
        (decimal.Parse(literal, NumberStyles.Float, CultureInfo.InvariantCulture) / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);

    private static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var c in value)
        {
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\b' => "\\b",
                '\f' => "\\f",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return text.Append('"').ToString();
    }
}
