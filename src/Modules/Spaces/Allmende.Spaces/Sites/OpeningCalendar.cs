using Allmende.Spaces.Common;
using NodaTime;
using NodaTime.Utility;

namespace Allmende.Spaces.Sites;

internal enum Openness
{
    /// <summary>Every instant of the range is within opening hours, outside closures and inside the lease.</summary>
    Open,

    /// <summary>Part of the range lies before the lease starts or after it ends.</summary>
    OutsideLease,

    /// <summary>Part of the range lies in a closure (the first one met is named).</summary>
    Closed,

    /// <summary>Part of the range lies outside the weekly opening hours.</summary>
    OutsideOpeningHours,
}

internal sealed record OpeningCheck(Openness Result, Closure? Closure = null)
{
    public bool IsOpen => Result == Openness.Open;
}

/// <summary>
/// When a site is open, in instants. Opening hours are Europe/Berlin wall-clock times, so an instant
/// is within them when its local time on its local date lies in one of that weekday's intervals.
/// That one rule is right across daylight saving time: on the last Sunday of March, when clocks jump
/// from 02:00 to 03:00, 00:00–24:00 is 23 hours and 01:00–04:00 is two; on the last Sunday of
/// October, when 02:00–03:00 happens twice, 00:00–24:00 is 25 hours and 01:00–04:00 is four.
/// Pure: the time-zone rules are NodaTime's built-in copy of the tz database.
/// </summary>
internal static class OpeningCalendar
{
    /// <summary>
    /// Whether [<paramref name="from"/>, <paramref name="to"/>) can be used: inside the lease, outside
    /// every closure, within opening hours. Checked in that order; the first failure is the answer.
    /// </summary>
    public static OpeningCheck Check(IEnumerable<OpeningInterval> hours, IEnumerable<Closure> closures, Lease? lease,
        DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
            throw new ArgumentOutOfRangeException(nameof(to), "The range must end after it starts.");

        if (lease?.StartsAt is { } startsAt && from < startsAt || lease?.EndsAt is { } endsAt && to > endsAt)
            return new OpeningCheck(Openness.OutsideLease);

        var closure = closures.OrderBy(c => c.From).FirstOrDefault(c => c.From < to && from < c.To);
        if (closure is not null)
            return new OpeningCheck(Openness.Closed, closure);

        var open = OpenPeriods(hours, from, to);
        return open.Count == 1 && open[0].From == from && open[0].To == to
            ? new OpeningCheck(Openness.Open)
            : new OpeningCheck(Openness.OutsideOpeningHours);
    }

    /// <summary>
    /// The instants within [<paramref name="from"/>, <paramref name="to"/>) that fall in opening
    /// hours, as UTC ranges in order, touching ranges joined (22:00–24:00 and 00:00–02:00 the next
    /// day make one). Ignores closures and the lease.
    /// </summary>
    public static IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> OpenPeriods(IEnumerable<OpeningInterval> hours,
        DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
            return [];
        var byDay = hours.ToLookup(h => h.Day);
        var range = new Interval(Instant.FromDateTimeOffset(from), Instant.FromDateTimeOffset(to));
        var pieces = new List<(Instant From, Instant To)>();

        // Within one zone interval the offset is fixed, so instants and local times map one to one;
        // across a change the same local time may occur twice (autumn) or not at all (spring).
        foreach (var zoneInterval in Berlin.Zone.GetZoneIntervals(range))
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
                foreach (var interval in byDay[BclConversions.ToDayOfWeek(date.DayOfWeek)])
                {
                    var opens = date.At(LocalTime.FromTimeOnly(interval.Opens));
                    var closes = interval.ClosesMinute == 24 * 60 ? date.PlusDays(1).AtMidnight() : date.At(LocalTime.FromTimeOnly(interval.Closes));
                    var pieceStart = opens > localStart ? opens : localStart;
                    var pieceEnd = closes < localEnd ? closes : localEnd;
                    if (pieceStart < pieceEnd)
                        pieces.Add((pieceStart.WithOffset(offset).ToInstant(), pieceEnd.WithOffset(offset).ToInstant()));
                }
            }
        }

        var merged = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var (pieceFrom, pieceTo) in pieces.OrderBy(p => p.From))
        {
            if (merged.Count > 0 && merged[^1].To >= pieceFrom.ToDateTimeOffset())
            {
                if (pieceTo.ToDateTimeOffset() > merged[^1].To)
                    merged[^1] = (merged[^1].From, pieceTo.ToDateTimeOffset());
            }
            else
            {
                merged.Add((pieceFrom.ToDateTimeOffset(), pieceTo.ToDateTimeOffset()));
            }
        }
        return merged;
    }
}
