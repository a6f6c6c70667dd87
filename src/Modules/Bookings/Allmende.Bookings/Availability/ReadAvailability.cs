using Allmende.Bookings.Bookings;
using Allmende.Bookings.Calendars;
using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Availability;

/// <summary>
/// A space and where a booking of the asked duration could be made in it (UTC, ordered; not before now
/// plus its lead time). UnavailableBecause: the rule a booking of that duration breaks (below-minimum-duration,
/// above-maximum-duration, over-capacity when it holds fewer than the asked people); then Free is empty.
/// </summary>
internal sealed record SpaceAvailability(Guid SpaceId, string Name, IReadOnlyList<TimeInterval> Free, string? UnavailableBecause = null);

/// <summary>
/// Free slots from the Europe/Berlin date <c>from</c> to <c>to</c> (inclusive), UTC bounds [rangeFrom, rangeTo),
/// for a booking of <c>people</c> (1 unless asked: places of a flexible-desk area, or a space holding that many).
/// </summary>
internal sealed record AvailabilityResponse(DateOnly From, DateOnly To, DateTimeOffset RangeFrom, DateTimeOffset RangeTo, int DurationMinutes,
    IReadOnlyList<SpaceAvailability> Spaces, int People = 1);

/// <summary>Availability search: open time of the site minus the time the space is full. Read side only.</summary>
internal static class ReadAvailability
{
    public const int MaxDays = 31;

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapGet("/availability", Handle)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Free slots of a space (spaceId) or a site's bookable spaces (siteId, kind) between two Europe/Berlin dates (from, to; inclusive, at most 31 days) where a booking of durationMinutes for people (default 1: places of a flexible-desk area, or a space holding that many) fits")
            .Produces<AvailabilityResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Handle(NpgsqlDataSource db, TimeProvider time, CancellationToken ct,
        [FromQuery(Name = "spaceId")] string? spaceIdText = null,
        [FromQuery(Name = "siteId")] string? siteIdText = null,
        string? kind = null,
        [FromQuery(Name = "from")] string? fromText = null,
        [FromQuery(Name = "to")] string? toText = null,
        [FromQuery(Name = "durationMinutes")] string? durationText = null,
        [FromQuery(Name = "people")] string? peopleText = null)
    {
        var spaceId = Query.Guid(spaceIdText, "spaceId");
        var siteId = Query.Guid(siteIdText, "siteId");
        if (spaceId is null == siteId is null)
            throw new BadInputException(spaceId is null ? "spaceId" : "siteId", "Give either spaceId or siteId.");
        if (kind is not null && spaceId is not null)
            throw new BadInputException("kind", "kind filters a site's spaces; leave it out with spaceId.");
        var from = Date(fromText, "from");
        var to = Date(toText, "to");
        if (to < from)
            throw new BadInputException("to", "to must not be before from.");
        if (to.DayNumber - from.DayNumber + 1 > MaxDays)
            throw new BadInputException("to", $"The range may span at most {MaxDays} days.");
        var duration = Query.Int(durationText, "durationMinutes") ?? throw new BadInputException("durationMinutes", "durationMinutes is required.");
        if (duration is < 1 or > MaxDays * 25 * 60)
            throw new BadInputException("durationMinutes", "durationMinutes must be a positive number of minutes.");
        var people = Query.Int(peopleText, "people") ?? 1;
        if (people is < 1 or > 10_000)
            throw new BadInputException("people", "people must be a number from 1 to 10000.");

        var (_, rangeFrom, _) = CalendarRange.Of(from, CalendarRange.Day);
        var (_, _, rangeTo) = CalendarRange.Of(to, CalendarRange.Day);

        await using var connection = await db.OpenConnectionAsync(ct);
        var spaces = await SpacesAsync(connection, spaceId, siteId, kind, ct);
        if (spaceId is { } space && spaces.Site is null)
            throw new NotFoundException("space", space);
        var site = await HouseSnapshot.LoadSiteAsync(connection, spaces.Site ?? siteId!.Value, rangeFrom, rangeTo, ct)
            ?? (spaceId is { } unknownSpace ? throw new NotFoundException("space", unknownSpace) : throw new NotFoundException("site", siteId!.Value));
        var held = await HeldAsync(connection, [.. spaces.Bookable.Select(s => s.SpaceId)], rangeFrom, rangeTo, ct);

        var now = time.GetUtcNow();
        var result = spaces.Bookable.Select(s =>
        {
            var (free, refused) = FreeIntervals.Bookable(site, s, held[s.SpaceId], rangeFrom, rangeTo, TimeSpan.FromMinutes(duration), now, people);
            return new SpaceAvailability(s.SpaceId, s.Name, free, refused);
        }).ToList();
        return Results.Ok(new AvailabilityResponse(from, to, rangeFrom, rangeTo, duration, result, people));
    }

    private static DateOnly Date(string? value, string name) =>
        Query.RequiredDate(value, name, "2027-03-01");

    /// <summary>The asked space (any state; its site) or the site's spaces, and of those the bookable, non-retired ones by name.</summary>
    private static async Task<(Guid? Site, List<SpaceSnapshot> Bookable)> SpacesAsync(NpgsqlConnection connection, Guid? spaceId, Guid? siteId,
        string? kind, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select space_id, site_id, name, kind, bookable and retired_at is null, capacity, places, min_duration, max_duration, lead_time
            from bookings.spaces
            where ($1::uuid is not null and space_id = $1) or ($1::uuid is null and site_id = $2 and ($3::text is null or kind = $3))
            order by name, space_id
            """, connection);
        command.Parameters.Add(SqlParameters.OrNull(spaceId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(siteId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(kind, NpgsqlDbType.Text));
        Guid? site = null;
        var bookable = new List<SpaceSnapshot>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            site = reader.GetGuid(1);
            if (reader.GetBoolean(4))
                bookable.Add(new SpaceSnapshot(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), true, reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.IsDBNull(7) ? null : reader.GetInt32(7),
                    reader.IsDBNull(8) ? null : reader.GetInt32(8), reader.GetInt32(9), false, []));
        }
        return (site, bookable);
    }

    /// <summary>The slots held (pending, confirmed, checked-in) in the spaces overlapping [from, to).</summary>
    private static async Task<ILookup<Guid, HeldSlot>> HeldAsync(NpgsqlConnection connection, Guid[] spaceIds, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select space_id, lower(during), upper(during), places from bookings.slots
            where holds and space_id = any($1) and during && tstzrange($2, $3, '[)')
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = spaceIds });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var rows = new List<(Guid, HeldSlot)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add((reader.GetGuid(0), new HeldSlot(reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3))));
        return rows.ToLookup(r => r.Item1, r => r.Item2);
    }
}
