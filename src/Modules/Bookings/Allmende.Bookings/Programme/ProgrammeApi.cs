using Allmende.Eventing.Privacy;
using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Programme;

/// <summary>
/// An offer on a booking (one-off) or a series (weekly): exactly one of bookingId and seriesId, of the
/// organisation's own, holding its place. kind: see <see cref="OfferKinds"/>; capacity: people at most;
/// registration: whether people sign up (then at most capacity per date).
/// </summary>
internal sealed record PublishOfferRequest(
    Guid OrganisationId, Guid? BookingId, Guid? SeriesId, string? Kind, string? Title, string? Description, int? Capacity, bool? Registration);

/// <summary>A sign-up for one date: name and e-mail, and consent to keep them until the date is over (or erased sooner).</summary>
internal sealed record RegisterRequest(string? Name, string? Email, bool? Consent)
{
    // Personal data: never in a log line, whatever logs a request.
    public override string ToString() => "RegisterRequest { (personal data) }";
}

internal sealed record AttendanceRequest(int? Attendees);

internal sealed class PublishOfferValidator : AbstractValidator<PublishOfferRequest>
{
    public PublishOfferValidator()
    {
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.BookingId).NotNull().When(r => r.SeriesId is null).WithMessage("Give exactly one of bookingId and seriesId.");
        RuleFor(r => r.SeriesId).Null().When(r => r.BookingId is not null).WithMessage("Give exactly one of bookingId and seriesId.");
        RuleFor(r => r.Kind).Must(k => k is not null && OfferKinds.All.Contains(k)).WithMessage($"kind must be one of {string.Join(", ", OfferKinds.All)}.");
        RuleFor(r => r.Title).NotEmpty().MaximumLength(120);
        RuleFor(r => r.Description).MaximumLength(2000);
        RuleFor(r => r.Capacity).NotNull().InclusiveBetween(1, 10_000);
        RuleFor(r => r.Registration).NotNull();
    }
}

internal sealed class RegisterValidator : AbstractValidator<RegisterRequest>
{
    public RegisterValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Email).NotEmpty().MaximumLength(254).EmailAddress();
        RuleFor(r => r.Consent).Equal(true).WithMessage("consent is needed: we keep name and e-mail only with it.");
    }
}

internal sealed class AttendanceValidator : AbstractValidator<AttendanceRequest>
{
    public AttendanceValidator() => RuleFor(r => r.Attendees).NotNull().InclusiveBetween(0, 100_000);
}

/// <summary>A date of an offer: its booking, times, registrations in force and attendance counted (null: not yet).</summary>
internal sealed record OfferDate(Guid BookingId, DateTimeOffset Start, DateTimeOffset End, string Status, int Registered, int? Attendees);

internal sealed record OfferResponse(
    Guid Id, Guid OrganisationId, Guid SiteId, Guid SpaceId, string Kind, string Title, string Description, string ActionField, int Capacity,
    bool Registration, Guid? BookingId, Guid? SeriesId, IReadOnlyList<OfferDate> Dates, long Version);

/// <summary>A registration as the organisation running the offer sees it; name and email null once erased.</summary>
internal sealed record RegistrationResponse(Guid Id, Guid BookingId, string? Name, string? Email, DateTimeOffset RegisteredAt, bool Erased)
{
    public override string ToString() => $"RegistrationResponse {{ Id = {Id}, (personal data) }}";
}

internal sealed record RegisteredResponse(Guid RegistrationId, Guid OfferId, Guid BookingId, int PlacesLeft);

/// <summary>
/// The open programme (ADR 20): organisations publish offers on their bookings; anyone reads the programme
/// of a site or an organisation and its iCalendar feed, and signs up, without signing in; the organisation
/// lists and erases registrations; staff count attendance after a date.
/// </summary>
internal static class ProgrammeApi
{
    /// <summary>The rate limit on public sign-ups (Bookings:ProgrammeSignUpsPerWindow per client address); 429 past it.</summary>
    public const string SignUpLimit = "programme-sign-ups";

