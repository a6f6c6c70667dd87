using System.Globalization;
using System.Text;
using Allmende.Funding.Common;
using NodaTime;

namespace Allmende.Funding.Reports;

/// <summary>
/// The funder report as a document to file with the authority: the funder and grant named, the period
/// and the date it was made, then one A4 page per section (overview and budget; the organisations funded;
/// action fields; sites and spaces; the two charts), in German with de-DE numbers (1.260,00 €, 44,0 h).
/// Inline CSS (@page A4, a page break before each section), no external assets, two inline SVG charts
/// drawn here whose labels keep to fixed slots: month labels thinned to every k-th month so they never
/// touch, one legend entry per line. Every text from data goes through <see cref="E"/>.
/// </summary>
internal static class FunderReportHtml
{
    // Colour-blind-safe (Okabe–Ito); action fields take them in ordinal order, repeating after eight.
    private static readonly string[] Palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

    private static readonly string[] MonthAbbreviations = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"];

    private static readonly string[] MonthNames =
        ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"];

    /// <summary>Chart geometry: width, the plot's margins, the text size and the widest a character of it is taken to be (px).</summary>
    public const int Width = 640;
    public const int Left = 136;
    public const int Right = 8;
    public const int Top = 12;
    public const int PlotHeight = 180;
    public const int FontSize = 11;
    public const double CharWidth = 7.0;
    private const int LegendLine = 18;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    // de-DE digits, fixed here rather than taken from the machine's culture data, so the bytes never change with ICU.
    private static readonly NumberFormatInfo German = new()
    {
        NumberDecimalSeparator = ",", NumberGroupSeparator = ".", NumberGroupSizes = [3], NegativeSign = "-",
    };

    public static string Render(FunderReport r)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<title>").Append(E(r.GrantName)).Append(" – ").Append(E(Period(r))).Append("</title>\n");
        html.Append("""
            <style>
            @page { size: A4; margin: 18mm 15mm; }
            body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
            h1 { font-size: 1.5rem; margin-bottom: .25rem; }
            dl.meta { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; }
            dl.meta dt { font-weight: 600; }
            dl.meta dd { margin: 0; }
            table { border-collapse: collapse; margin: .5rem 0 1.5rem; }
            th, td { border-bottom: 1px solid #ccc; padding: .25rem .75rem; text-align: left; }
            td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
            figure { margin: 1rem 0; }
            svg text { font-size: 11px; fill: #111; }
            section + section { break-before: page; }
            @media screen { section + section { border-top: 2px solid #ccc; margin-top: 2rem; padding-top: 1rem; } }
            @media print {
              body { margin: 0; font-size: 10pt; }
              section + section { break-before: page; page-break-before: always; }
              section, figure, table, tr { break-inside: avoid; page-break-inside: avoid; }
            }
            </style>

            """);
        html.Append("</head>\n<body>\n<section id=\"overview\">\n");
        html.Append("<h1>").Append(E(r.GrantName)).Append("</h1>\n");
        html.Append("<dl class=\"meta\">\n");
        Meta(html, "Fördermittelgeber", r.FunderName);
        Meta(html, "Aktenzeichen", r.Reference);
        Meta(html, "Berichtszeitraum", Period(r));
        if (r.AsOf is { } asOf)
            Meta(html, "Stand", $"{LocalTime(asOf)} (Position {r.Position?.ToString(Invariant)})");
        html.Append("<dt>Erstellt am</dt><dd><time datetime=\"").Append(E(r.MadeAt.ToString("O", Invariant))).Append("\">")
            .Append(E(LocalTime(r.MadeAt))).Append("</time></dd>\n</dl>\n");

