// This file is compiled into the event store AND into the offline verifier (src/Verifier links it):
// the projection that keeps the chain and the funder's verifier hash with the same code. It needs
// nothing but the .NET base library. The format is described in docs/adr/0013-tamper-evidence.md.
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Allmende.Eventing.Audit;

/// <summary>An event of the log with everything the chain covers; <see cref="Data"/> as stored (any JSON value).</summary>
internal sealed record AuditEvent(
    long Seq,
    Guid EventId,
    string StreamId,
    long StreamVersion,
    string EventType,
    DateTimeOffset RecordedAt,
    string? Actor,
    string? CorrelationId,
    string? CausationId,
    JsonElement Data);

/// <summary>
/// The hash chain: digest(e) = SHA-256(canonical(e)); entry(n) = SHA-256(entry(n-1) ‖ digest(e_n)),
/// entry before the first event = 32 zero bytes. Chaining digests (not the canonical bytes
/// themselves) lets an export replace an event the reader may not see by its digest and still be
/// recomputed across it.
/// </summary>
internal static class AuditChain
{
    /// <summary>Names this canonical form in exports; a change to it is a new version, never an edit.</summary>
    public const string CanonicalVersion = "allmende-event/1";

    public const int HashSize = 32;

    /// <summary>The entry before the first event.</summary>
    public static byte[] Genesis => new byte[HashSize];

    /// <summary>Numbers longer than this (in canonical digits) are refused: PostgreSQL's numeric stops well below.</summary>
    private const int MaxNumberLength = 200_000;

