using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// Membership applications sent through the public form: staff read who applied and approve (the
/// organisation is admitted at once) or decline with a reason, each at the version shown.
/// </summary>
internal sealed class AntraegeModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<ApplicationItem> Pending { get; private set; } = [];

    public IReadOnlyList<ApplicationItem> Decided { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public Task<IActionResult> OnPostApproveAsync(Guid id, long version, string name, CancellationToken ct) =>
        DecideAsync($"/api/membership/applications/{id}/approve", null, version, Texts.L("{0} ist aufgenommen und kann buchen.", name), ct);

    public Task<IActionResult> OnPostDeclineAsync(Guid id, long version, string name, string? grund, CancellationToken ct) =>
        DecideAsync($"/api/membership/applications/{id}/decline", new { reason = grund }, version, Texts.L("Der Antrag von {0} ist abgelehnt.", name), ct);

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
        var pending = api.GetAsync<Page<ApplicationItem>>(User, "/api/membership/applications?status=pending&limit=500", ct);
        var all = api.GetAsync<Page<ApplicationItem>>(User, "/api/membership/applications?limit=500", ct);
        Pending = (await pending).Items;
        // The latest decisions first: what a colleague decided last week is what staff look for.
        Decided = [.. (await all).Items.Where(a => a.Status != "pending").OrderByDescending(a => a.DecidedAt).Take(20)];
    }
}
