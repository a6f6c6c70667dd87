using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// The day's bookings at a site for the person on duty (today unless another day is asked), who checks
/// people in: POST /api/bookings/{id}/check-in at the version shown, the same rule as a member's.
/// </summary>
internal sealed class HeuteModel(InProcessApi api, TimeProvider time) : PageModel
{
    private static readonly string[] Shown = ["pending-approval", "confirmed", "checked-in", "completed", "no-show"];

    [BindProperty(SupportsGet = true)]
    public Guid? Standort { get; set; }

    public DateOnly Datum { get; private set; }

    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Bookings { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(string? datum, CancellationToken ct) => LoadAsync(datum, ct);

    public async Task<IActionResult> OnPostCheckInAsync(Guid id, long version, string? datum, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/bookings/{id}/check-in", null, ct, ifMatch: Versions.ETag(version));
        await LoadAsync(datum, ct);
        if (answer.IsSuccess)
            Message = Bookings.FirstOrDefault(b => b.Id == id) is { } booking
                ? Texts.L("Eingecheckt: {0}, {1}.", booking.Purpose, Names.Organisation(booking.OrganisationId))
                : Texts.L("Eingecheckt.");
        else
            Error = Texts.L("Einchecken ging nicht: {0}", answer.Problem());
        return Page();
    }

    private async Task LoadAsync(string? datum, CancellationToken ct)
    {
        Names = await HouseNames.LoadAsync(api, User, ct);
        Datum = Formats.TryDate(datum, out var d) ? d : Formats.Today(time);
        Standort ??= Names.Sites.Count > 0 ? Names.Sites[0].Id : null;
        if (Standort is not { } site)
            return;
        var from = Formats.FromBerlin(Datum, TimeOnly.MinValue);
        var to = Formats.FromBerlin(Datum.AddDays(1), TimeOnly.MinValue);
        var day = await api.GetAsync<Page<BookingItem>>(User, $"/api/bookings?siteId={site}&from={Instant(from)}&to={Instant(to)}&limit=500", ct);
        Bookings = [.. day.Items.Where(b => Shown.Contains(b.Status)).OrderBy(b => b.Start).ThenBy(b => Names.Space(b.SpaceId), StringComparer.Ordinal)];
    }

    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
}