    private static readonly string[] Holding = ["confirmed", "checked-in", "completed"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var programme = endpoints.MapGroup("/api/programme").WithTags("Programme");
        programme.MapPost("/offers", Publish)
            .Validate<PublishOfferRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Publishes an offer of an organisation on one of its bookings (one-off) or series (weekly): kind, title, capacity, registration")
            .Produces<OfferResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        programme.MapGet("/offers/{id:guid}", Get)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("An offer with its dates, registrations counted and attendance (members: their organisations' offers)")
            .Produces<OfferResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        programme.MapGet("/offers/{id:guid}/registrations", Registrations)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Who signed up, per date (the organisation running the offer, and staff)")
            .Produces<IReadOnlyList<RegistrationResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        programme.MapPost("/offers/{id:guid}/registrations/{registrationId:guid}/erasure", Erase)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Withdraws a registration and forgets its name and e-mail (its key is deleted); the place is free again")
            .Produces<RegistrationResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        programme.MapPut("/offers/{id:guid}/dates/{bookingId:guid}/attendance", RecordAttendance)
            .Validate<AttendanceRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Staff count who came to a date of an offer, after it ended (a later count replaces it); counts as people reached")
            .Produces<OfferResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        PublicProgramme.Map(programme);
        programme.MapPost("/public/offers/{id:guid}/dates/{bookingId:guid}/registrations", Register)
            .Validate<RegisterRequest>()
            .AllowAnonymous()
            .RequireRateLimiting(SignUpLimit)
            .WithSummary("Signs up for a date of an offer, without signing in: name, e-mail, consent (409 offer-full when all places are taken)")
            .Produces<RegisteredResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> Publish(PublishOfferRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        if (!http.User.CanActFor(request.OrganisationId))
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your organisation",
                detail: "Members publish offers only for the organisations they act for.");
        var (field, id) = request.BookingId is { } booking ? ("bookingId", booking) : ("seriesId", request.SeriesId!.Value);
        await using var command = db.CreateCommand($"""
            select site_id, space_id, action_field from bookings.bookings
            where {(field == "bookingId" ? "booking_id" : "series_id")} = $1 and organisation_id = $2 and status = any($3)
            order by starts_at limit 1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = request.OrganisationId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Holding });
        Guid site, space;
        string actionField;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new BadInputException(field, $"The organisation has no booking holding its place under {field} {id}: book the room first.");
            (site, space, actionField) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2));
        }
        var offerId = Guid.CreateVersion7();
        List<object> events = [new OfferPublished(offerId, request.OrganisationId, site, space, request.Kind!, request.Title!.Trim(), request.Description?.Trim() ?? "",
            actionField, request.Capacity!.Value, request.Registration!.Value, request.BookingId, request.SeriesId, time.GetUtcNow())];
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("offer", Offer.StreamId(offerId), events);
        var version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/programme/offers/{offerId}", await ResponseAsync(db, offerId, ct));
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var offer = await ResponseAsync(db, id, ct);
        if (offer is null || !http.User.CanRead(offer.OrganisationId))
            throw new NotFoundException("offer", id);
        http.Response.SetETag(offer.Version);
        return Results.Ok(offer);
    }

    /// <summary>The offer from the read models, with every date its booking or series has (held or not), or null.</summary>
    public static async Task<OfferResponse?> ResponseAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new("""
            select organisation_id, site_id, space_id, kind, title, description, action_field, capacity, registration, booking_id, series_id, version
            from bookings.offers where offer_id = $1
            """));
        batch.BatchCommands.Add(new("""
            select b.booking_id, b.starts_at, b.ends_at, b.status,
                   (select count(*) from bookings.offer_registrations r where r.offer_id = o.offer_id and r.booking_id = b.booking_id and not r.erased)::int,
                   (select a.attendees from bookings.offer_attendance a where a.offer_id = o.offer_id and a.booking_id = b.booking_id)
            from bookings.offers o join bookings.bookings b on b.booking_id = o.booking_id or b.series_id = o.series_id
            where o.offer_id = $1
            order by b.starts_at, b.booking_id
            """));
        foreach (var command in batch.BatchCommands)
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var (organisation, site, space, kind, title, description, actionField) = (reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3),
            reader.GetString(4), reader.GetString(5), reader.GetString(6));
        var (capacity, registration, booking, series, version) = (reader.GetInt32(7), reader.GetBoolean(8), reader.IsDBNull(9) ? (Guid?)null : reader.GetGuid(9),
            reader.IsDBNull(10) ? (Guid?)null : reader.GetGuid(10), reader.GetInt64(11));
        await reader.NextResultAsync(ct);
        var dates = new List<OfferDate>();
        while (await reader.ReadAsync(ct))
        {
            dates.Add(new OfferDate(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3),
                reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetInt32(5)));
        }
        return new OfferResponse(id, organisation, site, space, kind, title, description, actionField, capacity, registration, booking, series, dates, version);
    }

    /// <summary>One date of the offer, or 404 if the booking is none of its dates.</summary>
    private static async Task<Occurrence> OccurrenceAsync(NpgsqlDataSource db, Guid offerId, Guid bookingId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select b.starts_at, b.ends_at, b.status = any($3)
            from bookings.offers o join bookings.bookings b on b.booking_id = o.booking_id or b.series_id = o.series_id
            where o.offer_id = $1 and b.booking_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = offerId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = bookingId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Holding });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new NotFoundException("date of the offer", bookingId);
        return new Occurrence(bookingId, reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2));
    }

    /// <summary>A registrant's name and e-mail are sealed under the registration's own key (bookings.registration_keys, ADR 8).</summary>
    private const string RegistrationSeal = "allmende.bookings.registration";

    /// <summary>
    /// Capacity is decided on the offer's stream at the version read: of two sign-ups for the last place, one
    /// commits and the other's append fails; it is decided again on the new state (then full: 409), never both.
    /// </summary>
    private static async Task<IResult> Register(Guid id, Guid bookingId, RegisterRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var occurrence = await OccurrenceAsync(db, id, bookingId, ct);
        var registrationId = Guid.CreateVersion7();
        var key = Sealing.NewKey();
        var sealedName = Sealing.Seal(key, RegistrationSeal, registrationId, "name", request.Name!.Trim());
        var sealedEmail = Sealing.Seal(key, RegistrationSeal, registrationId, "email", request.Email!.Trim());
        for (var attempt = 1; ; attempt++)
        {
            var offer = await store.LoadAsync<Offer>(Offer.StreamId(id), ct: ct) ?? throw new NotFoundException("offer", id);
            var events = OfferDecisions.Register(offer.State, occurrence, registrationId, sealedName, sealedEmail, time.GetUtcNow());
            // Anonymous: the log records who acted as "public", never the registrant.
            var uow = store.Begin(new EventMetadata("public", http.TraceIdentifier));
            uow.Append(offer.StreamId, offer.Version, events);
            uow.Enlist(async (context, token) =>
            {
                await using var insert = context.Command("insert into bookings.registration_keys (registration_id, key) values ($1, $2)", registrationId, key);
                await insert.ExecuteNonQueryAsync(token);
            });
            try
            {
                await uow.CommitAsync(ct);
            }
            catch (ConcurrencyException) when (attempt < 8)
            {
                continue;
            }
            var left = offer.State.Capacity - offer.State.RegisteredFor(bookingId) - 1;
            return Results.Created($"/api/programme/offers/{id}/registrations/{registrationId}", new RegisteredResponse(registrationId, id, bookingId, left));
        }
    }

    private static async Task<Guid> OrganisationOfAsync(NpgsqlDataSource db, HttpContext http, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select organisation_id from bookings.offers where offer_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await command.ExecuteScalarAsync(ct) is Guid organisation && http.User.CanActFor(organisation)
            ? organisation
            : throw new NotFoundException("offer", id);
    }

    private static async Task<IResult> Registrations(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        await OrganisationOfAsync(db, http, id, ct);
        return Results.Ok(await RegistrationsAsync(db, id, null, ct));
    }

    private static async Task<IReadOnlyList<RegistrationResponse>> RegistrationsAsync(NpgsqlDataSource db, Guid id, Guid? registrationId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select r.registration_id, r.booking_id, r.sealed_name, r.sealed_email, r.registered_at, r.erased, k.key
            from bookings.offer_registrations r left join bookings.registration_keys k using (registration_id)
            where r.offer_id = $1 and ($2::uuid is null or r.registration_id = $2)
            order by r.booking_id, r.registered_at, r.registration_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)registrationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        var list = new List<RegistrationResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var registration = reader.GetGuid(0);
            var key = reader.IsDBNull(6) ? null : reader.GetFieldValue<byte[]>(6);
            var readable = key is not null && !reader.IsDBNull(2) && !reader.IsDBNull(3);
            list.Add(new RegistrationResponse(registration, reader.GetGuid(1),
                readable ? Sealing.Open(key!, RegistrationSeal, registration, "name", reader.GetString(2)) : null,
                readable ? Sealing.Open(key!, RegistrationSeal, registration, "email", reader.GetString(3)) : null,
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetBoolean(5) || key is null));
        }
        return list;
    }

    private static async Task<IResult> Erase(Guid id, Guid registrationId, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        await OrganisationOfAsync(db, http, id, ct);
        var offer = await store.LoadAsync<Offer>(Offer.StreamId(id), ct: ct) ?? throw new NotFoundException("offer", id);
        if ((await RegistrationsAsync(db, id, registrationId, ct)).Count == 0)
            throw new NotFoundException("registration", registrationId);
        var events = OfferDecisions.Erase(offer.State, registrationId, time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.Append(offer.StreamId, offer.Version, events);
        uow.Enlist(async (context, token) =>
        {
            await using var delete = context.Command("delete from bookings.registration_keys where registration_id = $1", registrationId);
            await delete.ExecuteNonQueryAsync(token);
        });
        await uow.CommitAsync(ct);
        return Results.Ok((await RegistrationsAsync(db, id, registrationId, ct))[0]);
    }

    private static async Task<IResult> RecordAttendance(Guid id, Guid bookingId, AttendanceRequest request, HttpContext http, EventStore store,
        NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var occurrence = await OccurrenceAsync(db, id, bookingId, ct);
        var offer = await store.LoadAsync<Offer>(Offer.StreamId(id), ct: ct) ?? throw new NotFoundException("offer", id);
        var events = OfferDecisions.RecordAttendance(offer.State, occurrence, request.Attendees!.Value, time.GetUtcNow());
        if (events.Count > 0)
        {
            var uow = store.Begin(http.EventMetadata());
            uow.Append(offer.StreamId, offer.Version, events);
            uow.Publish(new Contracts.OfferAttendanceCounted(id, bookingId, offer.State.OrganisationId, offer.State.ActionField, request.Attendees.Value,
                occurrence.Start, time.GetUtcNow()));
            await uow.CommitAsync(ct);
        }
        var response = (await ResponseAsync(db, id, ct))!;
        http.Response.SetETag(response.Version);
        return Results.Ok(response);
    }
}
