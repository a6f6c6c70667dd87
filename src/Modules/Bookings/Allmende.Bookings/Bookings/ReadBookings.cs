using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Bookings;

/// <summary>Reading bookings: staff and auditors all of them, members their organisations' (others answer 404).</summary>
internal static class ReadBookings
{
    public static void Map(RouteGroupBuilder bookings)
    {
        bookings.MapGet("/{id:guid}", HandleGet)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("One booking, folded from its history; ETag for updates")
            .Produces<BookingResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        bookings.MapGet("", HandleList)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Bookings by start; filters: organisationId, spaceId, siteId, status, flagged (true/false), from and to (instants: bookings overlapping [from, to))")
            .Produces<Page<BookingSummary>>()
            .ProducesValidationProblem();
    }

    private static async Task<IResult> HandleGet(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var booking = await store.LoadAsync<Booking>(Booking.StreamId(id), ct: ct);
        if (booking is null || !http.User.CanRead(booking.State.OrganisationId))
            throw new NotFoundException("booking", id);
        http.Response.SetETag(booking.Version);
        return Results.Ok(BookingResponse.From(booking.State, booking.Version));
    }

    private static async Task<IResult> HandleList(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "organisationId")] string? organisationIdText = null,
        [FromQuery(Name = "spaceId")] string? spaceIdText = null,
        [FromQuery(Name = "siteId")] string? siteIdText = null,
        string? status = null,
        string? flagged = null,
        string? from = null,
        string? to = null,
        string? offset = null,
        string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var organisationId = Query.Guid(organisationIdText, "organisationId");
        var spaceId = Query.Guid(spaceIdText, "spaceId");
        var siteId = Query.Guid(siteIdText, "siteId");
        var fromInstant = Query.Instant(from, "from");
        var toInstant = Query.Instant(to, "to");
        var flaggedOnly = Query.Bool(flagged, "flagged");
        if (status is not null && !StatusNames.All.Contains(status, StringComparer.Ordinal))
            throw new BadInputException("status", $"status must be one of {string.Join(", ", StatusNames.All)}.");
        // Members see only their organisations' bookings; staff and auditors all.
        Guid[]? visible = http.User.IsAdmin() || http.User.IsAuditor() ? null : [.. http.User.Organisations()];

        const string filter = """
            where ($1::uuid is null or organisation_id = $1)
              and ($2::uuid is null or space_id = $2)
              and ($3::uuid is null or site_id = $3)
              and ($4::text is null or status = $4)
              and ($5::timestamptz is null or ends_at > $5)
              and ($6::timestamptz is null or starts_at < $6)
              and ($7::uuid[] is null or organisation_id = any($7))
              and ($8::boolean is null or (cardinality(flags) > 0) = $8)
            """;
        NpgsqlParameter[] Filter() =>
        [
            SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid),
            SqlParameters.OrNull(spaceId, NpgsqlDbType.Uuid),
            SqlParameters.OrNull(siteId, NpgsqlDbType.Uuid),
            SqlParameters.OrNull(status, NpgsqlDbType.Text),
            SqlParameters.OrNull(fromInstant, NpgsqlDbType.TimestampTz),
            SqlParameters.OrNull(toInstant, NpgsqlDbType.TimestampTz),
            SqlParameters.OrNull(visible, NpgsqlDbType.Array | NpgsqlDbType.Uuid),
            SqlParameters.OrNull(flaggedOnly, NpgsqlDbType.Boolean),
        ];

        await using var command = db.CreateCommand($"""
            select booking_id, space_id, site_id, organisation_id, person_id, starts_at, ends_at, attendees, purpose, action_field, status, version,
                   count(*) over (), flags, free_minutes, chargeable_minutes
            from bookings.bookings
            {filter}
            order by starts_at, booking_id
            offset $9 limit $10
            """);
        command.Parameters.AddRange(Filter());
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });

        var items = new List<BookingSummary>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(new BookingSummary(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3),
                    reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6),
                    reader.GetInt32(7), reader.GetString(8), reader.GetString(9), reader.GetString(10), reader.GetFieldValue<string[]>(13), reader.GetInt64(11),
                    reader.GetInt32(14), reader.GetInt32(15)));
                total = reader.GetInt64(12);
            }
        }
        if (items.Count == 0 && page.Offset > 0)
        {
            // A page past the end still tells the total.
            await using var count = db.CreateCommand($"select count(*) from bookings.bookings {filter}");
            count.Parameters.AddRange(Filter());
            total = Convert.ToInt64(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        return Results.Ok(new Page<BookingSummary>(items, total, page.Offset, page.Limit));
    }
}
