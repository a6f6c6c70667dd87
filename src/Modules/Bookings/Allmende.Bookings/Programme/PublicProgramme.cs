using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using NodaTime;
using Npgsql;

namespace Allmende.Bookings.Programme;

/// <summary>A date of the public programme: the offer, who runs it, where, when (UTC; pages show Berlin time), and places left if people sign up.</summary>
internal sealed record ProgrammeDate(
    Guid OfferId, Guid BookingId, string Kind, string Title, string Description, Guid OrganisationId, string OrganisationName, string Place,
    DateTimeOffset Start, DateTimeOffset End, bool Registration, int Capacity, int? PlacesLeft);

/// <summary>The programme of a site or an organisation: the dates from today on, for the days asked.</summary>
internal sealed record ProgrammeResponse(string Scope, Guid Id, string Name, DateOnly From, DateOnly To, IReadOnlyList<ProgrammeDate> Dates);

/// <summary>
/// What anyone may read without signing in: the dates of published offers whose bookings hold their place,
/// by site or organisation, as JSON (the pages read it) and as an iCalendar feed (one VEVENT per date,
/// written by Ical.Net as the booking feeds are). Nothing personal: titles, places and times only.
/// </summary>
internal static class PublicProgramme
{
    public const string Sites = "sites";
    public const string Organisations = "organisations";
    private const int DefaultDays = 90;
    private const int MaxDays = 366;

    public static void Map(RouteGroupBuilder programme)
    {
        foreach (var scope in new[] { Sites, Organisations })
        {
            programme.MapGet($"/public/{scope}/{{id:guid}}", (Guid id, NpgsqlDataSource db, TimeProvider time, CancellationToken ct, string? from, string? days) =>
                    ReadAsync(db, scope, id, from, days, time, ct))
                .AllowAnonymous()
                .WithSummary($"The public programme of {(scope == Sites ? "a site" : "an organisation")}: dates of offers from a Berlin day on (default today) for days (default {DefaultDays}); no sign-in")
                .Produces<ProgrammeResponse>()
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
            programme.MapGet($"/public/{scope}/{{id:guid}}/ical", async (Guid id, NpgsqlDataSource db, TimeProvider time, CancellationToken ct) =>
                    Results.Text(Feed(await ReadAsync(db, scope, id, null, MaxDays.ToString(System.Globalization.CultureInfo.InvariantCulture), time, ct), time.GetUtcNow()),
                        "text/calendar; charset=utf-8"))
                .AllowAnonymous()
                .WithSummary($"The public programme of {(scope == Sites ? "a site" : "an organisation")} as an iCalendar feed (a year ahead); no sign-in")
                .Produces<string>(StatusCodes.Status200OK, "text/calendar")
                .ProducesProblem(StatusCodes.Status404NotFound);
        }
    }

    private static async Task<ProgrammeResponse> ReadAsync(NpgsqlDataSource db, string scope, Guid id, string? from, string? days, TimeProvider time,
        CancellationToken ct)
    {
        var first = Query.Date(from, "from") ?? Today(time);
        var count = Query.Int(days, "days") ?? DefaultDays;
        if (count is < 1 or > MaxDays)
            throw new BadInputException("days", $"days must be between 1 and {MaxDays}.");
        var last = first.AddDays(count - 1);
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new(scope == Sites
            ? "select name from bookings.site_addresses where site_id = $1 union all select '' from bookings.sites where site_id = $1"
            : "select name from bookings.organisation_names where organisation_id = $1 union all select '' from bookings.organisations where organisation_id = $1"));
        batch.BatchCommands.Add(new($"""
            select o.offer_id, b.booking_id, o.kind, o.title, o.description, o.organisation_id, coalesce(n.name, ''),
                   concat_ws(', ', nullif(s.name, ''), nullif(a.name, ''), nullif(a.address, '')), b.starts_at, b.ends_at, o.registration, o.capacity,
                   (select count(*) from bookings.offer_registrations r where r.offer_id = o.offer_id and r.booking_id = b.booking_id and not r.erased)::int
            from bookings.offers o
            join bookings.bookings b on b.booking_id = o.booking_id or b.series_id = o.series_id
            left join bookings.spaces s on s.space_id = b.space_id
            left join bookings.site_addresses a on a.site_id = b.site_id
            left join bookings.organisation_names n on n.organisation_id = o.organisation_id
            where {(scope == Sites ? "b.site_id" : "o.organisation_id")} = $1 and b.status in ('confirmed', 'checked-in', 'completed')
              and b.ends_at > $2 and b.starts_at < $3
            order by b.starts_at, o.title, b.booking_id
            """));
        batch.BatchCommands[0].Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        batch.BatchCommands[1].Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        batch.BatchCommands[1].Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = StartOf(first) });
        batch.BatchCommands[1].Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = StartOf(last.AddDays(1)) });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var name = await reader.ReadAsync(ct) ? reader.GetString(0) : throw new NotFoundException(scope == Sites ? "site" : "organisation", id);
        await reader.NextResultAsync(ct);
        var dates = new List<ProgrammeDate>();
        while (await reader.ReadAsync(ct))
        {
            var (registration, capacity) = (reader.GetBoolean(10), reader.GetInt32(11));
            dates.Add(new ProgrammeDate(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetGuid(5),
                reader.GetString(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9), registration, capacity,
                registration ? Math.Max(0, capacity - reader.GetInt32(12)) : null));
        }
        return new ProgrammeResponse(scope == Sites ? "site" : "organisation", id, name, first, last, dates);
    }

    /// <summary>One VEVENT per date, its UID the booking's and the offer's (a date of two offers is two events).</summary>
    public static string Feed(ProgrammeResponse programme, DateTimeOffset now)
    {
        var calendar = new Calendar { ProductId = "-//Allmende//Programm//DE", Method = "PUBLISH" };
        calendar.AddProperty("X-WR-CALNAME", $"Programm: {programme.Name}");
        calendar.AddProperty("X-PUBLISHED-TTL", "PT1H");
        foreach (var date in programme.Dates)
        {
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"{date.OfferId}-{date.BookingId}@allmende",
                DtStamp = new CalDateTime(now.UtcDateTime),
                DtStart = new CalDateTime(date.Start.UtcDateTime),
                DtEnd = new CalDateTime(date.End.UtcDateTime),
                Summary = date.Title,
                Description = string.Join("\n", new[] { $"{OfferKinds.GermanOf(date.Kind)} von {date.OrganisationName}", date.Description,
                    date.Registration ? $"Anmeldung erforderlich, {date.Capacity} Plätze" : "" }.Where(s => s.Length > 0)),
                Location = date.Place,
                Status = "CONFIRMED",
                Transparency = "OPAQUE",
            });
        }
        return new CalendarSerializer().SerializeToString(calendar) ?? "";
    }

    private static DateOnly Today(TimeProvider time) =>
        Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(OpeningHours.Berlin).Date.ToDateOnly();

    private static DateTimeOffset StartOf(DateOnly date) =>
        OpeningHours.Berlin.AtStartOfDay(LocalDate.FromDateOnly(date)).ToInstant().ToDateTimeOffset();
}
