using System.Text;
using System.Text.Json.Serialization;
using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Calendars;

/// <summary>
/// A booking in a calendar. For a member, another organisation's booking is only a busy block: space,
/// start, end and status, without id, organisation, person or purpose (those are left out of the JSON).
/// </summary>
internal sealed record CalendarEntry(
    Guid SpaceId,
    string SpaceName,
    DateTimeOffset Start,
    DateTimeOffset End,
    string Status,
    bool Busy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? Id = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? OrganisationId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? PersonId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Attendees = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Purpose = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ActionField = null);

/// <summary>A day or ISO week (Europe/Berlin) of a space or a site: its UTC bounds [from, to) and the bookings holding a slot in it, by start.</summary>
internal sealed record CalendarResponse(string View, DateOnly Date, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<CalendarEntry> Bookings);

/// <summary>Calendars and iCalendar feeds: the bookings that hold a slot (pending, confirmed, checked-in). Read side only.</summary>
internal static class ReadCalendars
{
    private static readonly string[] Holding = ["pending-approval", "confirmed", "checked-in"];

    private const string IcsSuffix = ".ics";

    public static void Map(RouteGroupBuilder bookings)
    {
        bookings.MapGet("/calendar", HandleCalendar)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Calendar of a space (spaceId) or a site (siteId) for a Europe/Berlin day or ISO week (date=yyyy-MM-dd, view=day|week); members see other organisations' bookings only as busy blocks")
            .Produces<CalendarResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        // The parameter takes "<id>.ics" (or the bare id): a route with a literal suffix would not match a bare id.
        bookings.MapGet("/ical/space/{spaceFeed}", HandleSpaceFeed)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("iCalendar feed (RFC 5545) of a space's bookings from 30 days ago, for clients sending a key: /ical/space/{spaceId}.ics; members see others' bookings as \"busy\" (calendar apps: POST /api/bookings/feeds)")
            .Produces<string>(StatusCodes.Status200OK, FeedCalendar.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound);
        bookings.MapGet("/ical/organisation/{organisationFeed}", HandleOrganisationFeed)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("iCalendar feed (RFC 5545) of an organisation's bookings from 30 days ago, for clients sending a key: /ical/organisation/{organisationId}.ics; members only their own organisations' (calendar apps: POST /api/bookings/feeds)")
            .Produces<string>(StatusCodes.Status200OK, FeedCalendar.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> HandleCalendar(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "spaceId")] string? spaceIdText = null,
        [FromQuery(Name = "siteId")] string? siteIdText = null,
        string? date = null,
        string? view = null)
    {
        var spaceId = Query.Guid(spaceIdText, "spaceId");
        var siteId = Query.Guid(siteIdText, "siteId");
        if (spaceId is null == siteId is null)
            throw new BadInputException(spaceId is null ? "spaceId" : "siteId", "Give either spaceId or siteId.");
        var day = Query.RequiredDate(date, "date", "2027-03-01");
        view ??= CalendarRange.Day;
        if (view is not (CalendarRange.Day or CalendarRange.Week))
            throw new BadInputException("view", "view must be day or week.");

        if (spaceId is { } space && !await ExistsAsync(db, "select exists (select 1 from bookings.spaces where space_id = $1)", space, ct))
            throw new NotFoundException("space", space);
        if (siteId is { } site && !await ExistsAsync(db, "select exists (select 1 from bookings.sites where site_id = $1)", site, ct))
            throw new NotFoundException("site", site);

        var (first, from, to) = CalendarRange.Of(day, view);
        var rows = await HoldingAsync(db, spaceId, siteId, null, from, to, ct);
        var everything = http.User.IsAdmin() || http.User.IsAuditor();
        var own = http.User.Organisations().ToHashSet();
        var entries = rows.Select(r => everything || own.Contains(r.OrganisationId)
            ? new CalendarEntry(r.SpaceId, r.SpaceName, r.Start, r.End, r.Status, false, r.Id, r.OrganisationId, r.PersonId, r.Attendees, r.Purpose, r.ActionField)
            : new CalendarEntry(r.SpaceId, r.SpaceName, r.Start, r.End, r.Status, true)).ToList();
        return Results.Ok(new CalendarResponse(view, first, from, to, entries));
    }

