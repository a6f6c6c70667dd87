using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// One organisation for staff: its details (name, kind, non-profit, address, contact: PUT
/// /api/organisations/{id}, validated there), and its membership: let it rest (POST /api/organisations/{id}/suspend, with a
/// reason), take it back (…/reactivate) or end it for good (…/end, with a reason and a ticked box,
/// checked here too), each at the version shown. Membership decides which step is allowed when.
/// </summary>
internal sealed class OrganisationModel(InProcessApi api) : PageModel
{
    public OrganisationRecord Organisation { get; private set; } = null!;

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid id, string? gespeichert, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        Message = gespeichert switch
        {
            "ruht" => Texts.L("{0} ruht jetzt und kann nicht buchen.", Organisation.Name),
            "aktiv" => Texts.L("{0} ist wieder aktiv und kann buchen.", Organisation.Name),
            "beendet" => Texts.L("Die Mitgliedschaft von {0} ist beendet.", Organisation.Name),
            "angaben" => Texts.L("Die Angaben sind gespeichert."),
            _ => null,
        };
    }

    public async Task<IActionResult> OnPostDetailsAsync(Guid id, long version, string? name, string? art, bool gemeinnuetzig, string? strasse,
        string? plz, string? ort, string? email, string? telefon, CancellationToken ct)
    {
        // An address is all three parts or none (the API's rule): all blank means none, a part missing is the API's 400 naming it.
        var address = string.IsNullOrWhiteSpace(strasse) && string.IsNullOrWhiteSpace(plz) && string.IsNullOrWhiteSpace(ort)
            ? null : new { street = strasse, postalCode = plz, city = ort };
        var answer = await api.PutAsync(User, $"/api/organisations/{id}", new
        {
            name, kind = art, nonProfit = gemeinnuetzig, address, contact = new { email, phone = telefon },
        }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/organisation/{id}?gespeichert=angaben")
            : await RefusedAsync(id, Texts.L("Angaben nicht gespeichert: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostSuspendAsync(Guid id, long version, string? grund, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/organisations/{id}/suspend", new { reason = grund }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/organisation/{id}?gespeichert=ruht")
            : await RefusedAsync(id, Texts.L("Ruhen lassen ging nicht: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostReactivateAsync(Guid id, long version, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/organisations/{id}/reactivate", null, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/organisation/{id}?gespeichert=aktiv")
            : await RefusedAsync(id, Texts.L("Wieder aufnehmen ging nicht: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostEndAsync(Guid id, long version, string? grund, bool bestaetigt, CancellationToken ct)
    {
        // Ending is final: the box is asked on the server too, not only by the browser.
        if (!bestaetigt)
            return await RefusedAsync(id, Texts.L("Beenden: bitte bestätigen, dass die Mitgliedschaft endgültig endet."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/organisations/{id}/end", new { reason = grund }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/organisation/{id}?gespeichert=beendet")
            : await RefusedAsync(id, Texts.L("Beenden ging nicht: {0}", answer.Problem()), answer.Status, ct);
    }

    private async Task<IActionResult> RefusedAsync(Guid id, string error, int status, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        Error = error;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync(Guid id, CancellationToken ct) =>
        Organisation = await api.GetAsync<OrganisationRecord>(User, $"/api/organisations/{id}", ct);
}
