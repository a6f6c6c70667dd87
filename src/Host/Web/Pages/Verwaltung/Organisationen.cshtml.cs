using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// Organisations: register one (it applies: POST /api/organisations) and admit an application at the
/// version shown (POST /api/organisations/{id}/activate); Membership's rules decide both.
/// </summary>
internal sealed class OrganisationenModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<OrganisationRecord> Organisations { get; private set; } = [];

    public string? Name { get; private set; }

    public string Art { get; private set; } = "initiative";

    public bool Gemeinnuetzig { get; private set; } = true;

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostRegisterAsync(string? name, string? art, bool gemeinnuetzig, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/organisations", new { name, kind = art, nonProfit = gemeinnuetzig }, ct);
        if (answer.IsSuccess)
            Message = Texts.L("{0} ist eingetragen und hat die Mitgliedschaft beantragt.", answer.Read<OrganisationRecord>().Name);
        else
        {
            (Name, Art, Gemeinnuetzig) = (name, art ?? Art, gemeinnuetzig);
            Error = Texts.L("Eintragen ging nicht: {0}", answer.Problem());
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostAdmitAsync(Guid id, long version, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/organisations/{id}/activate", null, ct, ifMatch: Versions.ETag(version));
        if (answer.IsSuccess)
            Message = Texts.L("{0} ist aufgenommen und kann buchen.", answer.Read<OrganisationRecord>().Name);
        else
            Error = Texts.L("Aufnehmen ging nicht: {0}", answer.Problem());
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct) =>
        Organisations = [.. (await api.GetAsync<Page<OrganisationRecord>>(User, "/api/organisations?limit=500", ct)).Items
            .OrderBy(o => o.Status == "applied" ? 0 : 1).ThenBy(o => o.Name, StringComparer.Create(Formats.German, ignoreCase: true))];
}
