using System.Security.Cryptography;
using System.Text;
using Allmende.Bookings.House;
using Allmende.Bookings.Series;
using Allmende.Eventing.Streams;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Npgsql;
using NodaTime;

namespace Allmende.Bookings.Calendars;

/// <summary>What a feed is of: an organisation's bookings, a space's or a site's.</summary>
internal static class FeedScopes
{
    public const string Organisation = "organisation";
    public const string Space = "space";
    public const string Site = "site";

    public static readonly string[] All = [Organisation, Space, Site];
}

/// <summary>
/// Who reads a feed. Staff (admin, auditor) see every booking in full; a member sees the bookings of
/// <paramref name="Organisations"/> in full and every other one as a busy block, whose UID is derived
/// from the booking's id with <paramref name="UidKey"/> (HMAC-SHA-256), stable for that reader and
/// telling nothing of the id.
/// </summary>
internal sealed record FeedViewer(bool Staff, IReadOnlySet<Guid> Organisations, byte[] UidKey)
{
    public const string StaffView = "staff";
    public const string MemberView = "member";

    public bool SeesInFull(Guid organisationId) => Staff || Organisations.Contains(organisationId);
}

/// <summary>One booking or fixed-desk assignment as a feed shows it (Desk: an assignment over whole Berlin days).</summary>
internal sealed record FeedItem(
    Guid Id, bool Desk, string SpaceName, string? SiteName, string? Address, Guid OrganisationId, string? OrganisationName,
    DateTimeOffset Start, DateTimeOffset End, DateOnly? FirstDay, DateOnly? LastDay, int Attendees, string Purpose, string ActionField,
    string Status, long Version, DateTimeOffset? LastModified, Guid? SeriesId = null);

/// <summary>A recurring series as its feed event needs it: how it repeats and each occurrence as requested.</summary>
internal sealed record FeedSeries(Guid Id, string Frequency, IReadOnlyList<SeriesOccurrence> Occurrences, long Version);

/// <summary>
/// iCalendar feeds (RFC 5545, written by Ical.Net): bookings ending from 30 days ago on and fixed-desk
/// assignments, including those that no longer hold their slot, as STATUS:CANCELLED, so that a
/// subscribed calendar drops them instead of keeping a stale copy. SEQUENCE is the booking's version,
/// LAST-MODIFIED the time of its last event; LOCATION the space, site and address.
/// </summary>
internal static class FeedCalendar
{
    public const string ContentType = "text/calendar";

    /// <summary>How far back a feed reaches.</summary>
    public static readonly TimeSpan History = TimeSpan.FromDays(30);

    private static readonly string[] Cancelled = ["cancelled", "rejected", "expired", "no-show"];

    public static Task<IReadOnlyList<FeedItem>> ItemsAsync(NpgsqlDataSource db, string scope, Guid target, DateTimeOffset now, CancellationToken ct) =>
        QueryAsync(db, scope switch
        {
            FeedScopes.Organisation => "x.organisation_id = $1",
            FeedScopes.Space => "x.space_id = $1",
            _ => "x.site_id = $1",
        } + " and (x.ends_at > $2 or x.until_date >= $3)", target, now, ct);

    /// <summary>
    /// The recurring series among the items, each with every booking it made (also those older than the
    /// feed's window: the RRULE covers the whole series, so each occurrence it must leave out is needed).
    /// </summary>
    public static async Task<IReadOnlyList<(FeedSeries Series, IReadOnlyList<FeedItem> Bookings)>> SeriesAsync(NpgsqlDataSource db, EventStore store,
        IEnumerable<FeedItem> items, DateTimeOffset now, CancellationToken ct)
    {
        var result = new List<(FeedSeries, IReadOnlyList<FeedItem>)>();
        foreach (var id in items.Where(i => i.SeriesId is not null).Select(i => i.SeriesId!.Value).Distinct())
        {
            var series = await store.LoadAsync<BookingSeries>(BookingSeries.StreamId(id), ct: ct);
            if (series is null || series.State.Occurrences.Count == 0)
                continue;
            var bookings = await QueryAsync(db, "x.series_id = $1 and $2 = $2 and $3 = $3", id, now, ct);
            result.Add((new FeedSeries(id, series.State.Repeat.Frequency, series.State.Occurrences, series.Version), bookings));
        }
        return result;
    }

