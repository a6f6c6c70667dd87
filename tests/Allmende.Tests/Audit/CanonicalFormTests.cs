using System.Buffers;
using System.Text;
using System.Text.Json;
using Allmende.Eventing.Audit;

namespace Allmende.Tests.Audit;

/// <summary>The canonical JSON depends on the value only, never on how a text spelled it (docs/adr/0013).</summary>
public sealed class CanonicalFormTests
{
    private static string Canonical(string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        AuditChain.WriteCanonicalJson(document.RootElement, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Theory]
    [InlineData("0", "0")]
    [InlineData("-0", "0")]
    [InlineData("-0.000", "0")]
    [InlineData("1.50", "1.5")]
    [InlineData("15e-1", "1.5")]
    [InlineData("1E+2", "100")]
    [InlineData("1.5E2", "150")]
    [InlineData("0.00120", "0.0012")]
    [InlineData("-1.5e-3", "-0.0015")]
    [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
    [InlineData("0.1e1", "1")]
    [InlineData("2500", "2500")]
    public void A_number_is_written_as_its_plain_decimal_value(string literal, string canonical) =>
        AuditChain.CanonicalNumber(literal).ShouldBe(canonical);

    [Fact]
    public void Spacing_member_order_and_escapes_of_the_text_do_not_matter()
    {
        var postgres = """{"b": 1.50, "a": [1e2, "\u00fc\u0022", null, true, false], "\u00e4": {"z": "tab\there"}}""";
        var compact = """{"a":[100,"ü\"",null,true,false],"b":1.5,"ä":{"z":"tab\u0009here"}}""";

        Canonical(postgres).ShouldBe("""{"a":[100,"ü\"",null,true,false],"b":1.5,"ä":{"z":"tab\there"}}""");
        Canonical(compact).ShouldBe(Canonical(postgres));
    }

    [Fact]
    public void Members_sort_by_their_utf8_bytes_and_control_characters_are_escaped_in_lower_case_hex()
    {
        Canonical("""{"é":1,"z":2,"Z":3,"\u0001":"\u001f\r"}""").ShouldBe("{\"\\u0001\":\"\\u001f\\r\",\"Z\":3,\"z\":2,\"é\":1}");
    }

    [Fact]
    public void A_member_named_twice_is_refused() =>
        Should.Throw<FormatException>(() => Canonical("""{"a":1,"a":2}"""));

    [Fact]
    public void An_event_hashes_differently_when_any_field_changes()
    {
        using var data = JsonDocument.Parse("""{"amount":10}""");
        var e = new AuditEvent(7, Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), "tally-1", 2, "tests.tally-counted",
            new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero).AddTicks(1230), "admin", "corr", null, data.RootElement);
        var digest = AuditChain.Digest(e);

        AuditChain.Digest(e with { Seq = 8 }).ShouldNotBe(digest);
        AuditChain.Digest(e with { StreamVersion = 3 }).ShouldNotBe(digest);
        AuditChain.Digest(e with { RecordedAt = e.RecordedAt.AddTicks(10) }).ShouldNotBe(digest);
        AuditChain.Digest(e with { Actor = null }).ShouldNotBe(digest);
        AuditChain.Digest(e with { CorrelationId = null, CausationId = "corr" }).ShouldNotBe(digest, "the fields are framed: moving text between them shows");
        AuditChain.Digest(e with { RecordedAt = e.RecordedAt.ToOffset(TimeSpan.FromHours(2)) }).ShouldBe(digest, "an instant is hashed in UTC");
        Should.Throw<FormatException>(() => AuditChain.Digest(e with { RecordedAt = e.RecordedAt.AddTicks(1) }));
    }
}
