using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// One site for staff: opening hours (PUT …/opening-hours), closures (POST …/closures, DELETE …/closures/{id}),
/// the period it is used (PUT …/lease), its floors (PUT /api/sites/{id}: renamed or added, never removed), each at
/// the version shown (If-Match); its spaces and a new one
/// (POST /api/spaces). Spaces' rules decide; the page only turns German input into the API's shapes.
/// </summary>
internal sealed class StandortModel(InProcessApi api) : PageModel
{
    public SiteView Site { get; private set; } = null!;

    public IReadOnlyList<SpaceItem> Spaces { get; private set; } = [];

    /// <summary>The hours as typed, shown again when the API refused them.</summary>
    public IReadOnlyDictionary<string, string?>? HoursTyped { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public static IReadOnlyList<(string Code, string Name)> Kinds =>
        [.. new[] { "room", "event-hall", "fixed-desk", "flexible-desk-area" }.Select(k => (k, Words.Kind(k))), ("not-bookable", Texts.L("Nicht buchbar (Küche, WC …)"))];

    public static string KindName(string kind) => Kinds.FirstOrDefault(k => k.Code == kind).Name ?? Words.Kind(kind);

    public static string Lease(LeaseView? lease) => lease switch
    {
        null or { From: null, Until: null } => "dauerhaft",
        { From: { } from, Until: { } until } => Texts.L("{0} bis {1}", Formats.Date(from), Formats.Date(until)),
        { From: { } from } => Texts.L("ab {0}", Formats.Date(from)),
        { Until: { } until } => Texts.L("bis {0}", Formats.Date(until)),
    };

    public static string Period(ClosureView c) => c.FirstDay is { } first && c.LastDay is { } last
        ? first == last ? Formats.Date(first) : Texts.L("{0} bis {1}", Formats.Date(first), Formats.Date(last))
        : Texts.L("{0} bis {1} Uhr", Formats.DateTime(c.From), Formats.DateTime(c.To));

    public async Task OnGetAsync(Guid siteId, bool angelegt, CancellationToken ct)
    {
        await LoadAsync(siteId, ct);
        if (angelegt)
            Message = Texts.L("{0} ist angelegt. Tragen Sie Öffnungszeiten und Räume ein.", Site.Name);
    }

    public async Task<IActionResult> OnPostHoursAsync(Guid siteId, long version, Dictionary<string, string?> zeiten, CancellationToken ct)
    {
        var intervals = new List<object>();
        var unreadable = Eingaben.Days.Where(d => !Eingaben.TryHours(d.Code, zeiten.GetValueOrDefault(d.Code), intervals)).Select(d => d.Name).ToList();
        if (unreadable.Count > 0)
            return await RefusedAsync(siteId, Texts.L("Öffnungszeiten für {0} nicht lesbar: bitte wie „09:00–13:00, 14:00–18:00“.", string.Join(", ", unreadable)),
                StatusCodes.Status400BadRequest, ct, zeiten);
        var answer = await api.PutAsync(User, $"/api/sites/{siteId}/opening-hours", new { openingHours = intervals }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Done(siteId, "zeiten") : await RefusedAsync(siteId, Texts.L("Öffnungszeiten nicht gespeichert: {0}", answer.Problem()), answer.Status, ct, zeiten);
    }

    public async Task<IActionResult> OnPostCloseAsync(Guid siteId, long version, string? erster, string? letzter, string? grund, CancellationToken ct)
    {
        if (!Eingaben.TryDate(erster, out var first) || !Eingaben.TryDate(letzter, out var last))
            return await RefusedAsync(siteId, Texts.L("Bitte erster und letzter Tag als TT.MM.JJJJ."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/sites/{siteId}/closures", new { firstDay = first, lastDay = last, reason = grund }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Done(siteId, "geschlossen") : await RefusedAsync(siteId, Texts.L("Schließtage nicht eingetragen: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostReopenAsync(Guid siteId, Guid closureId, long version, CancellationToken ct)
    {
        var answer = await api.SendAsync(User, HttpMethods.Delete, $"/api/sites/{siteId}/closures/{closureId}", null, Versions.ETag(version), ct);
        return answer.IsSuccess ? Done(siteId, "aufgehoben") : await RefusedAsync(siteId, Texts.L("Aufheben ging nicht: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostLeaseAsync(Guid siteId, long version, string? ab, string? bis, CancellationToken ct)
    {
        DateOnly? from = null, until = null;
        if (!string.IsNullOrWhiteSpace(ab))
            from = Eingaben.TryDate(ab, out var f) ? f : Unreadable();
        if (!string.IsNullOrWhiteSpace(bis))
            until = Eingaben.TryDate(bis, out var u) ? u : Unreadable();
        if (Error is not null)
            return await RefusedAsync(siteId, Error, StatusCodes.Status400BadRequest, ct);
        var answer = await api.PutAsync(User, $"/api/sites/{siteId}/lease", new { from, until }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Done(siteId, "zeitraum") : await RefusedAsync(siteId, Texts.L("Zeitraum nicht gespeichert: {0}", answer.Problem()), answer.Status, ct);

        DateOnly? Unreadable()
        {
            Error = Texts.L("Bitte Tage als TT.MM.JJJJ.");
            return null;
        }
    }

    public async Task<IActionResult> OnPostFloorsAsync(Guid siteId, long version, Dictionary<Guid, string?>? etagen, string? neu, CancellationToken ct)
    {
        // The site's name and address go back as they are: this form changes only its floors.
        var site = await api.GetAsync<SiteView>(User, $"/api/sites/{siteId}", ct);
        var floors = (site.Floors ?? []).Select(f => (object)new { id = (Guid?)f.Id, name = etagen?.GetValueOrDefault(f.Id)?.Trim() ?? f.Name }).ToList();
        if (!string.IsNullOrWhiteSpace(neu))
            floors.Add(new { id = (Guid?)null, name = neu.Trim() });
        var answer = await api.PutAsync(User, $"/api/sites/{siteId}", new { name = site.Name, address = site.Address, floors }, ct, Versions.ETag(version));
        return answer.IsSuccess ? Done(siteId, "etagen") : await RefusedAsync(siteId, Texts.L("Etagen nicht gespeichert: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostOpenAsync(Guid siteId, string? raumname, string? art, string? personen, string? plaetze, string? stundensatz,
        CancellationToken ct)
    {
        if (!int.TryParse(personen, NumberStyles.None, CultureInfo.InvariantCulture, out var capacity))
            return await RefusedAsync(siteId, Texts.L("Personen höchstens: bitte eine ganze Zahl."), StatusCodes.Status400BadRequest, ct);
        int? places = int.TryParse(plaetze, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        if (!Eingaben.TryCents(string.IsNullOrWhiteSpace(stundensatz) ? "0" : stundensatz, out var hourly))
            return await RefusedAsync(siteId, Texts.L("Stundensatz: bitte ein Betrag in Euro, etwa 12,50."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, "/api/spaces", new
        {
            siteId, name = raumname, kind = art, capacity, places, rates = new { hourlyRateCents = hourly, monthlyDeskFeeCents = 0L },
        }, ct);
        return answer.IsSuccess
            ? Redirect($"/verwaltung/raum/{answer.Read<SpaceView>().Id}?angelegt=true")
            : await RefusedAsync(siteId, Texts.L("Raum nicht angelegt: {0}", answer.Problem()), answer.Status, ct);
    }

    /// <summary>After a change: the page again by GET (so a reload does not repeat it), saying what happened.</summary>
    private RedirectResult Done(Guid siteId, string what) => Redirect($"/verwaltung/standort/{siteId}?gespeichert={what}");

    private async Task<IActionResult> RefusedAsync(Guid siteId, string error, int status, CancellationToken ct, Dictionary<string, string?>? hours = null)
    {
        await LoadAsync(siteId, ct);
        Error = error;
        HoursTyped = hours;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync(Guid siteId, CancellationToken ct)
    {
        var site = api.GetAsync<SiteView>(User, $"/api/sites/{siteId}", ct);
        var spaces = api.GetAsync<Page<SpaceItem>>(User, $"/api/spaces?siteId={siteId}&limit=500&includeRetired=true", ct);
        Site = await site;
        Spaces = (await spaces).Items;
        Message = Request.Query["gespeichert"].ToString() switch
        {
            "zeiten" => Texts.L("Die Öffnungszeiten sind gespeichert."),
            "geschlossen" => Texts.L("Die Schließtage sind eingetragen."),
            "aufgehoben" => Texts.L("Die Schließtage sind aufgehoben."),
            "zeitraum" => Texts.L("Der Nutzungszeitraum ist gespeichert."),
            "etagen" => Texts.L("Die Etagen sind gespeichert."),
            _ => null,
        };
    }
}
