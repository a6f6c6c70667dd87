using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>The approval queue: requests awaiting staff, approved or rejected at the version shown.</summary>
internal sealed class FreigabenModel(InProcessApi api) : PageModel
{
    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Pending { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public Task<IActionResult> OnPostApproveAsync(Guid id, long version, CancellationToken ct) =>
        DecideAsync($"/api/bookings/{id}/approve", null, version, Texts.L("Die Buchung ist freigegeben."), ct);

    public Task<IActionResult> OnPostRejectAsync(Guid id, long version, string? grund, CancellationToken ct) =>
        DecideAsync($"/api/bookings/{id}/reject", new { reason = grund }, version, Texts.L("Die Anfrage ist abgelehnt."), ct);

    private async Task<IActionResult> DecideAsync(string path, object? body, long version, string done, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, path, body, ct, ifMatch: Versions.ETag(version));
        if (answer.IsSuccess)
            Message = done;
        else
            Error = answer.Problem();
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var names = HouseNames.LoadAsync(api, User, ct);
        var pending = api.GetAsync<Page<BookingItem>>(User, "/api/bookings?status=pending-approval&limit=500", ct);
        Names = await names;
        Pending = (await pending).Items;
    }
}