    private static Task<IResult> HandleSpaceFeed(string spaceFeed, HttpContext http, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct) =>
        KeyFeedAsync(FeedScopes.Space, FeedId(spaceFeed, "space"), http, db, clock, ct);

    private static Task<IResult> HandleOrganisationFeed(string organisationFeed, HttpContext http, NpgsqlDataSource db, TimeProvider clock,
        CancellationToken ct)
    {
        var organisationId = FeedId(organisationFeed, "organisation");
        if (!http.User.CanRead(organisationId))
            throw new NotFoundException("organisation", organisationId);
        return KeyFeedAsync(FeedScopes.Organisation, organisationId, http, db, clock, ct);
    }

    /// <summary>
    /// The key-authenticated feeds (for clients that send a key): the same calendar as a secret feed for
    /// the caller, staff in full, a member with others' bookings as busy blocks under opaque UIDs.
    /// </summary>
    private static async Task<IResult> KeyFeedAsync(string scope, Guid target, HttpContext http, NpgsqlDataSource db, TimeProvider clock, CancellationToken ct)
    {
        var store = http.RequestServices.GetRequiredService<EventStore>();
        var name = await CalendarFeeds.NameAsync(db, scope, target, ct) ?? throw new NotFoundException(scope, target);
        var user = http.User;
        var viewer = new FeedViewer(user.IsAdmin() || user.IsAuditor(), user.Organisations().ToHashSet(), FeedCalendar.KeyFor(user.Actor()));
        var now = clock.GetUtcNow();
        var items = await FeedCalendar.ItemsAsync(db, scope, target, now, ct);
        var series = await FeedCalendar.SeriesAsync(db, store, items, now, ct);
        return Results.Text(FeedCalendar.Write(name, items, series, viewer, now), FeedCalendar.ContentType, Encoding.UTF8);
    }

    /// <summary>"&lt;id&gt;.ics" or the bare id; anything else is no such feed (404).</summary>
    private static Guid FeedId(string feed, string what)
    {
        var text = feed.EndsWith(IcsSuffix, StringComparison.OrdinalIgnoreCase) ? feed[..^IcsSuffix.Length] : feed;
        return Guid.TryParse(text, out var id) ? id : throw new NotFoundException(what, feed);
    }

    private static async Task<bool> ExistsAsync(NpgsqlDataSource db, string sql, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await command.ExecuteScalarAsync(ct) is true;
    }

    private sealed record Row(Guid Id, Guid SpaceId, string SpaceName, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start, DateTimeOffset End,
        int Attendees, string Purpose, string ActionField, string Status);

    private static async Task<List<Row>> HoldingAsync(NpgsqlDataSource db, Guid? spaceId, Guid? siteId, Guid? organisationId,
        DateTimeOffset from, DateTimeOffset? to, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select b.booking_id, b.space_id, coalesce(s.name, ''), b.organisation_id, b.person_id, b.starts_at, b.ends_at,
                   b.attendees, b.purpose, b.action_field, b.status
            from bookings.bookings b
            left join bookings.spaces s on s.space_id = b.space_id
            where ($1::uuid is null or b.space_id = $1)
              and ($2::uuid is null or b.site_id = $2)
              and ($3::uuid is null or b.organisation_id = $3)
              and b.status = any($4)
              and b.ends_at > $5
              and ($6::timestamptz is null or b.starts_at < $6)
            order by b.starts_at, b.booking_id
            """);
        command.Parameters.Add(SqlParameters.OrNull(spaceId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(siteId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Holding, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(SqlParameters.OrNull(to, NpgsqlDbType.TimestampTz));
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new Row(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetInt32(7), reader.GetString(8),
                reader.GetString(9), reader.GetString(10)));
        return rows;
    }
}
