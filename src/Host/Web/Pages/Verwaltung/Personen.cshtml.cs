using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>The people Membership knows (forgotten ones are nameless and left out), and registering one: POST /api/people.</summary>
internal sealed class PersonenModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<PersonRecord> People { get; private set; } = [];

    public HouseNames Names { get; private set; } = null!;

    public string? Name { get; private set; }

    public string? Email { get; private set; }

    public string? Telefon { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(bool vergessen, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (vergessen)
            Message = Texts.L("Die Person ist vergessen: ihre persönlichen Daten sind gelöscht.");
    }

    public async Task<IActionResult> OnPostAsync(string? name, string? email, string? telefon, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/people", new { name, email = Blank(email), phone = Blank(telefon) }, ct);
        if (answer.IsSuccess)
            return Redirect($"/verwaltung/personen/{answer.Read<PersonRecord>().Id}?neu=true");
        (Name, Email, Telefon) = (name, email, telefon);
        Error = Texts.L("Eintragen ging nicht: {0}", answer.Problem());
        await LoadAsync(ct);
        return Page();
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private async Task LoadAsync(CancellationToken ct)
    {
        var people = api.GetAsync<Page<PersonRecord>>(User, "/api/people?limit=500", ct);
        Names = await HouseNames.LoadAsync(api, User, ct);
        People = [.. (await people).Items.Where(p => !p.Erased).OrderBy(p => p.Name, StringComparer.Create(Formats.German, ignoreCase: true))];
    }
}
