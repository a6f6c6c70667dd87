using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Waitlist;

/// <summary>
/// A waitlist entry. Status: waiting, offered (until offeredUntil), booked (bookingId), offer-expired,
/// withdrawn, passed-over (rule: what refused the booking when the slot freed), expired (its start came).
/// </summary>
internal sealed record WaitlistEntryResponse(Guid Id, Guid SpaceId, Guid SiteId, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start,
    DateTimeOffset End, int Attendees, string Purpose, string ActionField, string Status, DateTimeOffset JoinedAt, DateTimeOffset? OfferedUntil,
    Guid? BookingId, string? Rule, long Version)
{
    public static WaitlistEntryResponse From(WaitlistEntry e, long version) => new(e.Id, e.SpaceId, e.SiteId, e.OrganisationId, e.PersonId, e.Start,
        e.End, e.Attendees, e.Purpose, e.ActionField, Waitlisting.StatusOf(e.Status), e.JoinedAt,
        e.Status == WaitlistStatus.Offered ? e.OfferedUntil : null, e.BookingId, e.Rule, version);
}

/// <summary>Joining, reading, withdrawing and (mode "offer") accepting waitlist entries.</summary>
internal static class WaitlistApi
{
    public static void Map(RouteGroupBuilder bookings)
    {
        var waitlist = bookings.MapGroup("/waitlist");
        waitlist.MapPost("", HandleJoin)
            .Validate<RequestBookingRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Waits for a taken slot (same body as a booking); booked or offered in join order when it frees")
            .Produces<WaitlistEntryResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);
        waitlist.MapGet("", HandleList)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("Waitlist entries in join order; filters: spaceId, organisationId, status")
            .Produces<Page<WaitlistEntryResponse>>()
            .ProducesValidationProblem();
        waitlist.MapGet("/{id:guid}", HandleGet)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("One waitlist entry; ETag for withdrawing or accepting")
            .Produces<WaitlistEntryResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        waitlist.MapPost("/{id:guid}/withdraw", HandleWithdraw)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Leaves the waitlist (If-Match required)")
            .Produces<WaitlistEntryResponse>()
            .ProducesUpdateProblems();
        waitlist.MapPost("/{id:guid}/accept", HandleAccept)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Accepts an offered slot: books it with the same rules and slot guarantees as a new booking (If-Match required)")
            .Produces<WaitlistEntryResponse>()
            .ProducesUpdateProblems();
    }

    private static async Task<IResult> HandleJoin(RequestBookingRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        if (!http.User.CanActFor(request.OrganisationId))
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your organisation",
                detail: "Members wait only for the organisations they act for.");
        var now = time.GetUtcNow();
        var start = request.Start!.Value.ToUniversalTime();
        var end = request.End!.Value.ToUniversalTime();
        var house = await HouseSnapshot.LoadAsync(db, request.SpaceId, request.OrganisationId, start, end, ct);
        bool free;
        await using (var connection = await db.OpenConnectionAsync(ct))
            free = await SlotFit.ReadAsync(connection, null, request.SpaceId, start, end, ct) is { } space
                && SlotFit.Fits(space.WholeSpace, space.Places, space.Held, start, end, request.Attendees);
        var id = Guid.CreateVersion7();
        var command = new RequestBooking.Command(Guid.Empty, request.SpaceId, request.OrganisationId, BookingWrites.PersonFor(http.User, request.PersonId),
            start, end, request.Attendees, request.Purpose!.Trim(), request.ActionField!);
        var events = Waitlisting.Join(id, command, house, free, now);

        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("waitlist", WaitlistEntry.StreamId(id), events);
        uow.Schedule(new WaitlistStartDue(id, start), start);
        var version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/bookings/waitlist/{id}", WaitlistEntryResponse.From(WaitlistEntry.Initial.Fold(events), version));
    }

    private static async Task<IResult> HandleGet(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var entry = await store.LoadAsync<WaitlistEntry>(WaitlistEntry.StreamId(id), ct: ct);
        if (entry is null || !http.User.CanRead(entry.State.OrganisationId))
            throw new NotFoundException("waitlist entry", id);
        http.Response.SetETag(entry.Version);
        return Results.Ok(WaitlistEntryResponse.From(entry.State, entry.Version));
    }

    private static async Task<IResult> HandleWithdraw(Guid id, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var current = await LoadForUpdateAsync(store, http, id, ct);
        var events = Waitlisting.Withdraw(current.State, time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, events);
        // Declining an offer frees the slot it held (SlotGuard): the next waiting entry gets its turn.
        if (current.State.Status == WaitlistStatus.Offered)
            uow.Send(new SlotReleased(current.State.SpaceId, current.State.Start, current.State.End));
        var version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Ok(WaitlistEntryResponse.From(current.State.Fold(events), version));
    }

    /// <summary>Books the offered slot for the entry's organisation and person, decided and guarded as a new booking, with its quota.</summary>
    private static async Task<IResult> HandleAccept(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, IOptions<BookingsOptions> options,
        TimeProvider time, CancellationToken ct)
    {
        var current = await LoadForUpdateAsync(store, http, id, ct);
        var now = time.GetUtcNow();
        var entry = current.State;
        Waitlisting.EnsureAcceptable(entry, now);
        var house = await HouseSnapshot.LoadAsync(db, entry.SpaceId, entry.OrganisationId, entry.Start, entry.End, ct);
        var bookingId = Guid.CreateVersion7();
        var policy = options.Value.ToPolicy();
        var booking = RequestBooking.Decide(Booking.Initial, entry.BookingCommand(bookingId), house, policy, now);
        var booked = Waitlisting.Booked(entry, bookingId, now);
        await QuotaWrites.CommitAsync(store, http.EventMetadata(), db, null, bookingId, booking, policy, now, ct,
            uow => uow.Append(current.StreamId, current.Version, booked));
        var version = current.Version + booked.Count;
        http.Response.SetETag(version);
        return Results.Ok(WaitlistEntryResponse.From(entry.Fold(booked), version));
    }

    /// <summary>428 without If-Match, 404 if unknown or another organisation's (members), 409 if it changed since.</summary>
    private static async Task<StreamState<WaitlistEntry>> LoadForUpdateAsync(EventStore store, HttpContext http, Guid id, CancellationToken ct)
    {
        var expected = http.Request.ExpectedVersion();
        var current = await store.LoadAsync<WaitlistEntry>(WaitlistEntry.StreamId(id), ct: ct);
        if (current is null || !http.User.CanActFor(current.State.OrganisationId))
            throw new NotFoundException("waitlist entry", id);
        if (current.Version != expected)
            throw new ConcurrencyException(current.StreamId, expected, current.Version);
        return current;
    }

    private static async Task<IResult> HandleList(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "spaceId")] string? spaceIdText = null,
        [FromQuery(Name = "organisationId")] string? organisationIdText = null,
        string? status = null,
        string? offset = null,
        string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var spaceId = Query.Guid(spaceIdText, "spaceId");
        var organisationId = Query.Guid(organisationIdText, "organisationId");
        if (status is not null && !Waitlisting.Statuses.Contains(status, StringComparer.Ordinal))
            throw new BadInputException("status", $"status must be one of {string.Join(", ", Waitlisting.Statuses)}.");
        // Members see only their organisations' entries; staff and auditors all.
        Guid[]? visible = http.User.IsAdmin() || http.User.IsAuditor() ? null : [.. http.User.Organisations()];

        await using var command = db.CreateCommand("""
            select entry_id, space_id, site_id, organisation_id, person_id, starts_at, ends_at, attendees, purpose, action_field, status, joined_at,
                   offered_until, booking_id, rule, version, count(*) over ()
            from bookings.waitlist
            where ($1::uuid is null or space_id = $1)
              and ($2::uuid is null or organisation_id = $2)
              and ($3::text is null or status = $3)
              and ($4::uuid[] is null or organisation_id = any($4))
            order by joined_seq
            offset $5 limit $6
            """);
        command.Parameters.Add(SqlParameters.OrNull(spaceId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid));
        command.Parameters.Add(SqlParameters.OrNull(status, NpgsqlDbType.Text));
        command.Parameters.Add(SqlParameters.OrNull(visible, NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        var items = new List<WaitlistEntryResponse>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var statusText = reader.GetString(10);
            items.Add(new WaitlistEntryResponse(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.GetInt32(7), reader.GetString(8), reader.GetString(9), statusText, reader.GetFieldValue<DateTimeOffset>(11),
                statusText == "offered" && !reader.IsDBNull(12) ? reader.GetFieldValue<DateTimeOffset>(12) : null,
                reader.IsDBNull(13) ? null : reader.GetGuid(13), reader.IsDBNull(14) ? null : reader.GetString(14), reader.GetInt64(15)));
            total = reader.GetInt64(16);
        }
        return Results.Ok(new Page<WaitlistEntryResponse>(items, total, page.Offset, page.Limit));
    }
}
