using System.Globalization;
using Allmende.Bookings.House;
using Allmende.Spaces.Contracts;
using NodaTime;

namespace Allmende.Bookings.Reports;

/// <summary>Figures of one bucket (or the total) of a space or the site. Minutes are whole, rounded down.</summary>
internal sealed record OccupancyBucket(string Bucket, long OpenMinutes, long BookedMinutes, long UnusedMinutes, decimal? Utilisation);

/// <summary>
/// A space's occupancy. Places: 1 for a whole space; a flexible-desk area's places, whose minutes are
/// place-minutes (open minutes × places; a booking counts its attendees).
/// </summary>
internal sealed record SpaceOccupancy(Guid SpaceId, string Name, string Kind, int Places, IReadOnlyList<OccupancyBucket> Buckets, OccupancyBucket Total);

internal sealed record SiteOccupancy(IReadOnlyList<OccupancyBucket> Buckets, OccupancyBucket Total);

/// <summary>
/// The occupancy report: Position is the settled log position it was read at (null: current).
/// </summary>
internal sealed record OccupancyReport(
    Guid SiteId, DateOnly From, DateOnly To, string By, DateTimeOffset? AsOf, long? Position,
    IReadOnlyList<SpaceOccupancy> Spaces, SiteOccupancy Site);

/// <summary>What the report reads, as of one position.</summary>
internal sealed record OccupancySite(
    IReadOnlyList<OpeningInterval> OpeningHours,
    DateTimeOffset? LeaseStartsAt,
    DateTimeOffset? LeaseEndsAt,
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Closures);

internal sealed record OccupancySpace(Guid SpaceId, string Name, string Kind, int? Places, DateTimeOffset? RetiredAt)
{
    public int Units => Kind == SpaceSnapshot.FlexibleDeskArea ? Math.Max(1, Places ?? 1) : 1;
}

internal sealed record OccupancyBooking(Guid SpaceId, DateTimeOffset Start, DateTimeOffset End, string Status, bool WholeSpace, int Attendees);

/// <summary>
/// Pure computation of the occupancy report. Open time: the site's opening hours on each Europe/Berlin
/// local day (OpeningHours.OpenPieces, DST-correct), minus closures, within the lease, and for a
/// retired space only before its retirement. Booked: the part of each booking inside open time;
/// confirmed, checked-in and completed bookings count as booked, no-shows as "unused" (booked but
/// nobody came), apart. Utilisation = booked / open, four decimals, null without open time.
/// Berlin's offsets are whole hours, so every local hour is one UTC hour: the computation splits the
/// period into UTC hours and buckets each by its local date and hour.
/// </summary>
internal static class Occupancy
{
    public const string Day = "day";
    public const string Week = "week";
    public const string Month = "month";
    public const string HourOfDay = "hour-of-day";
    public const string Weekday = "weekday";

    public static readonly IReadOnlyList<string> Groupings = [Day, Week, Month, HourOfDay, Weekday];

    /// <summary>Statuses that used the slot; no-shows are reported apart.</summary>
    public static readonly IReadOnlyList<string> Used = ["confirmed", "checked-in", "completed"];

    public const string NoShow = "no-show";

    private static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

    public static DateTimeOffset StartOf(DateOnly date) =>
        OpeningHours.Berlin.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();

