using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>Staff invite people (one-time link to pass on) and revoke access, through /api/access/accounts.</summary>
internal sealed class ZugaengeModel(InProcessApi api) : PageModel
{
    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Role { get; set; } = Roles.Member;

    [BindProperty]
    public Guid? PersonId { get; set; }

    [BindProperty]
    public Guid? FunderId { get; set; }

    /// <summary>The invitation mail's language (ADR 18): the person's, which staff know; the page's own until chosen.</summary>
    [BindProperty]
    public string? Language { get; set; }

    public string? Link { get; private set; }

    public string? Error { get; private set; }

    public IReadOnlyList<AccountView> Accounts { get; private set; } = [];

    public IReadOnlyList<PersonItem> People { get; private set; } = [];

    public IReadOnlyList<FunderItem> Funders { get; private set; } = [];

    public string ScopeOf(AccountView account) =>
        account.PersonId is { } person ? People.FirstOrDefault(p => p.Id == person)?.Name ?? Texts.L("(unbekannte Person)")
        : account.FunderId is { } funder ? Funders.FirstOrDefault(f => f.Id == funder)?.Name ?? Texts.L("(unbekannter Förderer)")
        : "";

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostInviteAsync(CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/access/accounts", new InvitePerson(Email?.Trim(), Role, Role == Roles.Member ? PersonId : null,
            Role == Roles.Funder ? FunderId : null, Language is "de" or "en" ? Language : null), ct);
        if (answer.IsSuccess)
        {
            var invitation = answer.Read<Invitation>();
            Link = $"{Request.Scheme}://{Request.Host}{invitation.Link}";
            Email = null;
        }
        else
        {
            Error = answer.Problem();
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid accountId, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/access/accounts/{accountId}/revoke", new RevokeAccess("revoked by staff"), ct);
        if (!answer.IsSuccess)
            Error = answer.Problem();
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Accounts = await api.GetAsync<List<AccountView>>(User, "/api/access/accounts", ct);
        People = (await api.GetAsync<Page<PersonItem>>(User, "/api/people?limit=500", ct)).Items;
        Funders = (await api.GetAsync<Page<FunderItem>>(User, "/api/funding/funders?limit=500", ct)).Items;
    }
}
