using System.Globalization;
using System.Text;

namespace Allmende.Bench;

/// <summary>What a verb prints: a small Markdown document to paste into docs/benchmarks.md.</summary>
internal sealed class Markdown
{
    private readonly StringBuilder _text = new();

    public Markdown Line(string line = "")
    {
        _text.AppendLine(line);
        return this;
    }

    public Markdown Facts(IEnumerable<(string Name, string Value)> facts)
    {
        foreach (var (name, value) in facts)
            _text.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {value}");
        return Line();
    }

    public Markdown Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? alignment = null)
    {
        _text.AppendLine("| " + string.Join(" | ", header) + " |");
        _text.AppendLine("|" + string.Join("|", header.Select((_, i) => alignment is not null && i < alignment.Length && alignment[i] == 'r' ? "---:" : "---")) + "|");
        foreach (var row in rows)
            _text.AppendLine("| " + string.Join(" | ", row) + " |");
        return Line();
    }

    public override string ToString() => _text.ToString();

    public static string Number(double value, string format = "#,0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => double.IsFinite(ratio) ? (ratio * 100).ToString("0", CultureInfo.InvariantCulture) + " %" : "–";
}
