using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// Find a free room or desk: the site's spaces that take the people and have the access asked for
/// (/api/spaces), free for the whole time asked (/api/bookings/availability, which applies the house's rules).
/// </summary>
internal sealed class BuchenModel(InProcessApi api, TimeProvider time) : PageModel
{
    public static readonly int[] Durations = [30, 60, 90, 120, 180, 240, 300, 360, 480];

    public static string DurationText(int minutes) =>
        minutes < 60 ? Texts.L("{0} Minuten", minutes) : minutes == 60 ? Texts.L("1 Stunde") : Texts.L("{0} Stunden", minutes / 60m);

    [BindProperty(SupportsGet = true)]
    public Guid? Standort { get; set; }

    public DateOnly Datum { get; private set; }

    public TimeOnly Beginn { get; private set; } = new(10, 0);

    [BindProperty(SupportsGet = true)]
    public int Dauer { get; set; } = 60;

    [BindProperty(SupportsGet = true)]
    public int Personen { get; set; } = 1;

    [BindProperty(SupportsGet = true)]
    public string? Barrierefrei { get; set; }

    public HouseNames Names { get; private set; } = null!;

    public bool Searched { get; private set; }

    public string? Error { get; private set; }

    public IReadOnlyList<SpaceItem> Free { get; private set; } = [];

    private DateTimeOffset _start;

    public async Task OnGetAsync(string? datum, string? beginn, CancellationToken ct)
    {
        Names = await HouseNames.LoadAsync(api, User, ct, organisations: false);
        // Text fields in the page's order (24.12.2026 or 24/12/2026), not the browser's date and time pickers, whose segments follow the
        // browser's language (an en-US browser would ask month first and 12-hour times).
        Datum = Formats.TryDate(datum, out var d) ? d : Formats.Today(time).AddDays(1);
        Beginn = TimeOnly.TryParseExact(beginn?.Trim(), ["H:mm", "HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var b) ? b : Beginn;
        if (Standort is not { } site)
            return;
        if (!Durations.Contains(Dauer))
            Dauer = 60;
        Personen = Math.Clamp(Personen, 1, 500);
        Searched = true;
        _start = Formats.FromBerlin(Datum, Beginn);
        var end = _start.AddMinutes(Dauer);
        var accessibility = Words.Accessibility.Any(a => a.Code == Barrierefrei) ? $"&accessibility={Barrierefrei}" : "";
        var spaces = api.GetAsync<Page<SpaceItem>>(User, $"/api/spaces?siteId={site}&minCapacity={Personen}&bookable=true&limit=500{accessibility}", ct);
        var free = await api.GetAsync(User, $"/api/bookings/availability?siteId={site}&from={Datum:yyyy-MM-dd}&to={Datum:yyyy-MM-dd}&durationMinutes={Dauer}", ct);
        if (!free.IsSuccess)
        {
            Error = free.Problem();
            return;
        }
        var fits = free.Read<Availability>().Spaces
            .Where(s => s.Free.Any(slot => slot.Start <= _start && end <= slot.End))
            .Select(s => s.SpaceId).ToHashSet();
        Free = [.. (await spaces).Items.Where(s => fits.Contains(s.Id))];
    }

    public string BookingLink(SpaceItem space) =>
        $"/mitglied/buchen/neu?raum={space.Id}&beginn={Uri.EscapeDataString(_start.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture))}&dauer={Dauer}&personen={Personen}";
}
