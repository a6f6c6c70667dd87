using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages;

/// <summary>Sign-in by e-mail address and password; the fifth wrong try locks the account for a while.</summary>
internal sealed class AnmeldenModel(AccountStore accounts) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Error = "Bitte E-Mail-Adresse und Passwort angeben.";
            return Page();
        }
        var result = await accounts.SignInAsync(Email, Password, ct);
        if (result.Account is not { } account)
        {
            Error = result.IsLockedOut
                ? $"Zu viele Fehlversuche: Die Anmeldung ist für {AccountStore.LockoutTime.TotalMinutes:0} Minuten gesperrt."
                : "E-Mail-Adresse oder Passwort stimmen nicht.";
            return Page();
        }
        await HttpContext.SignInAsync(WebPolicies.Scheme, WebApp.PrincipalFor(account, AccountStore.Normalise(Email)));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }
}