    public static (IReadOnlyList<SpaceOccupancy> Spaces, SiteOccupancy Site) Compute(
        DateOnly first, DateOnly last, string by, OccupancySite site, IReadOnlyList<OccupancySpace> spaces, IReadOnlyList<OccupancyBooking> bookings)
    {
        var from = StartOf(first);
        var to = StartOf(last.AddDays(1));
        var open = new OpenTime(OpenPieces(site, from, to));

        // The buckets, and each UTC hour's bucket.
        var hours = (int)((to - from).Ticks / TimeSpan.TicksPerHour);
        var labels = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        if (by == HourOfDay)
            labels.AddRange(Enumerable.Range(0, 24).Select(h => $"{h:00}:00"));
        else if (by == Weekday)
            labels.AddRange(Weekdays);
        for (var i = 0; i < labels.Count; i++)
            index[labels[i]] = i;
        var bucketOfHour = new int[hours];
        for (var h = 0; h < hours; h++)
        {
            var local = Instant.FromDateTimeOffset(from.AddHours(h)).InZone(OpeningHours.Berlin).LocalDateTime;
            var label = Label(by, local);
            if (!index.TryGetValue(label, out var b))
            {
                b = labels.Count;
                labels.Add(label);
                index[label] = b;
            }
            bucketOfHour[h] = b;
        }

        var bySpace = bookings.ToLookup(b => b.SpaceId);
        var siteTicks = new Ticks[labels.Count];
        var result = new List<SpaceOccupancy>();
        foreach (var space in spaces.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.SpaceId))
        {
            var ticks = new Ticks[labels.Count];
            var end = space.RetiredAt is { } retired && retired < to ? (retired > from ? retired : from) : to;
            var units = space.Units;
            for (var h = 0; h < hours; h++)
            {
                var slotFrom = from.AddHours(h);
                ticks[bucketOfHour[h]].Open += units * open.Within(slotFrom, Min(slotFrom.AddHours(1), end));
            }
            foreach (var booking in bySpace[space.SpaceId])
            {
                var noShow = booking.Status == NoShow;
                if (!noShow && !Used.Contains(booking.Status))
                    continue;
                var start = Max(booking.Start, from);
                var stop = Min(Min(booking.End, to), end);
                if (start >= stop)
                    continue;
                var weight = booking.WholeSpace ? units : booking.Attendees;
                var firstHour = (int)((start - from).Ticks / TimeSpan.TicksPerHour);
                var lastHour = (int)(((stop - from).Ticks - 1) / TimeSpan.TicksPerHour);
                for (var h = firstHour; h <= lastHour; h++)
                {
                    var slotFrom = from.AddHours(h);
                    var inside = weight * open.Within(Max(start, slotFrom), Min(stop, slotFrom.AddHours(1)));
                    if (noShow)
                        ticks[bucketOfHour[h]].Unused += inside;
                    else
                        ticks[bucketOfHour[h]].Booked += inside;
                }
            }
            for (var b = 0; b < labels.Count; b++)
                siteTicks[b] = siteTicks[b].Plus(ticks[b]);
            result.Add(new SpaceOccupancy(space.SpaceId, space.Name, space.Kind, units,
                Figures(labels, ticks), ticks.Aggregate(default(Ticks), (a, t) => a.Plus(t)).ToBucket("total")));
        }
        return (result, new SiteOccupancy(Figures(labels, siteTicks), siteTicks.Aggregate(default(Ticks), (a, t) => a.Plus(t)).ToBucket("total")));
    }

    private static List<OccupancyBucket> Figures(List<string> labels, Ticks[] ticks) =>
        [.. labels.Select((label, b) => ticks[b].ToBucket(label))];

    private static string Label(string by, LocalDateTime local) => by switch
    {
        Week => $"{ISOWeek.GetYear(local.Date.ToDateTimeUnspecified()):0000}-W{ISOWeek.GetWeekOfYear(local.Date.ToDateTimeUnspecified()):00}",
        Month => local.Date.ToString("yyyy'-'MM", CultureInfo.InvariantCulture),
        HourOfDay => $"{local.Hour:00}:00",
        Weekday => Weekdays[((int)local.DayOfWeek) - 1], // NodaTime: Monday = 1
        _ => local.Date.ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture),
    };

    /// <summary>The site's open time in [from, to), sorted and disjoint.</summary>
    private static List<(DateTimeOffset From, DateTimeOffset To)> OpenPieces(OccupancySite site, DateTimeOffset from, DateTimeOffset to)
    {
        var start = site.LeaseStartsAt is { } s && s > from ? s : from;
        var stop = site.LeaseEndsAt is { } e && e < to ? e : to;
        var merged = new List<(DateTimeOffset From, DateTimeOffset To)>();
        if (start >= stop)
            return merged;
        foreach (var (pieceFrom, pieceTo) in OpeningHours.OpenPieces(site.OpeningHours, start, stop))
        {
            var (a, b) = (pieceFrom.ToDateTimeOffset(), pieceTo.ToDateTimeOffset());
            if (merged.Count > 0 && a <= merged[^1].To)
                merged[^1] = (merged[^1].From, Max(merged[^1].To, b));
            else
                merged.Add((a, b));
        }
        foreach (var closure in site.Closures)
        {
            var next = new List<(DateTimeOffset From, DateTimeOffset To)>(merged.Count + 1);
            foreach (var (a, b) in merged)
            {
                if (closure.To <= a || closure.From >= b)
                {
                    next.Add((a, b));
                    continue;
                }
                if (closure.From > a)
                    next.Add((a, closure.From));
                if (closure.To < b)
                    next.Add((closure.To, b));
            }
            merged = next;
        }
        return merged;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>Open time before an instant, by binary search over cumulative lengths.</summary>
    private sealed class OpenTime
    {
        private readonly long[] _starts;
        private readonly long[] _ends;
        private readonly long[] _before;

        public OpenTime(List<(DateTimeOffset From, DateTimeOffset To)> pieces)
        {
            _starts = [.. pieces.Select(p => p.From.UtcTicks)];
            _ends = [.. pieces.Select(p => p.To.UtcTicks)];
            _before = new long[pieces.Count];
            for (var i = 1; i < pieces.Count; i++)
                _before[i] = _before[i - 1] + _ends[i - 1] - _starts[i - 1];
        }

        /// <summary>Open ticks in [a, b).</summary>
        public long Within(DateTimeOffset a, DateTimeOffset b) => a >= b ? 0 : Before(b.UtcTicks) - Before(a.UtcTicks);

        private long Before(long instant)
        {
            var i = Array.BinarySearch(_starts, instant);
            if (i < 0)
                i = ~i - 1; // the last piece starting before the instant
            return i < 0 ? 0 : _before[i] + Math.Min(instant, _ends[i]) - _starts[i];
        }
    }

    private struct Ticks
    {
        public long Open;
        public long Booked;
        public long Unused;

        public readonly Ticks Plus(Ticks other) => new() { Open = Open + other.Open, Booked = Booked + other.Booked, Unused = Unused + other.Unused };

        public readonly OccupancyBucket ToBucket(string label) =>
            new(label, Open / TimeSpan.TicksPerMinute, Booked / TimeSpan.TicksPerMinute, Unused / TimeSpan.TicksPerMinute, Utilisation(Booked, Open));
    }

    /// <summary>booked / open rounded half up to four decimals, always written with four (e.g. 0.2500).</summary>
    public static decimal? Utilisation(long booked, long open)
    {
        if (open <= 0)
            return null;
        var tenThousandths = (long)(((Int128)booked * 20_000 + open) / ((Int128)open * 2));
        return tenThousandths * 0.0001m; // the product keeps the factor's four decimals
    }
}
