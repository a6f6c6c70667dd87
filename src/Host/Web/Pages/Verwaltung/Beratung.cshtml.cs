using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// Appointments with a person (ADR 19) for staff: offer an advisor's consultation hours at a room, see each hours'
/// appointments, book a free slot for a member or a newcomer (name, e-mail or phone, the consent's version: nothing
/// more), cancel with a reason, and record, from its start on, whether it was held and, with consent, what came of
/// it. Every step is the advice API's, which decides (slot guard, consent, who may).
/// </summary>
internal sealed class BeratungModel(InProcessApi api, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid? Stunden { get; set; }

    public IReadOnlyList<HoursItem> Hours { get; private set; } = [];

    public HoursItem? Selected { get; private set; }

    public IReadOnlyList<SlotItem> FreeSlots { get; private set; } = [];

    public IReadOnlyList<AppointmentItem> Appointments { get; private set; } = [];

    public IReadOnlyList<PersonItem> People { get; private set; } = [];

    public IReadOnlyList<OrganisationItem> Organisations { get; private set; } = [];

    public IReadOnlyList<SpaceItem> Rooms { get; private set; } = [];

    public IReadOnlyList<SiteItem> Sites { get; private set; } = [];

    /// <summary>Client names of the shown appointments: members from Membership, newcomers opened by the advice API.</summary>
    public IReadOnlyDictionary<Guid, string> Clients { get; private set; } = new Dictionary<Guid, string>();

    public DateTimeOffset Now => time.GetUtcNow();

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public string PersonName(Guid id) => People.FirstOrDefault(p => p.Id == id)?.Name ?? Texts.L("(vergessen)");

    public string OrganisationName(Guid id) => Organisations.FirstOrDefault(o => o.Id == id)?.Name ?? "";

    public string Place(Guid spaceId, Guid siteId) =>
        $"{Rooms.FirstOrDefault(r => r.Id == spaceId)?.Name}, {Sites.FirstOrDefault(s => s.Id == siteId)?.Name}";

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostOfferAsync(Guid berater, Guid organisation, Guid raum, string? titel, string? handlungsfeld, string? datum,
        bool woechentlich, string? bis_datum, string? von, string? bis, int? minuten, CancellationToken ct)
    {
        if (!Eingaben.TryDate(datum, out var first) || (woechentlich && !Eingaben.TryDate(bis_datum, out _)))
            Error = woechentlich ? Texts.L("Bitte den ersten und den letzten Tag als TT.MM.JJJJ angeben.") : Texts.L("Bitte den Tag als TT.MM.JJJJ angeben.");
        else
        {
            DateOnly? last = woechentlich && Eingaben.TryDate(bis_datum, out var l) ? l : null;
            var answer = await api.PostAsync(User, "/api/advice/hours", new
            {
                advisorId = berater, organisationId = organisation, spaceId = raum, title = titel, actionField = handlungsfeld, weekly = woechentlich,
                firstDate = first, lastDate = last, from = von?.Trim(), until = bis?.Trim(), slotMinutes = minuten,
            }, ct);
            if (answer.IsSuccess)
                return RedirectToPage(new { stunden = answer.Read<HoursItem>().Id });
            Error = answer.Problem();
        }
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>A member (named) or a newcomer, admitted first with what the API needs, then booked in the slot chosen.</summary>
    public async Task<IActionResult> OnPostBookAsync(string? beginn, Guid? mitglied, string? name, string? email, string? telefon, string? einwilligung,
        bool zugestimmt, CancellationToken ct)
    {
        if (Stunden is not { } hoursId || !DateTimeOffset.TryParse(beginn, CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            Error = Texts.L("Bitte einen freien Termin wählen.");
        else if (mitglied is null && string.IsNullOrWhiteSpace(name))
            Error = Texts.L("Bitte ein Mitglied wählen oder Name und E-Mail oder Telefon einer neuen Person angeben.");
        else if (mitglied is null && !zugestimmt)
            Error = Texts.L("Ohne Einwilligung der Person werden ihre Daten nicht gespeichert.");
        else
        {
            Guid? newcomer = null;
            if (mitglied is null)
            {
                var admitted = await api.PostAsync(User, "/api/advice/newcomers", new
                {
                    organisationId = (await api.GetAsync<HoursItem>(User, $"/api/advice/hours/{hoursId}", ct)).OrganisationId, name,
                    email = string.IsNullOrWhiteSpace(email) ? null : email, phone = string.IsNullOrWhiteSpace(telefon) ? null : telefon,
                    consentVersion = einwilligung,
                }, ct);
                if (!admitted.IsSuccess)
                {
                    Error = admitted.Problem();
                    await LoadAsync(ct);
                    return Page();
                }
                newcomer = admitted.Read<NewcomerItem>().Id;
            }
            var booked = await api.PostAsync(User, $"/api/advice/hours/{hoursId}/appointments",
                new { start, newcomerId = newcomer, personId = newcomer is null ? mitglied : null }, ct);
            if (booked.IsSuccess)
                return RedirectToPage(new { stunden = hoursId });
            Error = booked.Problem();
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, string? grund, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/advice/appointments/{id}/cancel", new { reason = grund }, ct);
        if (answer.IsSuccess)
            return RedirectToPage(new { stunden = Stunden });
        Error = answer.Problem();
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>Held or not; with consent, a count per kind of outcome (empty or 0: none of that kind).</summary>
    public async Task<IActionResult> OnPostOutcomeAsync(Guid id, string? stattgefunden, bool einwilligung, CancellationToken ct)
    {
        var held = stattgefunden == "ja";
        var outcomes = new List<object>();
        foreach (var (code, _) in AdviceWords.Outcomes)
            if (int.TryParse(Request.Form[$"ergebnis-{code}"], NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0)
                outcomes.Add(new { kind = code, count });
        var answer = await api.PutAsync(User, $"/api/advice/appointments/{id}/outcome", new { held, consent = held && einwilligung, outcomes }, ct);
        if (answer.IsSuccess)
            return RedirectToPage(new { stunden = Stunden });
        Error = answer.Problem();
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var people = api.GetAsync<Page<PersonItem>>(User, "/api/people?limit=500", ct);
        var organisations = api.GetAsync<Page<OrganisationItem>>(User, "/api/organisations?limit=500", ct);
        var spaces = api.GetAsync<Page<SpaceItem>>(User, "/api/spaces?limit=500", ct);
        var sites = api.GetAsync<Page<SiteItem>>(User, "/api/sites?limit=500", ct);
        Hours = await api.GetAsync<List<HoursItem>>(User, "/api/advice/hours", ct);
        People = (await people).Items;
        Organisations = (await organisations).Items;
        // Appointments need a room of their own, booked without approval; the API says which if one is not.
        Rooms = [.. (await spaces).Items.Where(s => s.Bookable && !s.Retired && s.Kind != "flexible-desk-area")];
        Sites = (await sites).Items;
        Selected = Hours.FirstOrDefault(h => h.Id == Stunden);
        if (Selected is { } hours)
        {
            var slots = api.GetAsync<List<SlotItem>>(User, $"/api/advice/hours/{hours.Id}/slots?days=92", ct);
            Appointments = await api.GetAsync<List<AppointmentItem>>(User, $"/api/advice/hours/{hours.Id}/appointments", ct);
            FreeSlots = [.. (await slots).Where(s => s.Free)];
            var clients = new Dictionary<Guid, string>();
            foreach (var a in Appointments.Where(a => !clients.ContainsKey(a.ClientId)))
                clients[a.ClientId] = a.ClientKind == "member" ? PersonName(a.ClientId)
                    : (await api.GetAsync<NewcomerItem>(User, $"/api/advice/newcomers/{a.ClientId}", ct)).Name ?? Texts.L("(Daten gelöscht)");
            Clients = clients;
        }
    }
}