    private static async Task<IReadOnlyList<FeedItem>> QueryAsync(NpgsqlDataSource db, string filter, Guid target, DateTimeOffset now, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select x.id, x.desk, coalesce(s.name, ''), a.name, a.address, x.organisation_id, o.name, x.starts_at, x.ends_at, x.from_date, x.until_date,
                   x.attendees, x.purpose, x.action_field, x.status, x.version, e.timestamp, x.series_id
            from (
                select booking_id as id, false as desk, space_id, site_id, organisation_id, starts_at, ends_at, null::date as from_date,
                       null::date as until_date, attendees, purpose, action_field, status, version, last_seq, series_id
                from bookings.bookings
                union all
                select assignment_id, true, space_id, site_id, organisation_id, null, null, from_date, until_date, 1, 'fixed desk', '',
                       case when until_date < from_date then 'withdrawn' else 'assigned' end, version, last_seq, null
                from bookings.desk_assignments
            ) x
            left join bookings.spaces s on s.space_id = x.space_id
            left join bookings.site_addresses a on a.site_id = x.site_id
            left join bookings.organisation_names o on o.organisation_id = x.organisation_id
            left join marten.mt_events e on e.seq_id = x.last_seq
            where {filter}
            order by coalesce(x.starts_at, x.from_date::timestamptz), x.id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = target });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - History });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = BerlinDate(now - History) });
        var items = new List<FeedItem>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var desk = reader.GetBoolean(1);
            DateOnly? first = desk ? reader.GetFieldValue<DateOnly>(9) : null;
            DateOnly? last = desk ? reader.GetFieldValue<DateOnly>(10) : null;
            items.Add(new FeedItem(reader.GetGuid(0), desk, reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                desk ? StartOf(first!.Value) : reader.GetFieldValue<DateTimeOffset>(7),
                desk ? StartOf(last!.Value.AddDays(1)) : reader.GetFieldValue<DateTimeOffset>(8),
                first, last, reader.GetInt32(11), reader.GetString(12), reader.GetString(13), reader.GetString(14), reader.GetInt64(15),
                reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16), reader.IsDBNull(17) ? null : reader.GetGuid(17)));
        }
        return items;
    }

    /// <summary>
    /// The feed's text, as the viewer may see it: one VEVENT per item, except that a recurring series is
    /// one VEVENT with an RRULE (see <see cref="SeriesEvents"/>).
    /// </summary>
    public static string Write(string name, IReadOnlyList<FeedItem> items, IReadOnlyList<(FeedSeries Series, IReadOnlyList<FeedItem> Bookings)> series,
        FeedViewer viewer, DateTimeOffset now)
    {
        var calendar = new Calendar { ProductId = "-//Allmende//Bookings//DE", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", name);
        calendar.AddProperty("X-PUBLISHED-TTL", "PT15M");
        if (series.Count > 0)
            calendar.AddTimeZone(VTimeZone.FromDateTimeZone(BerlinId));
        var inSeries = series.Select(s => s.Series.Id).ToHashSet();
        foreach (var item in items.Where(i => i.SeriesId is not { } id || !inSeries.Contains(id)))
            calendar.Events.Add(Event(item, viewer, now));
        foreach (var (one, bookings) in series)
            foreach (var e in SeriesEvents(one, bookings, items, viewer, now))
                calendar.Events.Add(e);
        return new CalendarSerializer().SerializeToString(calendar) ?? "";
    }

    private const string BerlinId = "Europe/Berlin";

    /// <summary>
    /// A series as one event: DTSTART/DTEND the first occurrence in Europe/Berlin wall-clock time (so the
    /// rule keeps 18:00 across DST, as the series does), an RRULE of its frequency until its last
    /// occurrence, and an EXDATE for every occurrence the rule does not stand for: skipped, released
    /// (cancelled, no-show, …), awaiting approval or moved. Those still in the feed's window that have a
    /// booking follow as events of their own (their booking's UID), so a moved one shows where it went.
    /// </summary>
    private static IEnumerable<CalendarEvent> SeriesEvents(FeedSeries series, IReadOnlyList<FeedItem> bookings, IReadOnlyList<FeedItem> inWindow,
        FeedViewer viewer, DateTimeOffset now)
    {
        var byId = bookings.ToDictionary(b => b.Id);
        var sample = bookings[0];
        bool Covered(SeriesOccurrence o) => o.BookingId is { } id && byId.TryGetValue(id, out var b) && b.Start == o.Start && b.End == o.End
            && Status(b.Status) == "CONFIRMED";
        var first = series.Occurrences[0];
        var last = series.Occurrences[^1];
        var full = viewer.SeesInFull(sample.OrganisationId);
        var master = new CalendarEvent
        {
            Uid = full ? $"{series.Id}@allmende" : $"{OpaqueId(viewer.UidKey, series.Id)}@allmende",
            DtStamp = Utc(now),
            DtStart = Berlin(first.Start),
            DtEnd = Berlin(first.End),
            Sequence = (int)Math.Min(series.Version + bookings.Sum(b => b.Version), int.MaxValue),
            Status = "CONFIRMED",
            Location = Location(sample),
            Transparency = "OPAQUE",
        };
        var pattern = series.Frequency switch
        {
            Frequencies.Fortnightly => new RecurrencePattern(FrequencyType.Weekly, 2),
            Frequencies.Monthly => new RecurrencePattern(FrequencyType.Monthly, 1) { ByMonthDay = [Berlin(first.Start).Value.Day] },
            _ => new RecurrencePattern(FrequencyType.Weekly, 1),
        };
        pattern.Until = Utc(last.Start);
        master.RecurrenceRule = pattern;
        foreach (var occurrence in series.Occurrences.Where(o => !Covered(o)))
            master.ExceptionDates.Add(Berlin(occurrence.Start));
        if (bookings.Max(b => b.LastModified) is { } modified)
            master.LastModified = Utc(modified);
        Describe(master, sample, viewer, full);
        yield return master;

        var covered = series.Occurrences.Where(Covered).Select(o => o.BookingId!.Value).ToHashSet();
        foreach (var item in inWindow.Where(i => i.SeriesId == series.Id && !covered.Contains(i.Id)))
            yield return Event(item, viewer, now);
    }

    private static CalDateTime Berlin(DateTimeOffset instant)
    {
        var local = Instant.FromDateTimeOffset(instant).InZone(OpeningHours.Berlin).LocalDateTime.ToDateTimeUnspecified();
        return new CalDateTime(local, BerlinId);
    }

    private static CalendarEvent Event(FeedItem item, FeedViewer viewer, DateTimeOffset now)
    {
        var full = viewer.SeesInFull(item.OrganisationId);
        var e = new CalendarEvent
        {
            Uid = full ? $"{item.Id}@allmende" : $"{OpaqueId(viewer.UidKey, item.Id)}@allmende",
            DtStamp = Utc(now),
            Sequence = (int)Math.Min(item.Version, int.MaxValue),
            Status = Status(item.Status),
            Location = Location(item),
            Transparency = "OPAQUE",
        };
        if (item.Desk)
        {
            // Whole Berlin days: DATE values, DTEND the day after the last (exclusive).
            e.DtStart = new CalDateTime(item.FirstDay!.Value);
            e.DtEnd = new CalDateTime(item.LastDay!.Value.AddDays(1));
        }
        else
        {
            e.DtStart = Utc(item.Start);
            e.DtEnd = Utc(item.End);
        }
        if (item.LastModified is { } modified)
            e.LastModified = Utc(modified);
        Describe(e, item, viewer, full);
        return e;
    }

    /// <summary>SUMMARY and DESCRIPTION: "busy" only for what the viewer may not see in full.</summary>
    private static void Describe(CalendarEvent e, FeedItem item, FeedViewer viewer, bool full)
    {
        if (!full)
        {
            e.Summary = "busy";
            return;
        }
        var organisation = item.OrganisationName ?? item.OrganisationId.ToString();
        e.Summary = item.Desk
            ? $"{item.SpaceName}: fixed desk"
            : viewer.Staff ? $"{organisation}: {item.Purpose}" : $"{item.SpaceName}: {item.Purpose}";
        e.Description = item.Desk
            ? $"Organisation: {organisation}\nFixed desk {item.FirstDay:yyyy-MM-dd} to {item.LastDay:yyyy-MM-dd}\nStatus: {item.Status}"
            : $"Organisation: {organisation}\nPurpose: {item.Purpose}\nAttendees: {item.Attendees}\nAction field: {item.ActionField}\nStatus: {item.Status}";
    }

    private static string Status(string status) => status switch
    {
        "pending-approval" => "TENTATIVE",
        "withdrawn" => "CANCELLED",
        _ when Cancelled.Contains(status) => "CANCELLED",
        _ => "CONFIRMED",
    };

    private static string Location(FeedItem item) =>
        string.Join(", ", new[] { item.SpaceName, item.SiteName, item.Address }.Where(p => !string.IsNullOrEmpty(p)));

    /// <summary>HMAC-SHA-256 of the id under the viewer's key, 128 bits in hex: the same event keeps its UID, the id stays hidden.</summary>
    public static string OpaqueId(byte[] key, Guid id) => Convert.ToHexStringLower(HMACSHA256.HashData(key, id.ToByteArray()).AsSpan(0, 16));

    /// <summary>A key for UIDs of a reader without a feed secret (the key-authenticated feeds): derived from who they are.</summary>
    public static byte[] KeyFor(string actor) => SHA256.HashData(Encoding.UTF8.GetBytes("allmende-feed-uid:" + actor));

    private static CalDateTime Utc(DateTimeOffset instant) => new(instant.UtcDateTime);

    private static DateOnly BerlinDate(DateTimeOffset instant) =>
        Instant.FromDateTimeOffset(instant).InZone(OpeningHours.Berlin).Date.ToDateOnly();

    private static DateTimeOffset StartOf(DateOnly date) =>
        OpeningHours.Berlin.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();
}
