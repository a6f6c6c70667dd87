using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// The bookings of the person's organisations (/api/bookings limits a member to them), upcoming and
/// past, with cancelling, checking in and moving at the version shown (If-Match: a change meanwhile is
/// refused, not overwritten); and the person's calendar feeds, whose secret link is shown once.
/// </summary>
internal sealed class BuchungenModel(InProcessApi api, TimeProvider time) : PageModel
{
    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<BookingItem> Upcoming { get; private set; } = [];

    public IReadOnlyList<BookingItem> Past { get; private set; } = [];

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public DateTimeOffset Now { get; private set; }

    public IReadOnlyList<FeedItem> Feeds { get; private set; } = [];

    /// <summary>A feed's secret link, right after it was made: the only time anyone sees it.</summary>
    public string? NewFeedUrl { get; private set; }

    /// <summary>The occurrences of a weekly series just booked that could not be (date and why).</summary>
    public IReadOnlyList<OccurrenceItem> Skipped { get; private set; } = [];

    public async Task OnGetAsync(Guid? neu, Guid? verlegt, Guid? serie, CancellationToken ct)
    {
        await LoadAsync(ct);
        if (neu is { } id && Upcoming.FirstOrDefault(b => b.Id == id) is { } booking)
            Message = booking.Status == "pending-approval"
                ? Texts.L("Gebucht: {0}, {1}. Die Raumverwaltung muss die Buchung noch freigeben.", Names.Space(booking.SpaceId), Formats.Range(booking.Start, booking.End))
                : Texts.L("Gebucht: {0}, {1}. Die Buchung ist bestätigt.", Names.Space(booking.SpaceId), Formats.Range(booking.Start, booking.End));
        if (verlegt is { } moved && Upcoming.FirstOrDefault(b => b.Id == moved) is { } movedBooking)
            Message = Texts.L("Verlegt auf {0}.", Formats.Range(movedBooking.Start, movedBooking.End));
        if (serie is { } seriesId)
        {
            var series = await api.GetAsync<SeriesItem>(User, $"/api/bookings/series/{seriesId}", ct);
            var booked = series.Occurrences.Count(o => o.BookingId is not null);
            Skipped = [.. series.Occurrences.Where(o => o.BookingId is null)];
            Message = Texts.L("Serie gebucht: {0} von {1} Terminen, {2}, „{3}“.", booked, series.Occurrences.Count, Names.Space(series.SpaceId), series.Purpose)
                + (series.Occurrences.Any(o => o.Status == "pending-approval") ? " " + Texts.L("Die Raumverwaltung muss die Termine noch freigeben.") : "");
        }
    }

    public async Task<IActionResult> OnPostCheckInAsync(Guid id, long version, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/bookings/{id}/check-in", null, ct, ifMatch: ETag(version));
        if (answer.IsSuccess)
            Message = Texts.L("Eingecheckt. Viel Erfolg bei Ihrem Termin!");
        else
            Error = Texts.L("Einchecken ging nicht: {0}", answer.Problem());
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostFeedAsync(Guid organisation, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/bookings/feeds", new { scope = "organisation", id = organisation }, ct);
        if (answer.IsSuccess)
        {
            NewFeedUrl = $"{Request.Scheme}://{Request.Host}{answer.Read<CreatedFeed>().Url}";
            Message = Texts.L("Der Kalender-Link ist erstellt. Kopieren Sie ihn jetzt: er wird nur dieses eine Mal angezeigt.");
        }
        else
            Error = Texts.L("Der Kalender-Link ging nicht: {0}", answer.Problem());
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeFeedAsync(Guid id, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/bookings/feeds/{id}/revoke", null, ct);
        if (answer.IsSuccess)
            Message = Texts.L("Der Kalender-Link ist gesperrt: Kalender, die ihn abonniert haben, bekommen nichts mehr.");
        else
            Error = Texts.L("Sperren ging nicht: {0}", answer.Problem());
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(Guid id, long version, string? grund, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/bookings/{id}/cancel", new { reason = grund }, ct, ifMatch: ETag(version));
        if (answer.IsSuccess)
            Message = Texts.L("Die Buchung ist storniert.");
        else
            Error = Texts.L("Stornieren ging nicht: {0}", answer.Problem());
        await LoadAsync(ct);
        return Page();
    }

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    private async Task LoadAsync(CancellationToken ct)
    {
        var now = Now = time.GetUtcNow();
        var names = HouseNames.LoadAsync(api, User, ct);
        // Staff see every organisation's bookings here too; a member only their organisations'.
        var upcoming = api.GetAsync<Page<BookingItem>>(User, $"/api/bookings?from={Instant(now)}&limit=200", ct);
        var past = api.GetAsync<Page<BookingItem>>(User, $"/api/bookings?from={Instant(now.AddDays(-90))}&to={Instant(now)}&limit=500", ct);
        var feeds = api.GetAsync<IReadOnlyList<FeedItem>>(User, "/api/bookings/feeds", ct);
        Names = await names;
        // Staff see every feed; this page shows the organisations' ones the person may subscribe to.
        Feeds = [.. (await feeds).Where(f => f.Scope == "organisation" && f.RevokedAt is null && Names.Organisations.Any(o => o.Id == f.TargetId))];
        Upcoming = [.. (await upcoming).Items.Where(b => b.End > now)];
        Past = [.. (await past).Items.Where(b => b.End <= now).Reverse()];
    }

    private static string Instant(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
}
