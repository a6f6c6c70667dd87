using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// Staff's funders and grants: each funder with its grants' budgets, use and the warnings Funding raised
/// (GET /api/funding/…); a new funder (POST /funders), a new grant (POST /grants) and more budget
/// (POST /grants/{id}/budget-increases at the version shown). Funding's rules decide all of it.
/// </summary>
internal sealed class FoerdererModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<FunderItem> Funders { get; private set; } = [];

    public IReadOnlyList<GrantDetail> Grants { get; private set; } = [];

    public IReadOnlyList<SiteItem> Sites { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public static IReadOnlyList<(string Code, string Name)> FunderKinds => Words.InLanguage(
        [("public-authority", Texts.N("Behörde")), ("programme", Texts.N("Förderprogramm")), ("foundation", Texts.N("Stiftung")), ("business-sponsor", Texts.N("Unternehmen (Sponsor)"))]);

    public static string FunderKind(string kind) => FunderKinds.FirstOrDefault(k => k.Code == kind).Name ?? kind;

    public static IReadOnlyList<(string Code, string Name)> CostTypes =>
        [.. new[] { "room-hours", "event-hall-hours", "desk-fees", "cooperative-shares", "usage-fees" }.Select(c => (c, Words.CostType(c))),
         ("purpose-payments", Texts.L("Zahlungen für einen Zweck (Sponsoring)"))];

    public IReadOnlyList<GrantDetail> GrantsOf(Guid funderId) => [.. Grants.Where(g => g.FunderId == funderId).OrderBy(g => g.StartsOn)];

    public async Task OnGetAsync(string? gespeichert, CancellationToken ct)
    {
        await LoadAsync(ct);
        Message = gespeichert switch
        {
            "foerderer" => Texts.L("Der Förderer ist eingetragen."),
            "foerderung" => Texts.L("Die Förderung ist eingetragen."),
            "budget" => Texts.L("Das Budget ist erhöht."),
            _ => null,
        };
    }

    public async Task<IActionResult> OnPostFunderAsync(string? name, string? art, string? stelle, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/funding/funders",
            new { name, kind = art, contact = new { office = string.IsNullOrWhiteSpace(stelle) ? null : stelle.Trim() }, reportingPeriod = "yearly" }, ct);
        return answer.IsSuccess ? Redirect("/verwaltung/foerderer?gespeichert=foerderer")
            : await RefusedAsync(Texts.L("Förderer nicht eingetragen: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostGrantAsync(Guid foerderer, string? name, string? zeichen, string? budget, string? beginn, string? ende,
        string? anteil, string[]? kosten, Guid[]? standorte, CancellationToken ct)
    {
        if (!Eingaben.TryCents(budget, out var cents))
            return await RefusedAsync(Texts.L("Budget: bitte ein Betrag in Euro, etwa 25.000,00."), StatusCodes.Status400BadRequest, ct);
        if (!Eingaben.TryDate(beginn, out var starts) || !Eingaben.TryDate(ende, out var ends))
            return await RefusedAsync(Texts.L("Laufzeit: bitte erster und letzter Tag als TT.MM.JJJJ."), StatusCodes.Status400BadRequest, ct);
        if (!decimal.TryParse(string.IsNullOrWhiteSpace(anteil) ? "100" : anteil, NumberStyles.Number, Formats.Culture, out var percent))
            return await RefusedAsync(Texts.L("Anteil: bitte eine Zahl in Prozent."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, "/api/funding/grants", new
        {
            funderId = foerderer, name, reference = zeichen, budgetCents = cents, startsOn = starts, endsOn = ends,
            shareBasisPoints = (int)decimal.Round(percent * 100), coverage = new { costTypes = kosten ?? [], siteIds = standorte ?? [] },
        }, ct);
        return answer.IsSuccess ? Redirect("/verwaltung/foerderer?gespeichert=foerderung")
            : await RefusedAsync(Texts.L("Förderung nicht eingetragen: {0}", answer.Problem()), answer.Status, ct);
    }

    public async Task<IActionResult> OnPostIncreaseAsync(Guid grantId, long version, string? betrag, string? anlass, CancellationToken ct)
    {
        if (!Eingaben.TryCents(betrag, out var cents))
            return await RefusedAsync(Texts.L("Betrag: bitte ein Betrag in Euro, etwa 5.000,00."), StatusCodes.Status400BadRequest, ct);
        var answer = await api.PostAsync(User, $"/api/funding/grants/{grantId}/budget-increases", new { amountCents = cents, reason = anlass }, ct,
            $"\"{version.ToString(CultureInfo.InvariantCulture)}\"");
        return answer.IsSuccess ? Redirect("/verwaltung/foerderer?gespeichert=budget")
            : await RefusedAsync(Texts.L("Budget nicht erhöht: {0}", answer.Problem()), answer.Status, ct);
    }

    private async Task<IActionResult> RefusedAsync(string error, int status, CancellationToken ct)
    {
        await LoadAsync(ct);
        Error = error;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var funders = api.GetAsync<Page<FunderItem>>(User, "/api/funding/funders?limit=500", ct);
        var grants = api.GetAsync<Page<GrantDetail>>(User, "/api/funding/grants?limit=500", ct);
        var sites = api.GetAsync<Page<SiteItem>>(User, "/api/sites?limit=500", ct);
        Funders = [.. (await funders).Items.OrderBy(f => f.Name, StringComparer.Create(Formats.German, ignoreCase: true))];
        Grants = (await grants).Items;
        Sites = [.. (await sites).Items.OrderBy(s => s.Name, StringComparer.Create(Formats.German, ignoreCase: true))];
    }
}
