using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages;

/// <summary>
/// A signed-in person's own passkeys: add one (the device answers a challenge the server keeps), see them,
/// remove one. Only the person's own: a passkey of another account is not found (404), never removed.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(PasskeyChallengeLimit.Policy)] // its challenge handler only (ADR 24)
internal sealed class PasskeysModel(Passkeys passkeys) : PageModel
{
    [BindProperty]
    public Guid? ChallengeId { get; set; }

    [BindProperty]
    public string? Credential { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public Guid? PasskeyId { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Erledigt { get; set; }

    public IReadOnlyList<PasskeyView> Items { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    private Guid Account => Passkeys.AccountOf(User) ?? throw new InvalidOperationException("The web policy lets only accounts in.");

    public async Task OnGetAsync(CancellationToken ct)
    {
        Message = Erledigt switch
        {
            "hinzugefuegt" => Texts.L("Der Passkey ist gespeichert. Ab jetzt können Sie sich damit anmelden."),
            "entfernt" => Texts.L("Der Passkey ist entfernt."),
            _ => null,
        };
        Items = await passkeys.ListAsync(Account, ct);
    }

    /// <summary>The challenge for the device, as JSON for the page's script (the antiforgery token comes with the form).</summary>
    public async Task<IActionResult> OnPostOptionsAsync(CancellationToken ct)
    {
        var ceremony = await passkeys.BeginRegistrationAsync(Account, RelyingParty.Of(Request), ct);
        return Content($$"""{"challengeId":"{{ceremony.ChallengeId}}","options":{{ceremony.OptionsJson}}}""", "application/json");
    }

    public async Task<IActionResult> OnPostAddAsync(CancellationToken ct)
    {
        try
        {
            if (ChallengeId is not { } challenge)
                throw new PasskeyRefusedException("passkey-missing", "No passkey answer.");
            await passkeys.FinishRegistrationAsync(Account, challenge, Credential, Name, RelyingParty.Of(Request), ct);
            return Redirect("/passkeys?erledigt=hinzugefuegt");
        }
        catch (PasskeyRefusedException e)
        {
            Error = Refusal(e);
            Items = await passkeys.ListAsync(Account, ct);
            return Page();
        }
    }

    public async Task<IActionResult> OnPostRemoveAsync(CancellationToken ct)
    {
        if (PasskeyId is { } id && await passkeys.RemoveAsync(Account, id, ct))
            return Redirect("/passkeys?erledigt=entfernt");
        Response.StatusCode = StatusCodes.Status404NotFound;
        Error = Texts.L("Diesen Passkey gibt es in Ihrem Konto nicht (mehr).");
        Items = await passkeys.ListAsync(Account, ct);
        return Page();
    }

    /// <summary>A refused ceremony in the person's words.</summary>
    public static string Refusal(PasskeyRefusedException e) => e.Rule switch
    {
        "challenge-unknown" => Texts.L("Die Anfrage ist abgelaufen oder wurde schon beantwortet. Bitte versuchen Sie es noch einmal."),
        "passkey-missing" or "passkey-unreadable" => Texts.L("Der Browser hat keinen lesbaren Passkey geschickt. Bitte versuchen Sie es noch einmal."),
        "passkey-known" => Texts.L("Diesen Passkey gibt es hier schon."),
        "account-revoked" => Texts.L("Ihr Zugang wurde zurückgezogen."),
        "passkey-unknown" => Texts.L("Dieser Passkey gehört zu keinem Zugang hier (mehr)."),
        _ => Texts.L("Der Passkey wurde nicht angenommen: Die Prüfung der Antwort Ihres Geräts ist fehlgeschlagen."),
    };

    /// <summary>How the device is reached, in words: "internal" is the device itself, "hybrid" a phone nearby.</summary>
    public static string Connection(IReadOnlyList<string> transports) => transports.Count == 0
        ? "unbekannt"
        : string.Join(", ", transports.Select(t => t switch
        {
            "internal" => Texts.L("dieses Gerät"),
            "hybrid" => Texts.L("Telefon in der Nähe"),
            "usb" => Texts.L("USB"),
            "nfc" => Texts.L("NFC"),
            "ble" => Texts.L("Bluetooth"),
            _ => t,
        }).Distinct());
}
