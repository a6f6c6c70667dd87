using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages;

/// <summary>
/// Sign-in by e-mail address and password, or by passkey (ADR 24); the fifth wrong password locks the
/// account for a while, for passkeys too.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(PasskeyChallengeLimit.Policy)] // its challenge handler only (ADR 24)
internal sealed class AnmeldenModel(AccountStore accounts, Passkeys passkeys) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    [BindProperty]
    public Guid? ChallengeId { get; set; }

    [BindProperty]
    public string? Credential { get; set; }

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(Email) || string.IsNullOrEmpty(Password))
        {
            Error = Texts.L("Bitte E-Mail-Adresse und Passwort angeben.");
            return Page();
        }
        var result = await accounts.SignInAsync(Email, Password, ct);
        if (result.Account is not { } account)
        {
            Error = result.IsLockedOut ? LockedOut : Texts.L("E-Mail-Adresse oder Passwort stimmen nicht.");
            return Page();
        }
        await HttpContext.SignInAsync(WebPolicies.Scheme, WebApp.PrincipalFor(account, AccountStore.Normalise(Email)));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }

    /// <summary>A sign-in challenge for any passkey of this site, as JSON for the page's script.</summary>
    public async Task<IActionResult> OnPostPasskeyOptionsAsync(CancellationToken ct)
    {
        var ceremony = await passkeys.BeginSignInAsync(RelyingParty.Of(Request), ct);
        return Content($$"""{"challengeId":"{{ceremony.ChallengeId}}","options":{{ceremony.OptionsJson}}}""", "application/json");
    }

    public async Task<IActionResult> OnPostPasskeyAsync(CancellationToken ct)
    {
        SignIn.SignInResult result;
        try
        {
            result = ChallengeId is { } challenge
                ? await passkeys.FinishSignInAsync(challenge, Credential, RelyingParty.Of(Request), ct)
                : throw new PasskeyRefusedException("passkey-missing", "No passkey answer.");
        }
        catch (PasskeyRefusedException e)
        {
            Error = PasskeysModel.Refusal(e);
            return Page();
        }
        if (result.Account is not { } account)
        {
            Error = LockedOut;
            return Page();
        }
        var email = (await accounts.FindAsync(account.AccountId, ct))?.Email;
        await HttpContext.SignInAsync(WebPolicies.Scheme, WebApp.PrincipalFor(account, email, result.PasskeyId));
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/");
    }

    private static string LockedOut => Texts.L("Zu viele Fehlversuche: Die Anmeldung ist für {0:0} Minuten gesperrt.", AccountStore.LockoutTime.TotalMinutes);
}