    /// <summary>Refuses text that is not valid Unicode instead of silently replacing it.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly DateTimeOffset UnixEpoch = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static byte[] Digest(AuditEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        WriteCanonical(e, buffer);
        return SHA256.HashData(buffer.WrittenSpan);
    }

    public static byte[] Link(ReadOnlySpan<byte> previous, ReadOnlySpan<byte> digest)
    {
        Span<byte> both = stackalloc byte[HashSize * 2];
        previous.CopyTo(both);
        digest.CopyTo(both[HashSize..]);
        return SHA256.HashData(both);
    }

    /// <summary>
    /// canonical(e), field by field: the tag "allmende-event/1"; seq; event id (16 bytes, RFC 4122
    /// order); stream id; stream version; type name; recorded_at as microseconds since
    /// 1970-01-01T00:00:00Z; actor, correlation id, causation id (each absent or present); the data as
    /// canonical JSON. Integers are 8 bytes big-endian; text is its UTF-8 length (4 bytes big-endian)
    /// and bytes; an optional text is one byte 0 (absent) or 1 followed by the text.
    /// </summary>
    public static void WriteCanonical(AuditEvent e, IBufferWriter<byte> output)
    {
        WriteText(output, CanonicalVersion);
        WriteInt64(output, e.Seq);
        var id = output.GetSpan(16);
        e.EventId.TryWriteBytes(id, bigEndian: true, out _);
        output.Advance(16);
        WriteText(output, e.StreamId);
        WriteInt64(output, e.StreamVersion);
        WriteText(output, e.EventType);
        WriteInt64(output, Microseconds(e.RecordedAt));
        WriteOptionalText(output, e.Actor);
        WriteOptionalText(output, e.CorrelationId);
        WriteOptionalText(output, e.CausationId);
        var json = new ArrayBufferWriter<byte>(256);
        WriteCanonicalJson(e.Data, json);
        WriteBytes(output, json.WrittenSpan);
    }

    /// <summary>PostgreSQL keeps microseconds; anything finer cannot come from the log.</summary>
    public static long Microseconds(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - UnixEpoch.UtcTicks;
        if (ticks % 10 != 0)
            throw new FormatException($"The instant {instant:O} is finer than a microsecond.");
        return ticks / 10;
    }

    /// <summary>The instant as exports write it: UTC, always six decimals, e.g. 2026-11-21T09:30:00.000000Z.</summary>
    public static string FormatInstant(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset ParseInstant(string text) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc));

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static byte[] ParseHash(string hex)
    {
        var bytes = Convert.FromHexString(hex);
        return bytes.Length == HashSize ? bytes : throw new FormatException($"A hash has {HashSize * 2} hex digits, not {hex.Length}.");
    }

    /// <summary>
    /// Canonical JSON of a value, a function of the value alone (the way PostgreSQL's jsonb compares
    /// values), never of how a text spelled it: no whitespace; object members sorted by the UTF-8
    /// bytes of their names (a name twice is an error); strings with only '"', '\' and U+0000–U+001F
    /// escaped (\b \t \n \f \r, else \u00xx), everything else as UTF-8; numbers as plain decimals
    /// without exponent, leading zeros, trailing fractional zeros or "-0" (1.50, 15e-1 → 1.5; 1E+2 → 100).
    /// </summary>
    public static void WriteCanonicalJson(JsonElement value, IBufferWriter<byte> output)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<(byte[] Name, JsonElement Value)>();
                foreach (var property in value.EnumerateObject())
                    members.Add((Utf8.GetBytes(property.Name), property.Value));
                members.Sort((a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
                WriteAscii(output, "{");
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (members[i].Name.AsSpan().SequenceEqual(members[i - 1].Name))
                            throw new FormatException($"The member \"{Utf8.GetString(members[i].Name)}\" appears twice.");
                        WriteAscii(output, ",");
                    }
                    WriteJsonString(output, members[i].Name);
                    WriteAscii(output, ":");
                    WriteCanonicalJson(members[i].Value, output);
                }
                WriteAscii(output, "}");
                break;
            case JsonValueKind.Array:
                WriteAscii(output, "[");
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first)
                        WriteAscii(output, ",");
                    first = false;
                    WriteCanonicalJson(item, output);
                }
                WriteAscii(output, "]");
                break;
            case JsonValueKind.String:
                WriteJsonString(output, Utf8.GetBytes(value.GetString()!));
                break;
            case JsonValueKind.Number:
                WriteAscii(output, CanonicalNumber(value.GetRawText()));
                break;
            case JsonValueKind.True:
                WriteAscii(output, "true");
                break;
            case JsonValueKind.False:
                WriteAscii(output, "false");
                break;
            case JsonValueKind.Null:
                WriteAscii(output, "null");
                break;
            default:
                throw new FormatException($"Not a JSON value: {value.ValueKind}.");
        }
    }

    /// <summary>A JSON number literal (-?int(.frac)?([eE][+-]?exp)?) as its plain decimal value.</summary>
    public static string CanonicalNumber(string literal)
    {
        var negative = literal.StartsWith('-');
        var i = negative ? 1 : 0;
        var digits = new StringBuilder();
        while (i < literal.Length && char.IsAsciiDigit(literal[i]))
            digits.Append(literal[i++]);
        long point = digits.Length; // digits before the decimal point
        if (i < literal.Length && literal[i] == '.')
        {
            i++;
            while (i < literal.Length && char.IsAsciiDigit(literal[i]))
                digits.Append(literal[i++]);
        }
        if (i < literal.Length && (literal[i] == 'e' || literal[i] == 'E'))
        {
            if (!long.TryParse(literal.AsSpan(i + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var exponent)
                || Math.Abs(exponent) > MaxNumberLength)
                throw new FormatException($"The number {literal} is out of range.");
            point += exponent;
            i = literal.Length;
        }
        if (i != literal.Length || digits.Length == 0)
            throw new FormatException($"Not a JSON number: {literal}.");

        var leading = 0;
        while (leading < digits.Length && digits[leading] == '0')
            leading++;
        digits.Remove(0, leading);
        point -= leading;
        var trailing = digits.Length;
        while (trailing > 0 && digits[trailing - 1] == '0')
            trailing--;
        digits.Length = trailing;
        if (digits.Length == 0)
            return "0";
        if (Math.Max(point, digits.Length) - Math.Min(point, 0) > MaxNumberLength)
            throw new FormatException($"The number {literal[..Math.Min(literal.Length, 40)]}… is too long.");

        var text = new StringBuilder(negative ? "-" : "");
        if (point <= 0)
            text.Append("0.").Append('0', (int)-point).Append(digits);
        else if (point >= digits.Length)
            text.Append(digits).Append('0', (int)(point - digits.Length));
        else
            text.Append(digits, 0, (int)point).Append('.').Append(digits, (int)point, digits.Length - (int)point);
        return text.ToString();
    }

    private static void WriteJsonString(IBufferWriter<byte> output, ReadOnlySpan<byte> utf8)
    {
        WriteAscii(output, "\"");
        foreach (var b in utf8)
        {
            // Multi-byte UTF-8 sequences never contain bytes below 0x80, so escaping byte by byte is safe.
            var escaped = b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\b' => "\\b",
                (byte)'\t' => "\\t",
                (byte)'\n' => "\\n",
                (byte)'\f' => "\\f",
                (byte)'\r' => "\\r",
                < 0x20 => $"\\u{b:x4}",
                _ => null,
            };
            if (escaped is null)
            {
                output.GetSpan(1)[0] = b;
                output.Advance(1);
            }
            else
            {
                WriteAscii(output, escaped);
            }
        }
        WriteAscii(output, "\"");
    }

    private static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
            span[i] = (byte)text[i];
        output.Advance(text.Length);
    }

    private static void WriteInt64(IBufferWriter<byte> output, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }

    private static void WriteBytes(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output.GetSpan(4), checked((uint)bytes.Length));
        output.Advance(4);
        output.Write(bytes);
    }

    private static void WriteText(IBufferWriter<byte> output, string text) => WriteBytes(output, Utf8.GetBytes(text));

    private static void WriteOptionalText(IBufferWriter<byte> output, string? text)
    {
        output.GetSpan(1)[0] = text is null ? (byte)0 : (byte)1;
        output.Advance(1);
        if (text is not null)
            WriteText(output, text);
    }
}
