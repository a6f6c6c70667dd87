using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Programm;

/// <summary>A date of the public programme, as GET /api/programme/public/… answers it.</summary>
internal sealed record ProgrammeDateView(
    Guid OfferId, Guid BookingId, string Kind, string Title, string Description, Guid OrganisationId, string OrganisationName, string Place,
    DateTimeOffset Start, DateTimeOffset End, bool Registration, int Capacity, int? PlacesLeft);

internal sealed record ProgrammeView(string Scope, Guid Id, string Name, DateOnly From, DateOnly To, IReadOnlyList<ProgrammeDateView> Dates);

/// <summary>
/// The open programme of a site or an organisation, for anyone, without signing in (ADR 20): the dates of
/// the coming 90 days in Berlin time, a link to the iCalendar feed, and a sign-up form for dates that take
/// registrations (name and e-mail, only with consent). Everything through the public API, anonymously.
/// </summary>
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting("programme-sign-ups")] // its POST signs up: limited like the API (Bookings:ProgrammeSignUpsPerWindow)
internal sealed class IndexModel(InProcessApi api) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Bereich { get; set; } = "";

    [BindProperty(SupportsGet = true)]
    public Guid Id { get; set; }

    /// <summary>The first Berlin day shown (default today).</summary>
    [BindProperty(SupportsGet = true)]
    public DateOnly? Von { get; set; }

    public ProgrammeView Programme { get; private set; } = null!;

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    private string Scope => Bereich == "standort" ? "sites" : "organisations";

    public string FeedUrl => $"/api/programme/public/{Scope}/{Id}/ical";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ? Page() : NotFound();

    public async Task<IActionResult> OnPostAnmeldenAsync(Guid angebot, Guid termin, string? name, string? email, bool einwilligung, CancellationToken ct)
    {
        var answer = await api.PostAsync(Anonymous, $"/api/programme/public/offers/{angebot}/dates/{termin}/registrations",
            new { name, email, consent = einwilligung }, ct);
        if (answer.IsSuccess)
            Message = Texts.L("Sie sind angemeldet. Wir freuen uns auf Sie!");
        else
        {
            Error = answer.Status == StatusCodes.Status409Conflict ? Texts.L("Anmeldung nicht möglich: {0}", answer.Problem()) : Texts.L("Bitte prüfen Sie Ihre Angaben: {0}", answer.Problem());
            Response.StatusCode = answer.Status;
        }
        return await LoadAsync(ct) ? Page() : NotFound();
    }

    // The public API is read as nobody: a signed-in visitor sees exactly what everyone sees.
    private static readonly System.Security.Claims.ClaimsPrincipal Anonymous = new(new System.Security.Claims.ClaimsIdentity());

    private async Task<bool> LoadAsync(CancellationToken ct)
    {
        var from = Von is { } day ? $"?from={day:yyyy-MM-dd}" : "";
        var answer = await api.GetAsync(Anonymous, $"/api/programme/public/{Scope}/{Id}{from}", ct);
        if (!answer.IsSuccess)
            return false;
        Programme = answer.Read<ProgrammeView>();
        return true;
    }

    public static string KindLabel(string kind) => kind switch
    {
        "open-evening" => Texts.L("Offener Abend"),
        "flea-market" => Texts.L("Flohmarkt"),
        "street-festival" => Texts.L("Straßenfest"),
        "working-group" => Texts.L("Arbeitsgruppe"),
        "workshop" => Texts.L("Werkstatt"),
        _ => Texts.L("Angebot"),
    };
}