        html.Append("<h2>Überblick</h2>\n<table>\n");
        Row(html, "Buchungen", Count(r.Bookings));
        Row(html, "Stunden", HoursOf(r.Minutes));
        Row(html, "Geförderte Organisationen", Count(r.Organisations));
        Row(html, "Erreichte Teilnehmende", Count(r.AttendeesReached));
        Row(html, "Gezählte Besucher offener Angebote", Count(r.PeopleReached));
        Row(html, "Gefördert im Zeitraum", Euro(r.AmountCents));
        Row(html, "Schreibtisch-Monate", r.DeskFees.DeskMonths.ToString("#,##0.00", German));
        Row(html, "Schreibtischgebühren", Euro(r.DeskFees.AmountCents));
        Row(html, "Nutzungsentgelte (Nutzungsvereinbarungen)", Euro(r.UsageFees.AmountCents));
        Row(html, "Genossenschaftsanteile", Euro(r.CooperativeShares.AmountCents));
        Row(html, "Zahlungen für den Förderzweck", Euro(r.Purposes.AmountCents));
        html.Append("</table>\n");
        if (r.Purposes.Items.Count > 0)
        {
            html.Append("<h2>Zahlungen für den Förderzweck</h2>\n<table>\n<tr><th>Bezahlt am</th><th>Wofür</th><th>Beleg</th><th class=\"n\">Betrag</th></tr>\n");
            foreach (var p in r.Purposes.Items)
            {
                html.Append("<tr><td>").Append(E(p.PaidOn.ToString("dd.MM.yyyy", Invariant))).Append("</td><td>").Append(E(p.WhatFor)).Append("</td><td>")
                    .Append(E(p.ReceiptReference)).Append("</td><td class=\"n\">").Append(E(Euro(p.AmountCents))).Append("</td></tr>\n");
            }
            html.Append("</table>\n");
        }
        html.Append("<h2>Budget</h2>\n<table>\n");
        Row(html, "Budget", Euro(r.Budget.BudgetCents));
        Row(html, "Im Zeitraum zugewiesen", Euro(r.Budget.AllocatedInPeriodCents));
        Row(html, "Bisher verwendet", Euro(r.Budget.UsedToDateCents));
        Row(html, "Verbleibend", Euro(r.Budget.RemainingCents));
        html.Append("</table>\n</section>\n");

        Table(html, "organisations", "Geförderte Organisationen", "Organisation", r.ByOrganisation.Select(f => (f.Name, f.Bookings, f.Minutes, f.AmountCents)));
        Table(html, "action-fields", "Handlungsfelder", "Handlungsfeld", r.ByActionField.Select(f => (f.Label, f.Bookings, f.Minutes, f.AmountCents)));
        if (r.PeopleReached > 0)
        {
            html.Append("<section id=\"people-reached\">\n<h2>Offene Angebote: gezählte Besucher nach Handlungsfeld</h2>\n<table>\n")
                .Append("<tr><th>Handlungsfeld</th><th class=\"n\">Besucher</th></tr>\n");
            foreach (var f in r.ByActionField.Where(f => f.PeopleReached > 0))
                html.Append("<tr><td>").Append(E(f.Label)).Append("</td><td class=\"n\">").Append(Count(f.PeopleReached)).Append("</td></tr>\n");
            html.Append("</table>\n</section>\n");
        }

        if (r.Advice.AppointmentsHeld + r.Advice.AppointmentsNotHeld > 0)
        {
            html.Append("<section id=\"advice\">\n<h2>Beratung</h2>\n<table>\n");
            Row(html, "Beratene Personen", Count(r.Advice.PeopleAdvised));
            Row(html, "Stattgefundene Termine", Count(r.Advice.AppointmentsHeld));
            Row(html, "Nicht wahrgenommene Termine", Count(r.Advice.AppointmentsNotHeld));
            foreach (var o in r.Advice.Outcomes)
                Row(html, o.Label, Count(o.Count));
            html.Append("</table>\n</section>\n");
        }

        html.Append("<section id=\"places\">\n<h2>Standorte und Räume</h2>\n");
        Rows(html, "Standort", r.BySite.Select(f => (f.Name, f.Bookings, f.Minutes, f.AmountCents)));
        var sites = r.BySite.ToDictionary(s => s.SiteId, s => s.Name);
        Rows(html, "Raum", r.BySpace.Select(f => ($"{f.Name} ({sites.GetValueOrDefault(f.SiteId) ?? f.SiteId.ToString()})", f.Bookings, f.Minutes, f.AmountCents)));
        html.Append("</section>\n");

