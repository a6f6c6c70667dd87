using System.Xml.Linq;
using Allmende.Funding.Reports;

namespace Allmende.Tests.Reports.FundingReports;

/// <summary>
/// The printable funder report's charts: no two text boxes overlap and none leaves its chart, for a quarter,
/// a year and ten years of months with all ten action fields (the longest German label among them). A
/// box is the text's width at <see cref="FunderReportHtml.CharWidth"/> per character, placed by its
/// anchor, one font size high above its baseline.
/// </summary>
public sealed class FunderReportHtmlTests
{
    private static readonly string[] Fields =
    [
        "environment-and-transport", "health-promotion", "housing-and-living-environment", "image-and-public-relations", "living-together", "local-economy",
        "neighbourhood-culture", "school-and-education", "social-activities-and-infrastructure", "sport-and-leisure",
    ];

    private static FunderReport Report(DateOnly from, int months)
    {
        var list = Enumerable.Range(0, months).Select(i => new ReportMonth(from.AddMonths(i).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
            [.. Fields.Select((f, j) => new ActionFieldMinutes(f, 60L * (i + j + 1)))], 1_000_000_000L - i * 1_000L)).ToList();
        return new FunderReport(Guid.NewGuid(), "Engagement-Etage", "SOZ-1", Guid.NewGuid(), "Sozialbehörde Musterstadt", "custom", from,
            from.AddMonths(months).AddDays(-1), null, null, new DateTimeOffset(2027, 1, 5, 9, 30, 0, TimeSpan.Zero), 0, 0, 0m, 0, 0, 0, 0, [], [], [], [],
            new DeskFeeFigures(0, 0m, 0), new ShareFigures(0, 0), new UsageFeeFigures(0, 0), new PurposeFigures(0, 0, []), new BudgetUse(100_000_000_000L, 0, 0, 100_000_000_000L), list);
    }

    private sealed record Box(string Text, double X0, double X1, double Y0, double Y1);

    private static (double Width, double Height, List<Box> Boxes) Chart(string html, string id)
    {
        var start = html.IndexOf($"<svg id=\"{id}\"", StringComparison.Ordinal);
        var svg = XElement.Parse(html[start..(html.IndexOf("</svg>", start, StringComparison.Ordinal) + 6)]);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var boxes = svg.Elements(ns + "text").Select(t =>
        {
            var x = double.Parse(t.Attribute("x")!.Value, System.Globalization.CultureInfo.InvariantCulture);
            var y = double.Parse(t.Attribute("y")!.Value, System.Globalization.CultureInfo.InvariantCulture);
            var width = t.Value.Length * FunderReportHtml.CharWidth;
            var x0 = (string?)t.Attribute("text-anchor") switch { "middle" => x - width / 2, "end" => x - width, _ => x };
            return new Box(t.Value, x0, x0 + width, y - FunderReportHtml.FontSize, y + 3);
        }).ToList();
        return (double.Parse(svg.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(svg.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture), boxes);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(24)]
    [InlineData(120)]
    public void No_two_labels_of_a_chart_overlap_and_none_leaves_it(int months)
    {
        var html = FunderReportHtml.Render(Report(new DateOnly(2027, 1, 1), months));

        foreach (var id in new[] { "hours-per-month", "budget-burn-down" })
        {
            var (width, height, boxes) = Chart(html, id);
            boxes.Count.ShouldBeGreaterThan(2);
            foreach (var box in boxes)
                (box.X0 >= 0 && box.X1 <= width && box.Y0 >= 0 && box.Y1 <= height).ShouldBeTrue($"{id}: \"{box.Text}\" leaves the chart ({box})");
            for (var i = 0; i < boxes.Count; i++)
            {
                for (var j = i + 1; j < boxes.Count; j++)
                {
                    var (a, b) = (boxes[i], boxes[j]);
                    var overlap = a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1;
                    overlap.ShouldBeFalse($"{id}: \"{a.Text}\" overlaps \"{b.Text}\"");
                }
            }
        }
    }

    [Fact]
    public void A_year_labels_every_month_by_its_German_name_and_ten_years_every_few()
    {
        var year = Chart(FunderReportHtml.Render(Report(new DateOnly(2027, 1, 1), 12)), "hours-per-month").Boxes.Select(b => b.Text).ToList();
        year.ShouldContain("Mär");
        year.ShouldContain("Dez");
        year.Count(t => t.Length == 3 && !t.Contains('h', StringComparison.Ordinal)).ShouldBe(12);
        var decade = Chart(FunderReportHtml.Render(Report(new DateOnly(2027, 1, 1), 120)), "hours-per-month").Boxes.Select(b => b.Text).ToList();
        decade.ShouldContain("Jan 27");
        decade.Count(t => t.Length == 6 && t[3] == ' ').ShouldBeInRange(8, 24);
        // Every action field in German in the legend, the longest cut to fit.
        decade.ShouldContain("Gesundheitsförderung");
        decade.ShouldContain(t => t.StartsWith("Zusammenleben unterschiedlicher", StringComparison.Ordinal));
    }

    [Fact]
    public void Each_section_is_a_page_of_its_own_in_print_and_amounts_read_de_DE()
    {
        var html = FunderReportHtml.Render(Report(new DateOnly(2027, 1, 1), 12));

        html.ShouldContain("@page { size: A4;");
        html.ShouldContain("section + section { break-before: page; }");
        System.Text.RegularExpressions.Regex.Count(html, "<section id=").ShouldBe(6);
        html.ShouldContain("<th>Budget</th><td class=\"n\">1.000.000.000,00 €</td>");
        html.ShouldContain("<time datetime=\"2027-01-05T09:30:00.0000000+00:00\">05.01.2027, 10:30 Uhr</time>");
        FunderReportHtml.Euro(126_000).ShouldBe("1.260,00 €");
        FunderReportHtml.Euro(-5).ShouldBe("-0,05 €");
        FunderReportHtml.HoursOf(2_640).ShouldBe("44,0 h");
        FunderReportHtml.HoursOf(275).ShouldBe("4,6 h");
    }
}
