using System.Globalization;
using System.Net;
using System.Text;

namespace Allmende.Funding.Reports;

/// <summary>
/// The funder report as one printable page: inline CSS (with @media print), no external assets, two
/// inline SVG charts drawn here (hours per month stacked by action field; the budget remaining at each
/// month's end). Every text from data goes through <see cref="E"/>; numbers are invariant.
/// </summary>
internal static class FunderReportHtml
{
    // Colour-blind-safe (Okabe–Ito); action fields take them in ordinal order, repeating after eight.
    private static readonly string[] Palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

    private const int Width = 640;
    private const int Height = 240;
    private const int Left = 64;
    private const int Bottom = 32;
    private const int Top = 12;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Render(FunderReport r)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(E(r.GrantName)).Append(" – ").Append(E(Period(r))).Append("</title>\n");
        html.Append("""
            <style>
            body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
            h1 { font-size: 1.5rem; margin-bottom: .25rem; }
            table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
            th, td { border-bottom: 1px solid #ccc; padding: .25rem .75rem; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; }
            figure { margin: 1rem 0; }
            svg text { font-size: 11px; fill: #111; }
            @media print {
              body { margin: 0; font-size: 10pt; }
              section, figure, table { page-break-inside: avoid; }
            }
            </style>

            """);
        html.Append("</head>\n<body>\n");
        html.Append("<h1>").Append(E(r.GrantName)).Append("</h1>\n");
        html.Append("<p>").Append(E(r.Reference)).Append(" · ").Append(E(Period(r)));
        if (r.AsOf is { } asOf)
            html.Append(" · Stand ").Append(E(asOf.ToString("O", Invariant))).Append(" (Position ").Append(r.Position?.ToString(Invariant)).Append(')');
        html.Append("</p>\n");

        html.Append("<section>\n<h2>Überblick</h2>\n<table>\n");
        Row(html, "Buchungen", r.Bookings.ToString(Invariant));
        Row(html, "Stunden", Hours(r.Hours));
        Row(html, "Organisationen", r.Organisations.ToString(Invariant));
        Row(html, "Erreichte Teilnehmende", r.AttendeesReached.ToString(Invariant));
        Row(html, "Gefördert im Zeitraum", Euro(r.AmountCents));
        Row(html, "Schreibtisch-Monate", r.DeskFees.DeskMonths.ToString(Invariant));
        Row(html, "Schreibtischgebühren", Euro(r.DeskFees.AmountCents));
        Row(html, "Genossenschaftsanteile", Euro(r.CooperativeShares.AmountCents));
        html.Append("</table>\n</section>\n");

        html.Append("<section>\n<h2>Budget</h2>\n<table>\n");
        Row(html, "Budget", Euro(r.Budget.BudgetCents));
        Row(html, "Im Zeitraum zugewiesen", Euro(r.Budget.AllocatedInPeriodCents));
        Row(html, "Bisher verwendet", Euro(r.Budget.UsedToDateCents));
        Row(html, "Verbleibend", Euro(r.Budget.RemainingCents));
        html.Append("</table>\n</section>\n");

        Table(html, "Handlungsfelder", "Handlungsfeld", r.ByActionField.Select(f => (f.ActionField, f.Bookings, f.Hours, f.AmountCents)));
        Table(html, "Standorte", "Standort", r.BySite.Select(f => (f.SiteId.ToString(), f.Bookings, f.Hours, f.AmountCents)));
        Table(html, "Räume", "Raum", r.BySpace.Select(f => (f.SpaceId.ToString(), f.Bookings, f.Hours, f.AmountCents)));

