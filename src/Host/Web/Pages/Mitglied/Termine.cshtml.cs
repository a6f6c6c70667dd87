using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// A member's own appointments with an advisor (ADR 19): the consultation hours on offer with their free slots, to
/// book one for themselves, and their appointments, to cancel one. The list comes from the API's "mine", which holds
/// the member's own appointments only, never another person's or organisation's.
/// </summary>
internal sealed class TermineModel(InProcessApi api, TimeProvider time) : PageModel
{
    public IReadOnlyList<AppointmentItem> Appointments { get; private set; } = [];

    public IReadOnlyList<(HoursItem Hours, IReadOnlyList<SlotItem> Free)> Offers { get; private set; } = [];

    public IReadOnlyDictionary<Guid, HoursItem> HoursOf { get; private set; } = new Dictionary<Guid, HoursItem>();

    public IReadOnlyList<SiteItem> Sites { get; private set; } = [];

    public IReadOnlyList<SpaceItem> Spaces { get; private set; } = [];

    public DateTimeOffset Now => time.GetUtcNow();

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public string Place(Guid spaceId, Guid siteId) =>
        $"{Spaces.FirstOrDefault(r => r.Id == spaceId)?.Name}, {Sites.FirstOrDefault(s => s.Id == siteId)?.Name}";

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostBookAsync(Guid stunden, string? beginn, CancellationToken ct)
    {
        if (!DateTimeOffset.TryParse(beginn, CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            Error = Texts.L("Bitte einen freien Termin wählen.");
        else
        {
            var answer = await api.PostAsync(User, $"/api/advice/hours/{stunden}/appointments", new { start }, ct);
            if (answer.IsSuccess)
                return RedirectToPage();
            Error = answer.Problem();
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, string? grund, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/advice/appointments/{id}/cancel", new { reason = grund }, ct);
        if (answer.IsSuccess)
            return RedirectToPage();
        Error = answer.Problem();
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var sites = api.GetAsync<Page<SiteItem>>(User, "/api/sites?limit=500", ct);
        var spaces = api.GetAsync<Page<SpaceItem>>(User, "/api/spaces?limit=500", ct);
        Appointments = await api.GetAsync<List<AppointmentItem>>(User, "/api/advice/appointments/mine", ct);
        var hours = await api.GetAsync<List<HoursItem>>(User, "/api/advice/hours", ct);
        var offers = new List<(HoursItem, IReadOnlyList<SlotItem>)>();
        foreach (var h in hours)
            offers.Add((h, [.. (await api.GetAsync<List<SlotItem>>(User, $"/api/advice/hours/{h.Id}/slots?days=28", ct)).Where(s => s.Free)]));
        Offers = offers;
        var known = hours.ToDictionary(h => h.Id);
        // Hours withdrawn since the member booked are not in the list of offers, but their appointments still are.
        foreach (var id in Appointments.Select(a => a.HoursId).Distinct().Where(id => !known.ContainsKey(id)))
            known[id] = await api.GetAsync<HoursItem>(User, $"/api/advice/hours/{id}", ct);
        HoursOf = known;
        Sites = (await sites).Items;
        Spaces = (await spaces).Items;
    }
}
