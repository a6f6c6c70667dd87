using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// An organisation's month: its name from /api/organisations/{id}, which answers 404 to a member of
/// another organisation, so the page refuses on the server; its monthly statement (what it used and
/// who paid: /api/funding/statements) and its bookings of the Berlin month.
/// </summary>
internal sealed class OrganisationModel(InProcessApi api, TimeProvider time) : PageModel
{
    public string Name { get; private set; } = "";

    public string MonthName { get; private set; } = "";

    public DateOnly Month { get; private set; }

    public Statement Statement { get; private set; } = null!;

    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Bookings { get; private set; } = [];

    public async Task OnGetAsync(Guid id, string? monat, CancellationToken ct)
    {
        var organisation = await api.GetAsync<OrganisationItem>(User, $"/api/organisations/{id}", ct);
        Name = organisation.Name;
        var today = Formats.Today(time);
        // A month asked for that is no month shows the current one (a link, not a form: nothing to correct).
        var first = Month = DateOnly.TryParseExact(monat, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var asked)
            ? asked : new DateOnly(today.Year, today.Month, 1);
        Statement = await api.GetAsync<Statement>(User, $"/api/funding/statements/{id}?month={first.ToString("yyyy-MM", CultureInfo.InvariantCulture)}", ct);
        MonthName = Formats.Month(first);
        var from = Formats.FromBerlin(first, TimeOnly.MinValue);
        var to = Formats.FromBerlin(first.AddMonths(1), TimeOnly.MinValue);
        Names = await HouseNames.LoadAsync(api, User, ct);
        Bookings = (await api.GetAsync<Page<BookingItem>>(User,
            $"/api/bookings?organisationId={id}&from={Instant(from)}&to={Instant(to)}&limit=500", ct)).Items;
    }

    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
}
