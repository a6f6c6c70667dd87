using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Allmende.Host.Web;
using Allmende.Host.Web.Pages.Verwaltung;

namespace Allmende.Tests.Web;

/// <summary>
/// English second (ADR 16): every text a page or the web app's code puts through the localizer (the
/// views' <c>T["…"]</c> and <c>H["…"]</c>, the code's <c>L("…")</c> and <c>N("…")</c>) has an English entry in
/// Texts.en.resx with the same placeholders, and the resource is found at run time.
/// </summary>
public sealed partial class EnglishTextsTests
{
    private static readonly string Web = Path.Combine(RepositoryRoot(), "src", "Host", "Web");

    [Fact]
    public void Every_localized_text_of_every_page_and_of_the_web_apps_code_has_an_English_entry()
    {
        var english = Entries();
        var missing = UsedTexts().Where(u => !english.ContainsKey(u.Text)).Select(u => $"{u.File}: {u.Text}").Distinct().ToList();

        missing.ShouldBeEmpty($"{missing.Count} texts have no entry in src/Host/Web/Texts.en.resx");
    }

    [Fact]
    public void The_pages_use_texts_and_every_English_entry_is_still_used()
    {
        var used = UsedTexts().Select(u => u.Text).ToHashSet();
        used.Count.ShouldBeGreaterThan(800, "the scan finds the pages' texts");

        Entries().Keys.Where(k => !used.Contains(k)).ShouldBeEmpty("entries no page or code asks for any more");
    }

    [Fact]
    public void Every_English_entry_has_the_placeholders_of_its_German_text()
    {
        var wrong = Entries().Where(e => Placeholders(e.Key) != Placeholders(e.Value)).Select(e => $"{e.Key} => {e.Value}").ToList();

        wrong.ShouldBeEmpty();
    }

    /// <summary>
    /// Every entry reaches the compiled resources: the resource generator drops, with only a build warning, an entry whose
    /// name differs from another's by case alone ("Markiert" and "markiert"), and a page then shows that text in German.
    /// </summary>
    [Fact]
    public void Every_English_entry_is_found_at_run_time()
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en-GB");
            var lost = Entries().Where(e => Texts.L(e.Key) != e.Value).Select(e => $"{e.Key} => {Texts.L(e.Key)}").ToList();

            lost.ShouldBeEmpty();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Fact]
    public void The_English_entries_are_found_at_run_time_and_German_needs_none()
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en-GB");
            (Texts.L("Raum buchen"), Texts.L("Fehler {0}", 1234), Words.Status("confirmed"), Formats.Euro(126000L), Formats.Date(new DateOnly(2026, 12, 24)))
                .ShouldBe(("Book a room", "Error 1234", "confirmed", "€1,260.00", "24/12/2026"));
            Texts.L("ein Text ohne englischen Eintrag").ShouldBe("ein Text ohne englischen Eintrag");

            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            (Texts.L("Raum buchen"), Texts.L("Fehler {0}", 1234), Words.Status("confirmed"), Formats.Euro(126000L), Formats.Date(new DateOnly(2026, 12, 24)))
                .ShouldBe(("Raum buchen", "Fehler 1234", "bestätigt", "1.260,00 €", "24.12.2026"));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Theory]
    [InlineData("1,260.50", 126050L)]
    [InlineData("12.5", 1250L)]
    [InlineData("€25,000", 2500000L)]
    public void On_an_English_page_euros_are_read_in_British_notation(string typed, long cents) =>
        InEnglish(() => (Eingaben.TryCents(typed, out var read), read)).ShouldBe((true, cents));

    [Theory]
    [InlineData("12,50")]
    [InlineData("1.260,50")]
    public void On_an_English_page_a_comma_only_groups_thousands(string typed) =>
        InEnglish(() => Eingaben.TryCents(typed, out _)).ShouldBeFalse();

    [Fact]
    public void Dates_are_read_in_German_and_British_order_whatever_the_language()
    {
        var christmas = new DateOnly(2026, 12, 24);
        foreach (var typed in new[] { "24.12.2026", "24/12/2026", "2026-12-24" })
        {
            InEnglish(() => (Formats.TryDate(typed, out var d), d)).ShouldBe((true, christmas), typed);
            (Formats.TryDate(typed, out var german), german).ShouldBe((true, christmas), typed);
        }
        Formats.TryDate("12/24/2026", out _).ShouldBeFalse(); // month first is not read: it would be ambiguous
    }

    private static T InEnglish<T>(Func<T> read)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en-GB");
            return read();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    private static Dictionary<string, string> Entries() =>
        XDocument.Load(Path.Combine(Web, "Texts.en.resx")).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    /// <summary>The literal texts given to the localizer in the views and the web app's code.</summary>
    private static IEnumerable<(string File, string Text)> UsedTexts() =>
        Directory.EnumerateFiles(Web, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => Localized().Matches(File.ReadAllText(f)).Select(m => (Path.GetRelativePath(Web, f), Unescape(m.Groups[1].Value))));

    private static string Unescape(string literal) => literal.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static string Placeholders(string text) =>
        string.Join(",", PlaceholderPattern().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal));

    [GeneratedRegex("""(?:\b[TH]\[|\bL\(|\bN\()\s*"((?:[^"\\]|\\.)*)"[\],)]""")]
    private static partial Regex Localized();

    [GeneratedRegex(@"\{\d+(:[^}]*)?\}")]
    private static partial Regex PlaceholderPattern();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Allmende.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (with Allmende.slnx) is not above the test assembly.");
    }
}
