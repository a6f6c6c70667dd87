using System.Text.Json;
using Allmende.Bookings.Bookings;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Storage.SqlParameters;

namespace Allmende.Bookings.Reports;

/// <summary>
/// bookings.report_bookings: the temporal history of each booking's space, time range and status,
/// one row per version, true from known_from_seq until known_until_seq (null: still true). Inline,
/// so a row commits with its event and every position a report can settle on is complete here.
/// Events that change neither status nor range (approval before confirmation, flags) add no row.
/// </summary>
internal sealed class BookedTimeProjection : IProjection
{
    public string Name => "bookings.report-bookings";

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(BookingRequested), typeof(BookingRescheduled), typeof(BookingConfirmed), typeof(BookingRejected),
        typeof(BookingApprovalExpired), typeof(BookingCheckedIn), typeof(BookingCompleted), typeof(BookingCancelled),
        typeof(BookingMarkedNoShow), typeof(BookingNoShowUndone),
    ];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            batch.BatchCommands.Add(e.Data switch
            {
                BookingRequested r => Command("""
                    insert into bookings.report_bookings (booking_id, space_id, site_id, during, status, whole_space, attendees, known_from_seq)
                    values ($1, $3, $4, tstzrange($5, $6, '[)'), 'pending-approval', $7, $8, $2)
                    on conflict do nothing
                    """, r.BookingId, e.Sequence, r.SpaceId, r.SiteId, r.Start, r.End, r.WholeSpace, r.Attendees),
                BookingRescheduled r => NextVersion(r.BookingId, e.Sequence, "status", "tstzrange($3, $4, '[)')", r.Start, r.End),
                _ => NextVersion(((IBookingEvent)e.Data).BookingId, e.Sequence, "$3", "during", StatusNames.Of(StatusAfter(e.Data))),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Ends the current version at this event and starts the next one from it (in one statement).</summary>
    private static NpgsqlBatchCommand NextVersion(Guid bookingId, long seq, string status, string during, params object[] values) =>
        Command($"""
            with ended as (
                update bookings.report_bookings set known_until_seq = $2
                where booking_id = $1 and known_until_seq is null and known_from_seq < $2
                returning *)
            insert into bookings.report_bookings (booking_id, space_id, site_id, during, status, whole_space, attendees, known_from_seq)
            select booking_id, space_id, site_id, {during}, {status}, whole_space, attendees, $2 from ended
            """, [bookingId, seq, .. values]);

    private static BookingStatus StatusAfter(object e) => e switch
    {
        BookingConfirmed => BookingStatus.Confirmed,
        BookingRejected => BookingStatus.Rejected,
        BookingApprovalExpired => BookingStatus.Expired,
        BookingCheckedIn => BookingStatus.CheckedIn,
        BookingCompleted => BookingStatus.Completed,
        BookingCancelled => BookingStatus.Cancelled,
        BookingMarkedNoShow => BookingStatus.NoShow,
        BookingNoShowUndone => BookingStatus.Completed,
        _ => throw new InvalidOperationException($"No status follows from {e.GetType().Name}."),
    };

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.report_bookings");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is DateTimeOffset instant
                ? new NpgsqlParameter { Value = instant, NpgsqlDbType = NpgsqlDbType.TimestampTz }
                : new NpgsqlParameter { Value = value });
        }
        return command;
    }
}

/// <summary>
/// bookings.report_sites, report_closures, report_spaces: the history of Bookings' copies of the
/// house, from the events <see cref="HouseHistoryRecorder"/> writes. Same temporal columns as
/// <see cref="BookedTimeProjection"/>; a message older than the one a row came from changes nothing.
/// Inline; the house changes rarely, so each event reads the current row and decides in C#.
/// </summary>
internal sealed class HouseHistoryProjection : IProjection
{
    private static readonly Guid None = Guid.Empty;

