using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>One real hour of a Berlin day, labelled in Berlin time: a day has 23, 24 or 25 of them.</summary>
internal sealed record CalendarHour(DateTimeOffset From, DateTimeOffset To, string Label);

/// <summary>
/// A site's day or week, spaces as columns, from /api/bookings/calendar (the Berlin day's or ISO week's
/// real bounds). A day's rows are its real hours, so the spring day has 23 and the autumn day 25 (its
/// 02:00 twice, told apart by the zone), and every booking sits in the hour it starts; a week's rows are
/// its seven Berlin days, every booking on the Berlin day it starts (a DST week is 167 or 169 hours).
/// </summary>
internal sealed class KalenderModel(InProcessApi api, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public Guid? Standort { get; set; }

    public DateOnly Datum { get; private set; }

    /// <summary>"woche" for the week view; anything else is the day.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Ansicht { get; set; }

    public bool Week => Ansicht == "woche";

    /// <summary>The week's seven Berlin days, Monday first (week view only).</summary>
    public IReadOnlyList<DateOnly> Days { get; private set; } = [];

    public HouseNames Names { get; private set; } = null!;

    public IReadOnlyList<SpaceItem> Columns { get; private set; } = [];

    public IReadOnlyList<CalendarHour> Hours { get; private set; } = [];

    private IReadOnlyList<CalendarItem> _entries = [];

    public async Task OnGetAsync(string? datum, CancellationToken ct)
    {
        Names = await HouseNames.LoadAsync(api, User, ct);
        Datum = Formats.TryDate(datum, out var d) ? d : Formats.Today(time);
        Standort ??= Names.Sites.Count > 0 ? Names.Sites[0].Id : null;
        if (Standort is not { } site)
            return;
        var calendar = await api.GetAsync<SiteCalendar>(User,
            $"/api/bookings/calendar?siteId={site}&date={Datum.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}&view={(Week ? "week" : "day")}", ct);
        _entries = calendar.Bookings;
        Columns = [.. Names.Spaces.Where(s => s.SiteId == site && s.Bookable && !s.Retired)];
        if (Week)
        {
            Days = [.. Enumerable.Range(0, 7).Select(calendar.Date.AddDays)];
            return;
        }
        var hours = new List<CalendarHour>();
        for (var from = calendar.From; from < calendar.To; from = from.AddHours(1))
        {
            var local = TimeZoneInfo.ConvertTime(from, Formats.Berlin);
            var ambiguous = Formats.Berlin.IsAmbiguousTime(local);
            hours.Add(new CalendarHour(from, from.AddHours(1), local.ToString("HH:mm", Formats.Culture) + (ambiguous ? (local.Offset == TimeSpan.FromHours(2) ? Texts.L(" (Sommerzeit)") : Texts.L(" (Winterzeit)")) : "")));
        }
        Hours = hours;
    }

    public IReadOnlyList<CalendarItem> StartingIn(Guid spaceId, CalendarHour hour) =>
        [.. _entries.Where(e => e.SpaceId == spaceId && (e.Start >= hour.From || hour == Hours[0]) && e.Start < hour.To)];

    public bool IsOngoing(Guid spaceId, CalendarHour hour) =>
        _entries.Any(e => e.SpaceId == spaceId && e.Start < hour.From && e.End > hour.From);

    public IReadOnlyList<CalendarItem> StartingOn(Guid spaceId, DateOnly day) =>
        [.. _entries.Where(e => e.SpaceId == spaceId && (DateOnly.FromDateTime(Formats.InBerlin(e.Start)) == day || day == Days[0] && e.Start < Formats.FromBerlin(day, TimeOnly.MinValue)))];

    public string Link(DateOnly day, bool? week = null) =>
        $"/verwaltung/kalender?standort={Standort}&datum={day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}{(week ?? Week ? "&ansicht=woche" : "")}";
}
