using Allmende.Bookings.Bookings;
using Allmende.Spaces.Contracts;
using NodaTime;
using NodaTime.Utility;

namespace Allmende.Bookings.House;

/// <summary>
/// Whether a site can be used for a whole range of instants, from Spaces' contract data. Opening
/// hours are Europe/Berlin wall-clock times: an instant is open when its local time on its local date
/// lies in one of that weekday's intervals (Closes 00:00 = midnight at the end of the day). Within one
/// zone interval the UTC offset is fixed, so each piece maps back to instants exactly; that makes the
/// rule right on both DST nights (on the last Sunday of March 00:00–24:00 lasts 23 hours, on the last
/// Sunday of October 25). Pure: NodaTime's built-in tz database, no clock, no I/O.
/// </summary>
internal static class OpeningHours
{
    public static DateTimeZone Berlin { get; } = DateTimeZoneProviders.Tzdb["Europe/Berlin"];

    /// <summary>The rule that fails for [from, to), or null if the site is usable for all of it. Lease, then closures, then hours.</summary>
    public static string? Check(SiteSnapshot site, DateTimeOffset from, DateTimeOffset to)
    {
        if (site.LeaseStartsAt is { } startsAt && from < startsAt || site.LeaseEndsAt is { } endsAt && to > endsAt)
            return BookingRules.OutsideLease;
        if (site.Closures.Any(c => IsClosed(c.From, c.To, from, to)))
            return BookingRules.SiteClosed;
        return IsWithinHours(site.OpeningHours, from, to) ? null : BookingRules.OutsideOpeningHours;
    }

    /// <summary>A closure [closedFrom, closedTo) covers part of [from, to).</summary>
    public static bool IsClosed(DateTimeOffset closedFrom, DateTimeOffset closedTo, DateTimeOffset from, DateTimeOffset to) =>
        closedFrom < to && from < closedTo;

    /// <summary>Every instant of [from, to) lies within the weekly opening hours.</summary>
    public static bool IsWithinHours(IReadOnlyList<OpeningInterval> hours, DateTimeOffset from, DateTimeOffset to)
    {
        var covered = Instant.FromDateTimeOffset(from);
        foreach (var (pieceFrom, pieceTo) in OpenPieces(hours, from, to))
        {
            if (pieceFrom > covered)
                return false;
            if (pieceTo > covered)
                covered = pieceTo;
        }
        return covered >= Instant.FromDateTimeOffset(to);
    }

    /// <summary>The open pieces of [from, to) by start (they may touch, e.g. at a DST change or midnight).</summary>
    public static IEnumerable<(Instant From, Instant To)> OpenPieces(IReadOnlyList<OpeningInterval> hours, DateTimeOffset from, DateTimeOffset to)
    {
        var range = new Interval(Instant.FromDateTimeOffset(from), Instant.FromDateTimeOffset(to));
        var pieces = new List<(Instant, Instant)>();
        foreach (var zoneInterval in Berlin.GetZoneIntervals(range))
        {
            var start = zoneInterval.HasStart && zoneInterval.Start > range.Start ? zoneInterval.Start : range.Start;
            var end = zoneInterval.HasEnd && zoneInterval.End < range.End ? zoneInterval.End : range.End;
            if (start >= end)
                continue;
            var offset = zoneInterval.WallOffset;
            var localStart = start.WithOffset(offset).LocalDateTime;
            var localEnd = end.WithOffset(offset).LocalDateTime;
            for (var date = localStart.Date; date <= localEnd.Date; date = date.PlusDays(1))
            {
                foreach (var interval in hours.Where(h => h.Day == BclConversions.ToDayOfWeek(date.DayOfWeek)))
                {
                    var opens = date.At(LocalTime.FromTimeOnly(interval.Opens));
                    var closes = interval.Closes == TimeOnly.MinValue ? date.PlusDays(1).AtMidnight() : date.At(LocalTime.FromTimeOnly(interval.Closes));
                    var pieceStart = opens > localStart ? opens : localStart;
                    var pieceEnd = closes < localEnd ? closes : localEnd;
                    if (pieceStart < pieceEnd)
                        pieces.Add((pieceStart.WithOffset(offset).ToInstant(), pieceEnd.WithOffset(offset).ToInstant()));
                }
            }
        }
        return pieces.OrderBy(p => p.Item1);
    }
}