    public string Name => "bookings.report-house";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. HouseHistoryNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case SiteHoursCopied h:
                    await NextSiteAsync(context, h.SiteId, e.Sequence,
                        current => current is null || current.HoursMessage < h.MessageId
                            ? (current ?? Site.Empty) with { OpeningHours = JsonSerializer.Serialize(h.OpeningHours, EventingJson.Options), HoursMessage = h.MessageId }
                            : null, ct);
                    break;
                case SiteLeaseCopied l:
                    await NextSiteAsync(context, l.SiteId, e.Sequence,
                        current => current is null || current.LeaseMessage < l.MessageId
                            ? (current ?? Site.Empty) with { LeaseStartsAt = l.StartsAt, LeaseEndsAt = l.EndsAt, LeaseMessage = l.MessageId }
                            : null, ct);
                    break;
                case SiteClosureCopied c:
                    // Added: only if unknown. Removed: a new version (or a tombstone, if the removal came first).
                    await ExecuteAsync(context, """
                        with ended as (
                            update bookings.report_closures set known_until_seq = $2
                            where closure_id = $1 and known_until_seq is null and known_from_seq < $2 and not removed and $6
                            returning closure_id)
                        insert into bookings.report_closures (closure_id, site_id, during, removed, known_from_seq)
                        select $1, $3, tstzrange($4, $5, '[)'), $6, $2
                        where exists (select 1 from ended)
                           or not exists (select 1 from bookings.report_closures where closure_id = $1)
                        """, ct, c.ClosureId, e.Sequence, c.SiteId, c.From, c.To, c.Removed);
                    break;
                case SpaceCopied s:
                    await ExecuteAsync(context, """
                        with current as (
                            select * from bookings.report_spaces where space_id = $1 and known_until_seq is null),
                        ended as (
                            update bookings.report_spaces t set known_until_seq = $2 from current c
                            where t.space_id = c.space_id and t.known_from_seq = c.known_from_seq and c.message_id < $4 and c.known_from_seq < $2
                            returning c.retired_at)
                        insert into bookings.report_spaces (space_id, site_id, message_id, name, kind, places, retired_at, known_from_seq)
                        select $1, $3, $4, $5, $6, $7, retired_at, $2 from ended
                        union all
                        select $1, $3, $4, $5, $6, $7, null, $2 where not exists (select 1 from current)
                        """, ct, s.SpaceId, e.Sequence, s.SiteId, s.MessageId, s.Name, s.Kind, Int(s.Places));
                    break;
                case SpaceRetirementCopied r:
                    // Retirement may overtake the opening: then a placeholder row waits for the name and kind.
                    await ExecuteAsync(context, """
                        with current as (
                            select * from bookings.report_spaces where space_id = $1 and known_until_seq is null),
                        ended as (
                            update bookings.report_spaces t set known_until_seq = $2 from current c
                            where t.space_id = c.space_id and t.known_from_seq = c.known_from_seq and c.retired_at is null and c.known_from_seq < $2
                            returning c.*)
                        insert into bookings.report_spaces (space_id, site_id, message_id, name, kind, places, retired_at, known_from_seq)
                        select $1, site_id, message_id, name, kind, places, $4, $2 from ended
                        union all
                        select $1, $3, '00000000-0000-0000-0000-000000000000', '', '', null, $4, $2 where not exists (select 1 from current)
                        """, ct, r.SpaceId, e.Sequence, r.SiteId, r.RetiredAt);
                    break;
            }
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.report_sites, bookings.report_closures, bookings.report_spaces");
        await command.ExecuteNonQueryAsync(ct);
    }

    private sealed record Site(string OpeningHours, Guid HoursMessage, DateTimeOffset? LeaseStartsAt, DateTimeOffset? LeaseEndsAt, Guid LeaseMessage)
    {
        public static Site Empty { get; } = new("[]", None, null, null, None);
    }

    /// <summary>Reads the site's current version; if <paramref name="next"/> gives a new one, ends the old at this event.</summary>
    private static async Task NextSiteAsync(ProjectionContext context, Guid siteId, long seq, Func<Site?, Site?> next, CancellationToken ct)
    {
        Site? current = null;
        await using (var read = context.Command("""
            select opening_hours::text, hours_message, lease_starts_at, lease_ends_at, lease_message, known_from_seq
            from bookings.report_sites where site_id = $1 and known_until_seq is null
            """, siteId))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                if (reader.GetInt64(5) >= seq)
                    return; // applied already
                current = new Site(reader.GetString(0), reader.GetGuid(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                    reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3), reader.GetGuid(4));
            }
        }
        if (next(current) is not { } site)
            return;
        await ExecuteAsync(context, """
            update bookings.report_sites set known_until_seq = $2 where site_id = $1 and known_until_seq is null;
            """, ct, siteId, seq);
        await ExecuteAsync(context, """
            insert into bookings.report_sites (site_id, opening_hours, hours_message, lease_starts_at, lease_ends_at, lease_message, known_from_seq)
            values ($1, $3, $4, $5, $6, $7, $2)
            """, ct, siteId, seq, new NpgsqlParameter { Value = site.OpeningHours, NpgsqlDbType = NpgsqlDbType.Jsonb },
            site.HoursMessage, Instant(site.LeaseStartsAt), Instant(site.LeaseEndsAt), site.LeaseMessage);
    }

    private static async Task ExecuteAsync(ProjectionContext context, string sql, CancellationToken ct, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, context.Connection, context.Transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                NpgsqlParameter p => p,
                DateTimeOffset instant => new NpgsqlParameter { Value = instant, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        await command.ExecuteNonQueryAsync(ct);
    }
}
