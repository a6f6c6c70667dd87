using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// The bookings of the person's organisations (/api/bookings limits a member to them), upcoming and
/// past, with cancelling at the version shown (If-Match: a change meanwhile is refused, not overwritten).
/// </summary>
internal sealed class BuchungenModel(InProcessApi api, TimeProvider time) : PageModel
{
    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Upcoming { get; private set; } = [];

    public IReadOnlyList<BookingItem> Past { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid? neu, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (neu is { } id && Upcoming.FirstOrDefault(b => b.Id == id) is { } booking)
            Message = booking.Status == "pending-approval"
                ? $"Gebucht: {Names.Space(booking.SpaceId)}, {Formats.Range(booking.Start, booking.End)}. Die Raumverwaltung muss die Buchung noch freigeben."
                : $"Gebucht: {Names.Space(booking.SpaceId)}, {Formats.Range(booking.Start, booking.End)}. Die Buchung ist bestätigt.";
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, long version, string? grund, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/bookings/{id}/cancel", new { reason = grund }, ct, ifMatch: ETag(version));
        if (answer.IsSuccess)
            Message = "Die Buchung ist storniert.";
        else
            Error = $"Stornieren ging nicht: {answer.Problem()}";
        await LoadAsync(ct);
        return Page();
    }

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    private async Task LoadAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var names = HouseNames.LoadAsync(api, User, ct);
        // Staff see every organisation's bookings here too; a member only their organisations'.
        var upcoming = api.GetAsync<Page<BookingItem>>(User, $"/api/bookings?from={Instant(now)}&limit=200", ct);
        var past = api.GetAsync<Page<BookingItem>>(User, $"/api/bookings?from={Instant(now.AddDays(-90))}&to={Instant(now)}&limit=500", ct);
        Names = await names;
        Upcoming = [.. (await upcoming).Items.Where(b => b.End > now)];
        Past = [.. (await past).Items.Where(b => b.End <= now).Reverse()];
    }

    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
}
