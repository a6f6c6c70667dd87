using Allmende.Eventing.Api;
using System.Globalization;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// Move a booking to a new Berlin date and time: PUT /api/bookings/{id}/time at the version shown, so the
/// rules of a new booking decide and a change meanwhile is refused, not overwritten. Another organisation's
/// booking is a 404 from the API, and so from the page.
/// </summary>
internal sealed class VerlegenModel(InProcessApi api) : PageModel
{
    public BookingItem Booking { get; private set; } = null!;

    public HouseNames Names { get; private set; } = null!;

    public string Datum { get; private set; } = "";

    public string Beginn { get; private set; } = "";

    public int Dauer { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid id, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        Datum = Formats.Date(Booking.Start);
        Beginn = Formats.Time(Booking.Start);
        Dauer = (int)(Booking.End - Booking.Start).TotalMinutes;
    }

    public async Task<IActionResult> OnPostAsync(Guid id, long version, string? datum, string? beginn, int dauer, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        (Datum, Beginn, Dauer) = (datum ?? "", beginn ?? "", dauer);
        if (!Formats.TryDate(datum, out var day))
            Error = Texts.L("Bitte das Datum als TT.MM.JJJJ angeben.");
        else if (!TimeOnly.TryParseExact(beginn?.Trim(), ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            Error = Texts.L("Bitte den Beginn als HH:MM angeben.");
        else if (!BuchenModel.Durations.Contains(dauer))
            Error = Texts.L("Bitte eine der angebotenen Dauern wählen.");
        else
        {
            var start = Formats.FromBerlin(day, at);
            var answer = await api.PutAsync(User, $"/api/bookings/{id}/time", new { start, end = start.AddMinutes(dauer) }, ct,
                ifMatch: Versions.ETag(version));
            if (answer.IsSuccess)
                return Redirect($"/mitglied/buchungen?verlegt={id}");
            Error = Texts.L("Verlegen ging nicht: {0}", answer.Problem());
        }
        return Page();
    }

    private async Task LoadAsync(Guid id, CancellationToken ct)
    {
        Booking = await api.GetAsync<BookingItem>(User, $"/api/bookings/{id}", ct);
        Names = await HouseNames.LoadAsync(api, User, ct);
    }
}
