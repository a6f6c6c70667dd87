using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// An organisation's month: its name from /api/organisations/{id}, which answers 404 to a member of
/// another organisation, so the page refuses on the server, and its bookings of the Berlin month.
/// </summary>
internal sealed class OrganisationModel(InProcessApi api, TimeProvider time) : PageModel
{
    public string Name { get; private set; } = "";

    public string MonthName { get; private set; } = "";

    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Bookings { get; private set; } = [];

    public async Task OnGetAsync(Guid id, CancellationToken ct)
    {
        var organisation = await api.GetAsync<OrganisationItem>(User, $"/api/organisations/{id}", ct);
        Name = organisation.Name;
        var today = Formats.Today(time);
        var first = new DateOnly(today.Year, today.Month, 1);
        MonthName = first.ToString("MMMM yyyy", Formats.German);
        var from = Formats.FromBerlin(first, TimeOnly.MinValue);
        var to = Formats.FromBerlin(first.AddMonths(1), TimeOnly.MinValue);
        Names = await HouseNames.LoadAsync(api, User, ct);
        Bookings = (await api.GetAsync<Page<BookingItem>>(User,
            $"/api/bookings?organisationId={id}&from={Instant(from)}&to={Instant(to)}&limit=500", ct)).Items;
    }

    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
}
