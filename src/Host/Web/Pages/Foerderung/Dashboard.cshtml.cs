using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Foerderung;

/// <summary>
/// A grant at a glance, over its whole term: the grant (/api/funding/grants/{id}) and its report as JSON
/// (/api/funding/reports/grants/{id}, period=custom): budget burn-down as a server-drawn SVG line with the
/// same figures as a table, hours by action field, organisations and attendees reached, sites; and the
/// bookings it paid for most recently (/api/funding/allocations), each linking to its history. Another
/// funder's grant is refused by the API, so by the page.
/// </summary>
internal sealed class DashboardModel(InProcessApi api, TimeProvider time) : PageModel
{
    public const int ChartWidth = 600;

    public GrantItem Grant { get; private set; } = null!;

    public GrantReport Report { get; private set; } = null!;

    public IReadOnlyList<AllocationItem> Paid { get; private set; } = [];

    public int Year { get; private set; }

    /// <summary>The term's months up to this one: later months only repeat what is left.</summary>
    public IReadOnlyList<ReportMonth> Months { get; private set; } = [];

    /// <summary>The commuting the grant's sites avoided over its term (at most the report's 36 months); null when no desk-day counts.</summary>
    public CommutingReport? Commuting { get; private set; }

    /// <summary>A sponsor's payments for the grant's purpose (ADR 20), reversed ones too.</summary>
    public IReadOnlyList<PurposePaymentItem> PurposePayments { get; private set; } = [];

    public async Task OnGetAsync(Guid grantId, CancellationToken ct)
    {
        Grant = await api.GetAsync<GrantItem>(User, $"/api/funding/grants/{grantId}", ct);
        Year = Formats.Today(time).Year;
        var from = Grant.StartsOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var to = Grant.EndsOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var report = api.GetAsync<GrantReport>(User, $"/api/funding/reports/grants/{grantId}?period=custom&from={from}&to={to}", ct);
        var paid = api.GetAsync<Page<AllocationItem>>(User, $"/api/funding/allocations?grantId={grantId}&limit=20", ct);
        Report = await report;
        var thisMonth = Formats.Today(time).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        Months = [.. Report.Months.Where(m => string.CompareOrdinal(m.Month, thisMonth) <= 0)];
        Paid = [.. (await paid).Items.Where(a => a.SourceKind == "booking")];
        // Commuting avoided is the use of the grant's places: a grant that pays none (a sponsor's prize, limited to no
        // place and so "every site") would otherwise claim every site's desk-days as its own.
        var coverage = (await api.GetAsync<GrantCoverageView>(User, $"/api/funding/grants/{grantId}", ct)).Coverage;
        if (coverage.CostTypes.Any(c => c is "room-hours" or "desk-fees"))
        {
            var lastMonth = Grant.EndsOn < Grant.StartsOn.AddMonths(36) ? Grant.EndsOn : Grant.StartsOn.AddMonths(35);
            var commuting = await api.GetAsync<CommutingReport>(User,
                $"/api/reports/grants/{grantId}/commuting-avoided?from={Grant.StartsOn:yyyy-MM}&to={lastMonth:yyyy-MM}", ct);
            Commuting = commuting.Total.DeskDays + commuting.Total.UnsurveyedDeskDays > 0 ? commuting : null;
        }
        PurposePayments = (await api.GetAsync<Page<PurposePaymentItem>>(User, $"/api/funding/grants/{grantId}/purpose-payments?limit=500", ct)).Items;
    }

    public static string Means(string means) => Mitglied.UmfrageModel.Means(means);

    public static string Decimal(decimal value) => Formats.Decimal(value);

    public string OrganisationName(Guid id) =>
        Report.ByOrganisation.FirstOrDefault(o => o.OrganisationId == id)?.Name ?? Texts.L("eine Organisation");

    public string MonthName(string month) =>
        DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first)
            ? Formats.Month(first) : month;

    /// <summary>The burn-down as SVG points: x by month, y by the remaining budget (top: the whole budget, bottom: nothing).</summary>
    public string BurnDownPoints()
    {
        var months = Months;
        var budget = Math.Max(1, Grant.BudgetCents);
        var step = months.Count > 1 ? (double)ChartWidth / (months.Count - 1) : ChartWidth;
        var points = months.Select((m, i) => (X: months.Count > 1 ? i * step : ChartWidth / 2.0, Y: 10 + 180 * (1 - Math.Clamp((double)m.RemainingCents / budget, 0, 1))));
        return string.Join(" ", new[] { (X: 0.0, Y: 10.0) }.Concat(points).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.X:0.#},{p.Y:0.#}")));
    }
}