        html.Append("<figure>\n<figcaption>Stunden pro Monat nach Handlungsfeld</figcaption>\n");
        HoursChart(html, r);
        html.Append("</figure>\n<figure>\n<figcaption>Verbleibendes Budget am Monatsende</figcaption>\n");
        BurnDown(html, r);
        html.Append("</figure>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>HTML-escapes text (&amp;, &lt;, &gt;, quotes) for element content and attribute values alike.</summary>
    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string Period(FunderReport r) =>
        $"{r.From.ToString("yyyy-MM-dd", Invariant)} – {r.To.ToString("yyyy-MM-dd", Invariant)} ({r.Period})";

    private static string Euro(long cents) =>
        string.Create(Invariant, $"{(cents < 0 ? "-" : "")}{Math.Abs(cents) / 100},{Math.Abs(cents) % 100:00} €");

    private static string Hours(decimal hours) => hours.ToString("0.00", Invariant);

    private static void Row(StringBuilder html, string label, string value) =>
        html.Append("<tr><th>").Append(E(label)).Append("</th><td class=\"n\">").Append(E(value)).Append("</td></tr>\n");

    private static void Table(StringBuilder html, string title, string keyHeader, IEnumerable<(string Key, int Bookings, decimal Hours, long AmountCents)> rows)
    {
        html.Append("<section>\n<h2>").Append(E(title)).Append("</h2>\n<table>\n<tr><th>").Append(E(keyHeader))
            .Append("</th><th>Buchungen</th><th>Stunden</th><th>Betrag</th></tr>\n");
        foreach (var (key, bookings, hours, amount) in rows)
        {
            html.Append("<tr><td>").Append(E(key)).Append("</td><td class=\"n\">").Append(bookings.ToString(Invariant))
                .Append("</td><td class=\"n\">").Append(Hours(hours)).Append("</td><td class=\"n\">").Append(E(Euro(amount))).Append("</td></tr>\n");
        }
        html.Append("</table>\n</section>\n");
    }

    private static string F(double value) => value.ToString("0.##", Invariant);

    /// <summary>Stacked bars: one per month, a segment per action field, height by hours.</summary>
    private static void HoursChart(StringBuilder html, FunderReport r)
    {
        var fields = r.Months.SelectMany(m => m.MinutesByActionField).Select(f => f.ActionField).Distinct().Order(StringComparer.Ordinal).ToList();
        var maxMinutes = Math.Max(60, r.Months.Select(m => m.MinutesByActionField.Sum(f => f.Minutes)).DefaultIfEmpty(0).Max());
        var plotHeight = Height - Top - Bottom;
        var slot = (Width - Left - 8.0) / Math.Max(1, r.Months.Count);
        html.Append(string.Create(Invariant, $"<svg id=\"hours-per-month\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height + 20 * ((fields.Count + 3) / 4)}\" role=\"img\">\n"));
        Axis(html, plotHeight, $"{FunderReports.Hours(maxMinutes).ToString("0.##", Invariant)} h");
        for (var i = 0; i < r.Months.Count; i++)
        {
            var month = r.Months[i];
            var x = Left + i * slot + slot * 0.15;
            var y = (double)(Height - Bottom);
            foreach (var field in month.MinutesByActionField)
            {
                var h = plotHeight * (double)field.Minutes / maxMinutes;
                y -= h;
                html.Append("<rect x=\"").Append(F(x)).Append("\" y=\"").Append(F(y)).Append("\" width=\"").Append(F(slot * 0.7))
                    .Append("\" height=\"").Append(F(h)).Append("\" fill=\"").Append(Palette[fields.IndexOf(field.ActionField) % Palette.Length])
                    .Append("\"><title>").Append(E($"{month.Month} {field.ActionField}: {Hours(FunderReports.Hours(field.Minutes))} h")).Append("</title></rect>\n");
            }
            html.Append("<text x=\"").Append(F(x)).Append("\" y=\"").Append(Height - Bottom + 14).Append("\">").Append(E(month.Month)).Append("</text>\n");
        }
        for (var i = 0; i < fields.Count; i++)
        {
            var x = Left + i % 4 * 140;
            var y = Height + i / 4 * 20;
            html.Append(string.Create(Invariant, $"<rect x=\"{x}\" y=\"{y - 10}\" width=\"10\" height=\"10\" fill=\"{Palette[i % Palette.Length]}\"/>"))
                .Append(string.Create(Invariant, $"<text x=\"{x + 14}\" y=\"{y}\">")).Append(E(fields[i])).Append("</text>\n");
        }
        html.Append("</svg>\n");
    }

    /// <summary>A line through the budget remaining at each month's end, from the full budget down.</summary>
    private static void BurnDown(StringBuilder html, FunderReport r)
    {
        var plotHeight = Height - Top - Bottom;
        var top = Math.Max(1, Math.Max(r.Budget.BudgetCents, r.Months.Select(m => m.RemainingCents).DefaultIfEmpty(0).Max()));
        var slot = (Width - Left - 8.0) / Math.Max(1, r.Months.Count);
        html.Append(string.Create(Invariant, $"<svg id=\"budget-burn-down\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" role=\"img\">\n"));
        Axis(html, plotHeight, Euro(top));
        var points = r.Months.Select((m, i) => (X: Left + i * slot + slot / 2, Y: Height - Bottom - plotHeight * (double)Math.Max(0, m.RemainingCents) / top, m)).ToList();
        html.Append("<polyline fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2\" points=\"")
            .AppendJoin(' ', points.Select(p => $"{F(p.X)},{F(p.Y)}")).Append("\"/>\n");
        foreach (var (x, y, month) in points)
        {
            html.Append("<circle cx=\"").Append(F(x)).Append("\" cy=\"").Append(F(y)).Append("\" r=\"3\" fill=\"#0072B2\"><title>")
                .Append(E($"{month.Month}: {Euro(month.RemainingCents)}")).Append("</title></circle>\n");
            html.Append("<text x=\"").Append(F(x - slot * 0.35)).Append("\" y=\"").Append(Height - Bottom + 14).Append("\">").Append(E(month.Month)).Append("</text>\n");
        }
        html.Append("</svg>\n");
    }

    private static void Axis(StringBuilder html, int plotHeight, string topLabel)
    {
        html.Append(string.Create(Invariant, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotHeight}\" stroke=\"#111\"/>"))
            .Append(string.Create(Invariant, $"<line x1=\"{Left}\" y1=\"{Top + plotHeight}\" x2=\"{Width - 8}\" y2=\"{Top + plotHeight}\" stroke=\"#111\"/>\n"))
            .Append(string.Create(Invariant, $"<text x=\"4\" y=\"{Top + 10}\">")).Append(E(topLabel)).Append("</text>")
            .Append(string.Create(Invariant, $"<text x=\"4\" y=\"{Top + plotHeight}\">0</text>\n"));
    }
}
