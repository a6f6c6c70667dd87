using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>Upcoming bookings Bookings flagged or held after a change elsewhere (/api/bookings?flagged=true), with the reasons in words.</summary>
internal sealed class AuffaelligModel(InProcessApi api, TimeProvider time) : PageModel
{
    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Bookings { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var names = HouseNames.LoadAsync(api, User, ct);
        var from = Uri.EscapeDataString(time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
        var flagged = api.GetAsync<Page<BookingItem>>(User, $"/api/bookings?flagged=true&from={from}&limit=500", ct);
        Names = await names;
        Bookings = [.. (await flagged).Items.Where(b => b.Status is "pending-approval" or "confirmed")];
    }
}
