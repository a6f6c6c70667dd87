using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages;

/// <summary>The one-time invitation link: the person sets a password and is signed in; the link is spent.</summary>
internal sealed class EinladungModel(AccountStore accounts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Token { get; set; } = "";

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    public string? Email { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => Email = (await accounts.FindInvitationAsync(Token, ct))?.Email;

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        Email = (await accounts.FindInvitationAsync(Token, ct))?.Email;
        if (Email is null)
            return Page();
        if (Password is null || Password.Length < AccountStore.MinPasswordLength)
            Error = Texts.L("Das Passwort braucht mindestens {0} Zeichen.", AccountStore.MinPasswordLength);
        else if (Password != Confirm)
            Error = Texts.L("Die beiden Passwörter stimmen nicht überein.");
        if (Error is not null)
            return Page();
        var account = await accounts.AcceptInvitationAsync(Token, Password!, ct);
        if (account is null)
        {
            Email = null;
            return Page();
        }
        await HttpContext.SignInAsync(WebPolicies.Scheme, WebApp.PrincipalFor(account, Email));
        return Redirect("/");
    }
}
