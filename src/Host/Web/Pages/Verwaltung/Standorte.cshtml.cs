using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>Staff's sites: the list (GET /api/sites) and a new one (POST /api/sites); the rest on each site's page.</summary>
internal sealed class StandorteModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<SiteSummaryView> Sites { get; private set; } = [];

    public IReadOnlyList<SpaceItem> Spaces { get; private set; } = [];

    public string? Name { get; private set; }

    public string? Strasse { get; private set; }

    public string? Plz { get; private set; }

    public string? Ort { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public int SpaceCount(Guid siteId) => Spaces.Count(s => s.SiteId == siteId && !s.Retired);

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(string? name, string? strasse, string? plz, string? ort, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/sites", new { name, address = new { street = strasse, postalCode = plz, city = ort } }, ct);
        if (answer.IsSuccess)
            return Redirect($"/verwaltung/standort/{answer.Read<SiteView>().Id}?angelegt=true");
        (Name, Strasse, Plz, Ort) = (name, strasse, plz, ort);
        Error = Texts.L("Anlegen ging nicht: {0}", answer.Problem());
        Response.StatusCode = answer.Status;
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var sites = api.GetAsync<Page<SiteSummaryView>>(User, "/api/sites?limit=500", ct);
        var spaces = api.GetAsync<Page<SpaceItem>>(User, "/api/spaces?limit=500", ct);
        Sites = [.. (await sites).Items.OrderBy(s => s.Name, StringComparer.Create(Formats.German, ignoreCase: true))];
        Spaces = (await spaces).Items;
    }
}
