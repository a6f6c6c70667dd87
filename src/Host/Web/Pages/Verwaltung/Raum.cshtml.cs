using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// One space for staff: its details (name, kind, capacity, places, floor, accessibility, equipment: PUT
/// /api/spaces/{id}), retiring it (POST …/retire, with a ticked box, checked here too), its rate schedule and new rates from a day on (PUT /api/spaces/{id}/rates: never for
/// the past, the API says why), and its booking rules (PUT …/rules), each at the version shown.
/// </summary>
internal sealed class RaumModel(InProcessApi api) : PageModel
{
    public SpaceView Space { get; private set; } = null!;

    public string SiteName { get; private set; } = "";

    public IReadOnlyList<FloorView> Floors { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid spaceId, bool angelegt, string? gespeichert, CancellationToken ct)
    {
        await LoadAsync(spaceId, ct);
        Message = angelegt ? Texts.L("{0} ist angelegt.", Space.Name) : gespeichert switch
        {
            "preise" => Texts.L("Die Preise sind gespeichert."),
            "regeln" => Texts.L("Die Buchungsregeln sind gespeichert."),
            "angaben" => Texts.L("Die Angaben sind gespeichert."),
            "stillgelegt" => Texts.L("{0} ist stillgelegt.", Space.Name),
            _ => null,
        };
    }

    public async Task<IActionResult> OnPostRatesAsync(Guid spaceId, long version, string? stundensatz, string? monatlich, string? ab, CancellationToken ct)
    {
        if (!Eingaben.TryCents(stundensatz, out var hourly) || !Eingaben.TryCents(monatlich, out var monthly))
            return await RefusedAsync(spaceId, Texts.L("Preise: bitte Beträge in Euro, etwa 12,50."), StatusCodes.Status400BadRequest, ct);
        DateOnly? from = null;
        if (!string.IsNullOrWhiteSpace(ab))
        {
            if (!Eingaben.TryDate(ab, out var day))
                return await RefusedAsync(spaceId, Texts.L("Gilt ab: bitte ein Tag als TT.MM.JJJJ."), StatusCodes.Status400BadRequest, ct);
            from = day;
        }
        var answer = await api.PutAsync(User, $"/api/spaces/{spaceId}/rates",
            new { hourlyRateCents = hourly, monthlyDeskFeeCents = monthly, effectiveFrom = from }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/raum/{spaceId}?gespeichert=preise")
            : await RefusedAsync(spaceId, Texts.L("Preise nicht gespeichert: {0}", Refusal(answer)), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostRulesAsync(Guid spaceId, long version, string? mindestens, string? hoechstens, string? vorlauf, bool freigabe,
        string[]? arten, CancellationToken ct)
    {
        if (!TryMinutes(mindestens, out var min) || !TryMinutes(hoechstens, out var max) || !TryMinutes(vorlauf, out var lead))
            return await RefusedAsync(spaceId, Texts.L("Dauer und Vorlauf: bitte ganze Minuten."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PutAsync(User, $"/api/spaces/{spaceId}/rules", new
        {
            minDurationMinutes = min, maxDurationMinutes = max, leadTimeMinutes = lead, approvalRequired = freigabe, organisationKinds = arten ?? [],
        }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/raum/{spaceId}?gespeichert=regeln")
            : await RefusedAsync(spaceId, Texts.L("Regeln nicht gespeichert: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostDetailsAsync(Guid spaceId, long version, string? name, string? art, string? personen, string? plaetze, Guid? etage,
        string[]? zugang, string? ausstattung, CancellationToken ct)
    {
        if (!int.TryParse(personen?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var capacity))
            return await RefusedAsync(spaceId, Texts.L("Personen höchstens: bitte eine ganze Zahl."), StatusCodes.Status400BadRequest, ct);
        int? places = null;
        if (!string.IsNullOrWhiteSpace(plaetze))
        {
            if (!int.TryParse(plaetze.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var p))
                return await RefusedAsync(spaceId, Texts.L("Plätze: bitte eine ganze Zahl oder leer."), StatusCodes.Status400BadRequest, ct);
            places = p;
        }
        // Equipment is free text in the API: one item per comma, as typed.
        var equipment = (ausstattung ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var answer = await api.PutAsync(User, $"/api/spaces/{spaceId}", new
        {
            floorId = etage, name, kind = art, capacity, places, accessibility = zugang ?? [], equipment,
        }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/raum/{spaceId}?gespeichert=angaben")
            : await RefusedAsync(spaceId, Texts.L("Angaben nicht gespeichert: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostRetireAsync(Guid spaceId, long version, string? grund, bool bestaetigt, CancellationToken ct)
    {
        // The box is the page's own question (the API retires at once): asked on the server too, not only by the browser.
        if (!bestaetigt)
            return await RefusedAsync(spaceId, Texts.L("Stilllegen: bitte bestätigen, dass der Raum keine Buchungen mehr annimmt."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/spaces/{spaceId}/retire", new { reason = string.IsNullOrWhiteSpace(grund) ? null : grund }, ct,
            Versions.ETag(version));
        return answer.IsSuccess ? Redirect($"/verwaltung/raum/{spaceId}?gespeichert=stillgelegt")
            : await RefusedAsync(spaceId, Texts.L("Nicht stillgelegt: {0}", answer.Problem()), answer.Status, ct);
    }

    private static bool TryMinutes(string? text, out int? minutes)
    {
        minutes = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        if (!int.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            return false;
        minutes = value;
        return true;
    }

    /// <summary>Rates' own refusals in German; others as the API words them.</summary>
    private static string Refusal(ApiAnswer answer) => answer.Rule() switch
    {
        "rates-not-retroactive" => Texts.L("Preise ändern sich nie rückwirkend; bitte heute oder später."),
        "rates-before-scheduled" => Texts.L("Eine spätere Preisänderung ist schon geplant; bitte ab deren Tag oder später."),
        _ => answer.Problem(),
    };

    private async Task<IActionResult> RefusedAsync(Guid spaceId, string error, int status, CancellationToken ct)
    {
        await LoadAsync(spaceId, ct);
        Error = error;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync(Guid spaceId, CancellationToken ct)
    {
        Space = await api.GetAsync<SpaceView>(User, $"/api/spaces/{spaceId}", ct);
        var site = await api.GetAsync<SiteView>(User, $"/api/sites/{Space.SiteId}", ct);
        SiteName = site.Name;
        Floors = site.Floors ?? [];
    }
}
