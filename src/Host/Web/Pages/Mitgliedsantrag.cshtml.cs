using System.Text.Json;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace Allmende.Host.Web.Pages;

/// <summary>One input of the application form, with its error beside it (Shared/_Antragsfeld.cshtml).</summary>
internal sealed record Antragsfeld(string Id, string Field, string Label, string Type, string? Value, MitgliedsantragModel Form, string Autocomplete);

/// <summary>
/// The public application form: no sign-in, sent through POST /api/membership/applications in process.
/// The page's POST carries the rate limit with the browser's address (the in-process call is not
/// counted again); the API's field errors are shown in German next to their fields.
/// </summary>
[EnableRateLimiting("membership-applications")]
internal sealed class MitgliedsantragModel(InProcessApi api) : PageModel
{
    public static IReadOnlyList<(string Code, string Name)> Kinds => Allmende.Host.Web.Words.InLanguage(
    [
        ("initiative", Texts.N("Initiative")), ("association", Texts.N("Verein")), ("social-enterprise", Texts.N("Soziales Unternehmen")), ("cooperative", Texts.N("Genossenschaft")),
        ("company", Texts.N("Unternehmen")), ("public-body", Texts.N("Öffentliche Stelle")),
    ]);

    private static readonly Dictionary<string, string> Words = new(StringComparer.Ordinal)
    {
        ["organisation.name"] = Texts.N("Bitte den Namen der Organisation angeben (höchstens 200 Zeichen)."),
        ["organisation.kind"] = Texts.N("Bitte eine Art der Organisation wählen."),
        ["organisation.address.street"] = Texts.N("Bitte Straße und Hausnummer angeben, oder die Adresse ganz leer lassen."),
        ["organisation.address.postalCode"] = Texts.N("Bitte die Postleitzahl angeben, oder die Adresse ganz leer lassen."),
        ["organisation.address.city"] = Texts.N("Bitte den Ort angeben, oder die Adresse ganz leer lassen."),
        ["contactPerson.name"] = Texts.N("Bitte den Namen der Kontaktperson angeben."),
        ["contactPerson.email"] = Texts.N("Bitte eine gültige E-Mail-Adresse angeben."),
        ["contactPerson.phone"] = Texts.N("Bitte eine Telefonnummer aus Ziffern, Leerzeichen, + / - ( ) angeben, oder das Feld leer lassen."),
        ["consent"] = Texts.N("Ohne Ihre Einwilligung können wir den Antrag nicht speichern."),
        ["consentTextVersion"] = Texts.N("Der Einwilligungstext hat sich geändert: bitte die Seite neu laden und erneut einwilligen."),
    };

    [BindProperty] public string? Name { get; set; }
    [BindProperty] public string? Kind { get; set; } = "initiative";
    [BindProperty] public bool NonProfit { get; set; } = true;
    [BindProperty] public string? Street { get; set; }
    [BindProperty] public string? PostalCode { get; set; }
    [BindProperty] public string? City { get; set; }
    [BindProperty(Name = "contactname")] public string? ContactName { get; set; }
    [BindProperty(Name = "contactemail")] public string? ContactEmail { get; set; }
    [BindProperty(Name = "contactphone")] public string? ContactPhone { get; set; }
    [BindProperty] public bool Consent { get; set; }
    [BindProperty] public string? ConsentTextVersion { get; set; }

    public string ConsentWording { get; private set; } = "";

    public bool Received { get; private set; }

    public string? Error { get; private set; }

    private Dictionary<string, string> _errors = [];

    public string? ErrorFor(string field) => _errors.GetValueOrDefault(field);

    public Task OnGetAsync(CancellationToken ct) => LoadConsentAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await LoadConsentAsync(ct, keepVersion: true);
        var anyAddress = !string.IsNullOrWhiteSpace(Street) || !string.IsNullOrWhiteSpace(PostalCode) || !string.IsNullOrWhiteSpace(City);
        var answer = await api.PostAsync(User, "/api/membership/applications", new
        {
            organisation = new { name = Name, kind = Kind, nonProfit = NonProfit, address = anyAddress ? new { street = Street, postalCode = PostalCode, city = City } : null },
            contactPerson = new { name = ContactName, email = ContactEmail, phone = ContactPhone },
            consent = Consent,
            consentTextVersion = ConsentTextVersion,
        }, ct);
        if (answer.IsSuccess)
        {
            Received = true;
            return Page();
        }
        if (answer.Status != StatusCodes.Status400BadRequest)
            throw new ApiRefusedException(answer);
        _errors = FieldErrors(answer);
        Error = Texts.L("Der Antrag ist noch nicht vollständig: bitte die markierten Felder prüfen.");
        return Page();
    }

    private async Task LoadConsentAsync(CancellationToken ct, bool keepVersion = false)
    {
        var consent = await api.GetAsync<ConsentText>(User, "/api/membership/applications/consent", ct);
        ConsentWording = consent.Text;
        if (!keepVersion)
            ConsentTextVersion = consent.Version;
    }

    private static Dictionary<string, string> FieldErrors(ApiAnswer answer)
    {
        using var document = JsonDocument.Parse(answer.Body);
        return document.RootElement.TryGetProperty("errors", out var errors)
            ? errors.EnumerateObject().ToDictionary(e => e.Name, e => Texts.L(Words.GetValueOrDefault(e.Name, Texts.N("Bitte prüfen."))), StringComparer.Ordinal)
            : [];
    }

    private sealed record ConsentText(string Version, string Text);
}
