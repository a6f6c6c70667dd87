using System.Globalization;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// Book the space found for one of the person's organisations: POST /api/bookings, whose rules decide; or
/// weekly for a number of weeks, POST /api/bookings/series booking the free weeks and naming the others.
/// </summary>
internal sealed class NeuModel(InProcessApi api) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid Raum { get; set; }

    [BindProperty(Name = "beginn", SupportsGet = true)]
    public string? BeginnText { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Dauer { get; set; } = 60;

    [BindProperty(SupportsGet = true)]
    public int Personen { get; set; } = 1;

    [BindProperty]
    public Guid? OrganisationId { get; set; }

    [BindProperty]
    public string? Zweck { get; set; }

    [BindProperty]
    public string? Handlungsfeld { get; set; }

    /// <summary>How many weeks in a row, this one included; 1 books once.</summary>
    [BindProperty]
    public int Wochen { get; set; } = 1;

    public const int MaxWeeks = 52;

    public DateTimeOffset Beginn { get; private set; }

    public string SpaceName { get; private set; } = "";

    public IReadOnlyList<OrganisationItem> Organisations { get; private set; } = [];

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Wochen is < 1 or > MaxWeeks)
        {
            Error = Texts.L("Bitte 1 bis {0} Wochen angeben.", MaxWeeks);
            return Page();
        }
        if (Wochen > 1)
            return await BookWeeklyAsync(ct);
        var answer = await api.PostAsync(User, "/api/bookings", new
        {
            spaceId = Raum,
            organisationId = OrganisationId,
            start = Beginn,
            end = Beginn.AddMinutes(Dauer),
            attendees = Personen,
            purpose = Zweck,
            actionField = Handlungsfeld,
        }, ct);
        if (!answer.IsSuccess)
        {
            Error = Texts.L("Die Buchung ging nicht durch: {0}", answer.Problem());
            return Page();
        }
        var booking = answer.Read<BookingItem>();
        return Redirect($"/mitglied/buchungen?neu={booking.Id}");
    }

    private async Task<IActionResult> BookWeeklyAsync(CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/bookings/series", new
        {
            spaceId = Raum,
            organisationId = OrganisationId,
            start = Beginn,
            end = Beginn.AddMinutes(Dauer),
            attendees = Personen,
            purpose = Zweck,
            actionField = Handlungsfeld,
            repeat = new { frequency = "weekly", count = Wochen },
            // The weeks that are free are booked; the page then names the others and why.
            conflicts = "book-free",
        }, ct);
        if (!answer.IsSuccess)
        {
            Error = Texts.L("Die Serie ging nicht durch: {0}", answer.Problem());
            return Page();
        }
        return Redirect($"/mitglied/buchungen?serie={answer.Read<SeriesItem>().Id}");
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if (!DateTimeOffset.TryParseExact(BeginnText, "yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            throw new ApiRefusedException(new ApiAnswer(404, "", null, null));
        Beginn = start;
        var names = await HouseNames.LoadAsync(api, User, ct);
        SpaceName = names.SpaceAndSite(Raum);
        Organisations = names.Organisations; // all the person acts for: whether one may book now is the API's to say
        OrganisationId ??= Organisations.Count > 0 ? Organisations[0].Id : null;
    }
}