        html.Append("<section id=\"hours-chart\">\n<h2>Stunden pro Monat nach Handlungsfeld</h2>\n<figure>\n");
        HoursChart(html, r);
        html.Append("</figure>\n</section>\n<section id=\"budget-chart\">\n<h2>Verbleibendes Budget am Monatsende</h2>\n<figure>\n");
        BurnDown(html, r);
        html.Append("</figure>\n</section>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// HTML-escapes text (&amp;, &lt;, &gt;, quotes) for element content and attribute values alike; every
    /// other character stays as it is (the page is UTF-8), so "Fördermittelgeber" reads as such in the source too.
    /// </summary>
    private static string E(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)
            .Replace("\"", "&quot;", StringComparison.Ordinal).Replace("'", "&#39;", StringComparison.Ordinal);

    private static string Date(DateOnly date) => date.ToString("dd.MM.yyyy", Invariant);

    private static string Period(FunderReport r)
    {
        var kind = r.Period switch { "month" => "Monat", "quarter" => "Quartal", "year" => "Jahr", _ => "Zeitraum" };
        return $"{Date(r.From)} – {Date(r.To)} ({kind})";
    }

    /// <summary>An instant as Berlin wall-clock time: 07.12.2026, 02:55 Uhr.</summary>
    private static string LocalTime(DateTimeOffset instant) =>
        Instant.FromDateTimeOffset(instant).InZone(Berlin.Zone).LocalDateTime.ToString("dd.MM.yyyy, HH:mm 'Uhr'", Invariant);

    /// <summary>1.260,00 € (de-DE).</summary>
    public static string Euro(long cents) => (cents / 100m).ToString("#,##0.00", German) + " €";

    /// <summary>Minutes as hours with one decimal, rounded half up: 2640 → 44,0 h.</summary>
    public static string HoursOf(long minutes) => Math.Round(minutes / 60m, 1, MidpointRounding.AwayFromZero).ToString("#,##0.0", German) + " h";

    private static string Count(long n) => n.ToString("#,##0", German);

    private static void Meta(StringBuilder html, string label, string value) =>
        html.Append("<dt>").Append(E(label)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");

    private static void Row(StringBuilder html, string label, string value) =>
        html.Append("<tr><th>").Append(E(label)).Append("</th><td class=\"n\">").Append(E(value)).Append("</td></tr>\n");

    private static void Table(StringBuilder html, string id, string title, string keyHeader, IEnumerable<(string Key, int Bookings, long Minutes, long AmountCents)> rows)
    {
        html.Append("<section id=\"").Append(id).Append("\">\n<h2>").Append(E(title)).Append("</h2>\n");
        Rows(html, keyHeader, rows);
        html.Append("</section>\n");
    }

    private static void Rows(StringBuilder html, string keyHeader, IEnumerable<(string Key, int Bookings, long Minutes, long AmountCents)> rows)
    {
        html.Append("<table>\n<tr><th>").Append(E(keyHeader)).Append("</th><th class=\"n\">Buchungen</th><th class=\"n\">Stunden</th><th class=\"n\">Betrag</th></tr>\n");
        foreach (var (key, bookings, minutes, amount) in rows)
        {
            html.Append("<tr><td>").Append(E(key)).Append("</td><td class=\"n\">").Append(Count(bookings))
                .Append("</td><td class=\"n\">").Append(E(HoursOf(minutes))).Append("</td><td class=\"n\">").Append(E(Euro(amount))).Append("</td></tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string F(double value) => value.ToString("0.##", Invariant);

    // "Mai" when the period lies in one year (the period names it), else "Mai 27".
    private static string MonthLabel(string month, bool withYear) =>
        withYear ? $"{MonthAbbreviations[int.Parse(month[5..], Invariant) - 1]} {month[2..4]}" : MonthAbbreviations[int.Parse(month[5..], Invariant) - 1];

    private static string MonthName(string month) => $"{MonthNames[int.Parse(month[5..], Invariant) - 1]} {month[..4]}";

    /// <summary>
    /// Every k-th month gets its label, k the smallest step at which labels of this width (plus a gap)
    /// fit their slots side by side: twelve months are all labelled, ten years every few months.
    /// </summary>
    public static int LabelStep(double slot, bool withYear)
    {
        var widest = MonthLabel("2000-05", withYear).Length * CharWidth + 6;
        return Math.Max(1, (int)Math.Ceiling(widest / slot));
    }

    private static void MonthLabels(StringBuilder html, IReadOnlyList<ReportMonth> months, double slot)
    {
        var withYear = months.Count > 0 && months[0].Month[..4] != months[^1].Month[..4];
        var step = LabelStep(slot, withYear);
        for (var i = 0; i < months.Count; i += step)
        {
            html.Append("<text x=\"").Append(F(Left + i * slot + slot / 2)).Append("\" y=\"").Append(Top + PlotHeight + 16)
                .Append("\" text-anchor=\"middle\">").Append(E(MonthLabel(months[i].Month, withYear))).Append("</text>\n");
        }
    }

    /// <summary>A legend entry cut to what fits the line (with "…"), so no entry runs past the chart.</summary>
    private static string Fit(string text, double width)
    {
        var chars = (int)(width / CharWidth);
        return text.Length <= chars ? text : string.Concat(text.AsSpan(0, Math.Max(1, chars - 1)), "…");
    }

    /// <summary>Stacked bars: one per month, a segment per action field, height by hours; the legend one field per line below.</summary>
    private static void HoursChart(StringBuilder html, FunderReport r)
    {
        var fields = r.Months.SelectMany(m => m.MinutesByActionField).Select(f => f.ActionField).Distinct().Order(StringComparer.Ordinal).ToList();
        var maxMinutes = Math.Max(60, r.Months.Select(m => m.MinutesByActionField.Sum(f => f.Minutes)).DefaultIfEmpty(0).Max());
        var slot = (Width - Left - Right) / (double)Math.Max(1, r.Months.Count);
        var legendTop = Top + PlotHeight + 40;
        var height = legendTop + fields.Count * LegendLine;
        html.Append(string.Create(Invariant, $"<svg id=\"hours-per-month\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\">\n"));
        Axis(html, HoursOf(maxMinutes));
        for (var i = 0; i < r.Months.Count; i++)
        {
            var month = r.Months[i];
            var x = Left + i * slot + slot * 0.15;
            var y = (double)(Top + PlotHeight);
            foreach (var field in month.MinutesByActionField)
            {
                var h = PlotHeight * (double)field.Minutes / maxMinutes;
                y -= h;
                html.Append("<rect x=\"").Append(F(x)).Append("\" y=\"").Append(F(y)).Append("\" width=\"").Append(F(slot * 0.7))
                    .Append("\" height=\"").Append(F(h)).Append("\" fill=\"").Append(Palette[fields.IndexOf(field.ActionField) % Palette.Length])
                    .Append("\"><title>").Append(E($"{MonthName(month.Month)} – {ActionFieldLabels.GermanOf(field.ActionField)}: {HoursOf(field.Minutes)}"))
                    .Append("</title></rect>\n");
            }
        }
        MonthLabels(html, r.Months, slot);
        for (var i = 0; i < fields.Count; i++)
        {
            var y = legendTop + i * LegendLine;
            html.Append(string.Create(Invariant, $"<rect x=\"{Left}\" y=\"{y - 10}\" width=\"10\" height=\"10\" fill=\"{Palette[i % Palette.Length]}\"/>"))
                .Append(string.Create(Invariant, $"<text x=\"{Left + 16}\" y=\"{y}\">"))
                .Append(E(Fit(ActionFieldLabels.GermanOf(fields[i]), Width - Left - 16 - Right))).Append("</text>\n");
        }
        html.Append("</svg>\n");
    }

    /// <summary>A line through the budget remaining at each month's end, from the full budget down.</summary>
    private static void BurnDown(StringBuilder html, FunderReport r)
    {
        var top = Math.Max(1, Math.Max(r.Budget.BudgetCents, r.Months.Select(m => m.RemainingCents).DefaultIfEmpty(0).Max()));
        var slot = (Width - Left - Right) / (double)Math.Max(1, r.Months.Count);
        html.Append(string.Create(Invariant,
            $"<svg id=\"budget-burn-down\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Top + PlotHeight + 24}\" role=\"img\">\n"));
        Axis(html, Euro(top));
        var points = r.Months.Select((m, i) => (X: Left + i * slot + slot / 2, Y: Top + PlotHeight - PlotHeight * (double)Math.Max(0, m.RemainingCents) / top, m)).ToList();
        html.Append("<polyline fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2\" points=\"")
            .AppendJoin(' ', points.Select(p => $"{F(p.X)},{F(p.Y)}")).Append("\"/>\n");
        foreach (var (x, y, month) in points)
        {
            html.Append("<circle cx=\"").Append(F(x)).Append("\" cy=\"").Append(F(y)).Append("\" r=\"3\" fill=\"#0072B2\"><title>")
                .Append(E($"{MonthName(month.Month)}: {Euro(month.RemainingCents)}")).Append("</title></circle>\n");
        }
        MonthLabels(html, r.Months, slot);
        html.Append("</svg>\n");
    }

    /// <summary>The axes, the top value right-aligned left of the plot (the widest, a billion euros, fits), and 0.</summary>
    private static void Axis(StringBuilder html, string topLabel)
    {
        html.Append(string.Create(Invariant, $"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + PlotHeight}\" stroke=\"#111\"/>"))
            .Append(string.Create(Invariant, $"<line x1=\"{Left}\" y1=\"{Top + PlotHeight}\" x2=\"{Width - Right}\" y2=\"{Top + PlotHeight}\" stroke=\"#111\"/>\n"))
            .Append(string.Create(Invariant, $"<text x=\"{Left - 6}\" y=\"{Top + 10}\" text-anchor=\"end\">")).Append(E(topLabel)).Append("</text>")
            .Append(string.Create(Invariant, $"<text x=\"{Left - 6}\" y=\"{Top + PlotHeight}\" text-anchor=\"end\">0</text>\n"));
    }
}
