using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// One grant for staff: more budget (POST /api/funding/grants/{id}/budget-increases), a later last day
/// (…/extension) and closing it (…/close, with a ticked box, checked here too), each at the version shown.
/// Funding decides: an extension must end later, a closed grant takes no change.
/// </summary>
internal sealed class FoerderungModel(InProcessApi api) : PageModel
{
    public GrantDetail Grant { get; private set; } = null!;

    public string FunderName { get; private set; } = "";

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid grantId, string? gespeichert, CancellationToken ct)
    {
        await LoadAsync(grantId, ct);
        Message = gespeichert switch
        {
            "budget" => Texts.L("Das Budget ist erhöht."),
            "verlaengert" => Texts.L("Die Förderung läuft jetzt bis {0}.", Formats.Date(Grant.EndsOn)),
            "abgeschlossen" => Texts.L("Die Förderung ist abgeschlossen: Sie bezahlt keine neuen Kosten mehr."),
            _ => null,
        };
    }

    public async Task<IActionResult> OnPostIncreaseAsync(Guid grantId, long version, string? betrag, string? anlass, CancellationToken ct)
    {
        if (!Eingaben.TryCents(betrag, out var cents))
            return await RefusedAsync(grantId, Texts.L("Betrag: bitte ein Betrag in Euro, etwa 5.000,00."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/funding/grants/{grantId}/budget-increases", new { amountCents = cents, reason = anlass }, ct,
            Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/foerderung/{grantId}?gespeichert=budget")
            : await RefusedAsync(grantId, Texts.L("Budget nicht erhöht: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostExtendAsync(Guid grantId, long version, string? ende, string? anlass, CancellationToken ct)
    {
        if (!Eingaben.TryDate(ende, out var endsOn))
            return await RefusedAsync(grantId, Texts.L("Neuer letzter Tag: bitte als TT.MM.JJJJ."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/funding/grants/{grantId}/extension", new { endsOn, reason = anlass }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/foerderung/{grantId}?gespeichert=verlaengert")
            : await RefusedAsync(grantId, Texts.L("Nicht verlängert: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostCloseAsync(Guid grantId, long version, string? grund, bool bestaetigt, CancellationToken ct)
    {
        // Closing cannot be undone: the box is asked on the server too, not only by the browser.
        if (!bestaetigt)
            return await RefusedAsync(grantId, Texts.L("Abschließen: bitte bestätigen, dass die Förderung keine neuen Kosten mehr bezahlt."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/funding/grants/{grantId}/close", new { reason = grund }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/foerderung/{grantId}?gespeichert=abgeschlossen")
            : await RefusedAsync(grantId, Texts.L("Nicht abgeschlossen: {0}", answer.Problem()), answer.Status, ct);
    }

    private async Task<IActionResult> RefusedAsync(Guid grantId, string error, int status, CancellationToken ct)
    {
        await LoadAsync(grantId, ct);
        Error = error;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync(Guid grantId, CancellationToken ct)
    {
        Grant = await api.GetAsync<GrantDetail>(User, $"/api/funding/grants/{grantId}", ct);
        FunderName = (await api.GetAsync<FunderItem>(User, $"/api/funding/funders/{Grant.FunderId}", ct)).Name;
    }
}
