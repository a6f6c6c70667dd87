using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// For admins: how far each projection is behind the log (/api/admin/projections), and the deliveries
/// that ran out of retries (/api/admin/dead-letters), to deliver again or give up.
/// </summary>
internal sealed class BetriebModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<ProjectionItem> Projections { get; private set; } = [];

    public IReadOnlyList<DeadLetterItem> DeadLetters { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostReplayAsync(Guid id, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/admin/dead-letters/{id}/replay", null, ct);
        (Message, Error) = answer.IsSuccess ? (Texts.L("Die Nachricht wird erneut zugestellt."), (string?)null) : (null, Texts.L("Erneut zustellen ging nicht: {0}", answer.Problem()));
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDiscardAsync(Guid id, CancellationToken ct)
    {
        var answer = await api.SendAsync(User, HttpMethods.Delete, $"/api/admin/dead-letters/{id}", null, null, ct);
        (Message, Error) = answer.IsSuccess ? (Texts.L("Die Zustellung ist aufgegeben; die Nachricht bleibt verzeichnet."), (string?)null) : (null, Texts.L("Aufgeben ging nicht: {0}", answer.Problem()));
        await LoadAsync(ct);
        return Page();
    }

    public static string Status(ProjectionItem projection) => projection.Status switch
    {
        "running" when projection.Lifecycle == "inline" => Texts.L("läuft (in der Schreib-Transaktion)"),
        "running" => Texts.L("läuft"),
        "rebuilding" => Texts.L("wird neu aufgebaut ({0})", (projection.RebuildProgress ?? 0).ToString("0 %", Formats.Culture)),
        "stopped" => Texts.L("angehalten (Fehler)"),
        var other => other,
    };

    private async Task LoadAsync(CancellationToken ct)
    {
        var projections = api.GetAsync<IReadOnlyList<ProjectionItem>>(User, "/api/admin/projections", ct);
        var letters = api.GetAsync<Page<DeadLetterItem>>(User, "/api/admin/dead-letters?limit=100", ct);
        Projections = [.. (await projections).OrderBy(p => p.Name, StringComparer.Ordinal)];
        DeadLetters = (await letters).Items;
    }
}
