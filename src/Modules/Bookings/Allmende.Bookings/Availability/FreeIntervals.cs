using Allmende.Bookings.House;

namespace Allmende.Bookings.Availability;

/// <summary>An interval of instants [Start, End) in UTC.</summary>
internal sealed record TimeInterval(DateTimeOffset Start, DateTimeOffset End);

/// <summary>A slot held in a space: the whole space, or <paramref name="Places"/> places of a flexible-desk area.</summary>
internal sealed record HeldSlot(DateTimeOffset Start, DateTimeOffset End, int Places);

/// <summary>
/// Where a booking would fit: the site's open time (opening hours per Europe/Berlin local day via
/// <see cref="OpeningHours"/>, DST-correct, inside the lease, outside closures) minus the time the
/// space is full. Maximal intervals, ordered, at least the duration long. Pure.
/// </summary>
internal static class FreeIntervals
{
    /// <summary>
    /// Free time for <paramref name="people"/>: a whole space is free or not (its capacity is checked by
    /// <see cref="Bookable"/>); a flexible-desk area is full for them where fewer than that many places are
    /// left, i.e. where the places taken at once reach places − people + 1.
    /// </summary>
    public static IReadOnlyList<TimeInterval> Of(SiteSnapshot site, SpaceSnapshot space, IEnumerable<HeldSlot> held,
        DateTimeOffset from, DateTimeOffset to, TimeSpan duration, int people = 1)
    {
        var open = Open(site, from, to);
        var full = space.WholeSpace
            ? Merge(held.Select(h => new TimeInterval(h.Start, h.End)))
            : Full(held, (space.Places ?? space.Capacity) - people + 1);
        return AtLeast(Subtract(open, full), duration);
    }

    /// <summary>How many people a booking of the space may bring: its capacity, for a flexible-desk area also at most its places.</summary>
    public static int Limit(SpaceSnapshot space) => space.WholeSpace ? space.Capacity : Math.Min(space.Capacity, space.Places ?? space.Capacity);

    /// <summary>
    /// Where a booking of <paramref name="duration"/> could be made now: none when the space takes no
    /// booking that long (the rule, as a booking would be refused with it), else the free intervals
    /// from the first whole minute at least the space's lead time after <paramref name="now"/> on; none
    /// when <paramref name="people"/> exceed what the space holds (over-capacity).
    /// </summary>
    public static (IReadOnlyList<TimeInterval> Free, string? Refused) Bookable(SiteSnapshot site, SpaceSnapshot space, IEnumerable<HeldSlot> held,
        DateTimeOffset from, DateTimeOffset to, TimeSpan duration, DateTimeOffset now, int people = 1)
    {
        if (people > Limit(space))
            return ([], Bookings.BookingRules.OverCapacity);
        if (space.MinDurationMinutes is { } min && duration < TimeSpan.FromMinutes(min))
            return ([], Bookings.BookingRules.TooShort);
        if (space.MaxDurationMinutes is { } max && duration > TimeSpan.FromMinutes(max))
            return ([], Bookings.BookingRules.TooLong);
        var earliest = now.ToUniversalTime().AddMinutes(space.LeadTimeMinutes);
        var remainder = earliest.UtcTicks % TimeSpan.TicksPerMinute;
        if (remainder != 0)
            earliest = earliest.AddTicks(TimeSpan.TicksPerMinute - remainder);
        return (Of(site, space, held, earliest > from ? earliest : from, to, duration, people), null);
    }

    /// <summary>The site's open time within [from, to): hours, clipped to the lease, minus closures; merged.</summary>
    public static IReadOnlyList<TimeInterval> Open(SiteSnapshot site, DateTimeOffset from, DateTimeOffset to)
    {
        if (site.LeaseStartsAt is { } leaseStart && leaseStart > from)
            from = leaseStart;
        if (site.LeaseEndsAt is { } leaseEnd && leaseEnd < to)
            to = leaseEnd;
        if (from >= to)
            return [];
        var hours = Merge(OpeningHours.OpenPieces(site.OpeningHours, from, to)
            .Select(p => new TimeInterval(p.From.ToDateTimeOffset(), p.To.ToDateTimeOffset())));
        return Subtract(hours, Merge(site.Closures.Select(c => new TimeInterval(c.From, c.To))));
    }

    /// <summary>Sorts and joins overlapping or touching intervals; drops empty ones.</summary>
    public static IReadOnlyList<TimeInterval> Merge(IEnumerable<TimeInterval> intervals)
    {
        var merged = new List<TimeInterval>();
        foreach (var interval in intervals.Where(i => i.End > i.Start).OrderBy(i => i.Start))
        {
            if (merged.Count > 0 && interval.Start <= merged[^1].End)
            {
                if (interval.End > merged[^1].End)
                    merged[^1] = merged[^1] with { End = interval.End };
            }
            else
                merged.Add(Utc(interval));
        }
        return merged;
    }

    /// <summary>The parts of the merged <paramref name="from"/> intervals not covered by the merged <paramref name="minus"/> intervals.</summary>
    public static IReadOnlyList<TimeInterval> Subtract(IReadOnlyList<TimeInterval> from, IReadOnlyList<TimeInterval> minus)
    {
        var result = new List<TimeInterval>();
        foreach (var interval in from)
        {
            var start = interval.Start;
            foreach (var cut in minus)
            {
                if (cut.End <= start || cut.Start >= interval.End)
                    continue;
                if (cut.Start > start)
                    result.Add(Utc(new TimeInterval(start, cut.Start)));
                if (cut.End > start)
                    start = cut.End;
            }
            if (start < interval.End)
                result.Add(Utc(new TimeInterval(start, interval.End)));
        }
        return result;
    }

    /// <summary>Where a flexible-desk area has no place left: the places taken at once (a sweep) reach <paramref name="places"/>.</summary>
    public static IReadOnlyList<TimeInterval> Full(IEnumerable<HeldSlot> held, int places)
    {
        var changes = held.Where(h => h.End > h.Start)
            .SelectMany(h => new[] { (At: h.End, Delta: -h.Places), (At: h.Start, Delta: h.Places) })
            .GroupBy(c => c.At, c => c.Delta)
            .Select(g => (At: g.Key, Delta: g.Sum()))
            .OrderBy(c => c.At)
            .ToList();
        var full = new List<TimeInterval>();
        var taken = 0;
        DateTimeOffset? fullSince = null;
        foreach (var (at, delta) in changes)
        {
            taken += delta;
            if (taken >= places && fullSince is null)
                fullSince = at;
            else if (taken < places && fullSince is { } since)
            {
                full.Add(new TimeInterval(since, at));
                fullSince = null;
            }
        }
        return Merge(full);
    }

    public static IReadOnlyList<TimeInterval> AtLeast(IEnumerable<TimeInterval> intervals, TimeSpan duration) =>
        [.. intervals.Where(i => i.End - i.Start >= duration)];

    private static TimeInterval Utc(TimeInterval interval) => new(interval.Start.ToUniversalTime(), interval.End.ToUniversalTime());
}
