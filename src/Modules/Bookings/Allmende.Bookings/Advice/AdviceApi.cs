using System.Globalization;
using System.Text.Json;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Privacy;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;
using Contract = Allmende.Bookings.Contracts;

namespace Allmende.Bookings.Advice;

/// <summary>
/// Consultation hours of an advisor (a person acting for OrganisationId) at a room: FirstDate only, or weekly
/// until LastDate; from/until "HH:mm" Berlin time, cut into slots of slotMinutes.
/// </summary>
internal sealed record OfferHoursRequest(
    Guid AdvisorId, Guid OrganisationId, Guid SpaceId, string? Title, string? ActionField, bool? Weekly, DateOnly? FirstDate, DateOnly? LastDate,
    string? From, string? Until, int? SlotMinutes);

internal sealed record WithdrawHoursRequest(string? Reason);

/// <summary>A newcomer admitted for appointments: a name and at least one of e-mail and phone, and the consent text's version they agreed to.</summary>
internal sealed record AdmitNewcomerRequest(Guid OrganisationId, string? Name, string? Email, string? Phone, string? ConsentVersion, string? Language)
{
    // Personal data: never in a log line, whatever logs a request.
    public override string ToString() => "AdmitNewcomerRequest { (personal data) }";
}

/// <summary>One slot for a client: a newcomer (newcomerId), a member named by staff (personId), or else the calling member.</summary>
internal sealed record BookAppointmentRequest(DateTimeOffset? Start, Guid? NewcomerId, Guid? PersonId);

internal sealed record CancelAppointmentRequest(string? Reason);

internal sealed record OutcomeRequest(string? Kind, int? Count);

/// <summary>Whether the appointment was held and, only if held and with the client's consent, what came of it.</summary>
internal sealed record RecordOutcomeRequest(bool? Held, bool? Consent, IReadOnlyList<OutcomeRequest>? Outcomes);

internal static class AdviceInput
{
    public static bool IsTime(string? value) => TimeOfDay(value) is not null;

    public static TimeOnly? TimeOfDay(string? value) =>
        TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) ? time : null;
}

internal sealed class OfferHoursValidator : AbstractValidator<OfferHoursRequest>
{
    public OfferHoursValidator()
    {
        RuleFor(r => r.AdvisorId).NotEmpty();
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.SpaceId).NotEmpty();
        RuleFor(r => r.Title).NotEmpty().MaximumLength(120);
        RuleFor(r => r.ActionField).Must(ActionFields.IsValid).WithMessage($"actionField must be one of {string.Join(", ", ActionFields.All)}.");
        RuleFor(r => r.Weekly).NotNull();
        RuleFor(r => r.FirstDate).NotNull().Must(d => d is null || InputRules.InRange(d.Value)).WithMessage($"firstDate must be {InputRules.DateRange}.");
        RuleFor(r => r.LastDate).NotNull().When(r => r.Weekly == true).WithMessage("lastDate is required for weekly hours.")
            .Must((r, d) => d is null || r.FirstDate is null || (d >= r.FirstDate && d.Value.DayNumber - r.FirstDate.Value.DayNumber <= 366))
            .WithMessage("lastDate must be on or after firstDate, within a year of it.")
            .Must((r, d) => d is null || r.Weekly == true || d == r.FirstDate).WithMessage("lastDate is only for weekly hours (or equals firstDate).");
        RuleFor(r => r.From).Must(AdviceInput.IsTime).WithMessage("from must be a time like 10:00.");
        RuleFor(r => r.Until).Must(AdviceInput.IsTime).WithMessage("until must be a time like 16:00.")
            .Must((r, until) => AdviceInput.TimeOfDay(r.From) is not { } from || AdviceInput.TimeOfDay(until) is not { } end
                                || r.SlotMinutes is not { } slot || from.AddMinutes(slot) <= end && end > from)
            .WithMessage("until must leave room for at least one slot after from, on the same day.");
        RuleFor(r => r.SlotMinutes).NotNull().InclusiveBetween(10, 480);
    }
}

internal sealed class WithdrawHoursValidator : AbstractValidator<WithdrawHoursRequest>
{
    public WithdrawHoursValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

internal sealed class AdmitNewcomerValidator : AbstractValidator<AdmitNewcomerRequest>
{
    public AdmitNewcomerValidator()
    {
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Email).MaximumLength(254).EmailAddress().When(r => !string.IsNullOrWhiteSpace(r.Email));
        RuleFor(r => r.Email).NotEmpty().When(r => string.IsNullOrWhiteSpace(r.Phone)).WithMessage("Give an e-mail address or a phone number.");
        RuleFor(r => r.Phone).MaximumLength(40).Matches(@"^\+?[0-9 ()/-]{5,40}$").When(r => !string.IsNullOrWhiteSpace(r.Phone))
            .WithMessage("phone must be a phone number like +49 341 1234567.");
        RuleFor(r => r.ConsentVersion).NotEmpty().MaximumLength(40).WithMessage("consentVersion is needed: the version of the consent text they agreed to.");
        RuleFor(r => r.Language).Must(l => l is null or "de" or "en").WithMessage("language must be de or en.");
    }
}

internal sealed class BookAppointmentValidator : AbstractValidator<BookAppointmentRequest>
{
    public BookAppointmentValidator()
    {
        RuleFor(r => r.Start).NotNull();
        RuleFor(r => r.PersonId).Null().When(r => r.NewcomerId is not null).WithMessage("Give at most one of newcomerId and personId.");
    }
}

internal sealed class CancelAppointmentValidator : AbstractValidator<CancelAppointmentRequest>
{
    public CancelAppointmentValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

internal sealed class RecordOutcomeValidator : AbstractValidator<RecordOutcomeRequest>
{
    public RecordOutcomeValidator()
    {
        RuleFor(r => r.Held).NotNull();
        RuleFor(r => r.Consent).NotNull();
        RuleFor(r => r.Outcomes).NotNull()
            .Must((r, o) => o is null || o.Count == 0 || r.Held == true && r.Consent == true)
            .WithMessage("Outcomes are recorded only for a held appointment and with the client's consent.")
            .Must(o => o is null || o.Select(x => x?.Kind).Distinct().Count() == o.Count).WithMessage("Name each kind of outcome once.");
        RuleForEach(r => r.Outcomes).NotNull().WithMessage("Each outcome is a kind and a count.").ChildRules(o =>
        {
            o.RuleFor(x => x.Kind).Must(k => k is not null && OutcomeKinds.All.Contains(k))
                .WithMessage($"kind must be one of {string.Join(", ", OutcomeKinds.All)}.");
            o.RuleFor(x => x.Count).NotNull().InclusiveBetween(1, 100);
        });
    }
}

internal sealed record HoursResponse(
    Guid Id, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string Title, string ActionField, bool Weekly, DateOnly FirstDate,
    DateOnly LastDate, string From, string Until, int SlotMinutes, bool Withdrawn, long Version)
{
    public static HoursResponse Of(ConsultationHours h, long version) => new(h.Id, h.AdvisorId, h.OrganisationId, h.SiteId, h.SpaceId, h.Title,
        h.ActionField, h.Weekly, h.FirstDate, h.LastDate, h.From.ToString("HH:mm", CultureInfo.InvariantCulture),
        h.Until.ToString("HH:mm", CultureInfo.InvariantCulture), h.SlotMinutes, h.Withdrawn, version);
}

/// <summary>A slot of the hours and whether it is free (neither the advisor nor the room held then).</summary>
internal sealed record SlotResponse(DateTimeOffset Start, DateTimeOffset End, bool Free);

/// <summary>A newcomer as the advising organisation sees them; name, e-mail and phone null once erased.</summary>
internal sealed record NewcomerResponse(Guid Id, Guid OrganisationId, string? Name, string? Email, string? Phone, string ConsentVersion, string? Language,
    bool Erased)
{
    public override string ToString() => $"NewcomerResponse {{ Id = {Id}, (personal data) }}";
}

/// <summary>
/// An appointment. Status: booked or cancelled (By: who cancelled); BookingStatus: its room booking's status.
/// Held null: nothing recorded yet.
/// </summary>
internal sealed record AppointmentResponse(
    Guid Id, Guid HoursId, Guid BookingId, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string ClientKind, Guid ClientId,
    DateTimeOffset Start, DateTimeOffset End, string Status, string? CancelledBy, string BookingStatus, bool? Held, bool Consent,
    IReadOnlyList<AppointmentOutcome> Outcomes, long Version);

/// <summary>
/// Appointments with a person (ADR 19): advisors offer consultation hours at a room; staff and the advisor's
/// organisation admit newcomers; members and admitted newcomers book one slot, which books the room and the
/// advisor through the ordinary booking path in the same transaction; either side cancels; the advisor
/// records what came of it.
/// </summary>
internal static class AdviceApi
{
    /// <summary>A newcomer's name, e-mail and phone are sealed under the newcomer's own key (bookings.newcomer_keys, ADR 8).</summary>
    private const string NewcomerSeal = "allmende.bookings.newcomer";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var advice = endpoints.MapGroup("/api/advice").WithTags("Advice");
        advice.MapPost("/hours", Offer)
            .Validate<OfferHoursRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("An advisor offers consultation hours at a room, once or weekly, Berlin time, in slots (staff, or the advisor for their organisation)")
            .Produces<HoursResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        advice.MapGet("/hours", ListHours)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("Consultation hours, of one organisation or site if named, latest last date first (withdrawn ones only with withdrawn=true)")
            .Produces<IReadOnlyList<HoursResponse>>()
            .ProducesValidationProblem();
        advice.MapGet("/hours/{id:guid}", GetHours)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("Consultation hours")
            .Produces<HoursResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        advice.MapGet("/hours/{id:guid}/slots", Slots)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("The hours' slots on the Berlin days from (default today) for days (default 14, at most 92), each free or not")
            .Produces<IReadOnlyList<SlotResponse>>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        advice.MapPost("/hours/{id:guid}/withdrawal", Withdraw)
            .Validate<WithdrawHoursRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("No more appointments in these hours (booked ones stay until cancelled)")
            .Produces<HoursResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        advice.MapGet("/hours/{id:guid}/appointments", HoursAppointments)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("The hours' appointments (the advisor's organisation, and staff)")
            .Produces<IReadOnlyList<AppointmentResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        advice.MapPost("/hours/{id:guid}/appointments", Book)
            .Validate<BookAppointmentRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Books one slot for a member (themselves) or an admitted newcomer: the room and the advisor, or 409 slot-taken / advisor-taken")
            .Produces<AppointmentResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        advice.MapGet("/appointments/mine", MyAppointments)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("The calling member's own appointments as a client, soonest first (none for a key without a person)")
            .Produces<IReadOnlyList<AppointmentResponse>>();
        advice.MapGet("/appointments/{id:guid}", GetAppointment)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("An appointment (its client, the advisor's organisation, staff)")
            .Produces<AppointmentResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        advice.MapPost("/appointments/{id:guid}/cancel", Cancel)
            .Validate<CancelAppointmentRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Cancels an appointment, by its client or the advisor's side; the room and the advisor are free again")
            .Produces<AppointmentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        advice.MapPut("/appointments/{id:guid}/outcome", RecordOutcome)
            .Validate<RecordOutcomeRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("The advisor records whether it was held and, with consent, what came of it (a later record replaces it); counts in grant reports")
            .Produces<AppointmentResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        advice.MapPost("/newcomers", Admit)
            .Validate<AdmitNewcomerRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Admits a newcomer (no member) for appointments: name, e-mail or phone, consent version; sealed and erasable")
            .Produces<NewcomerResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        advice.MapGet("/newcomers/{id:guid}", GetNewcomer)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("A newcomer (the admitting organisation, and staff)")
            .Produces<NewcomerResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        advice.MapPost("/newcomers/{id:guid}/erasure", Erase)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Forgets a newcomer's name, e-mail and phone (the key is deleted); appointments and outcomes stay, as numbers")
            .Produces<NewcomerResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static IResult NotYours(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your organisation", detail: detail);

    private static async Task<IResult> Offer(OfferHoursRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        if (!http.User.CanActFor(request.OrganisationId))
            return NotYours("Members offer hours only for the organisations they act for.");
        if (!http.User.IsAdmin() && http.User.PersonId() != request.AdvisorId)
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not yourself",
                detail: "Members offer consultation hours only as themselves; staff offer them for anyone.");
        await using var command = db.CreateCommand("select site_id, kind, approval_required from bookings.spaces where space_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = request.SpaceId });
        Guid site;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new BadInputException("spaceId", $"There is no space {request.SpaceId} (or Bookings has not heard of it yet).");
            if (reader.GetString(1) == SpaceSnapshot.FlexibleDeskArea || reader.GetBoolean(2))
                throw new BadInputException("spaceId", "Appointments need a room of their own that is booked without approval (not a flexible-desk area).");
            site = reader.GetGuid(0);
        }
        var id = Guid.CreateVersion7();
        var offered = new ConsultationHoursOffered(id, request.AdvisorId, request.OrganisationId, site, request.SpaceId, request.Title!.Trim(),
            request.ActionField!, request.Weekly!.Value, request.FirstDate!.Value, request.LastDate ?? request.FirstDate.Value,
            AdviceInput.TimeOfDay(request.From)!.Value, AdviceInput.TimeOfDay(request.Until)!.Value, request.SlotMinutes!.Value, time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("consultation-hours", ConsultationHours.StreamId(id), offered);
        var version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/advice/hours/{id}", HoursResponse.Of(ConsultationHours.Initial.Fold([offered]), version));
    }

    private static async Task<StreamState<ConsultationHours>> HoursAsync(EventStore store, Guid id, CancellationToken ct) =>
        await store.LoadAsync<ConsultationHours>(ConsultationHours.StreamId(id), ct: ct) ?? throw new NotFoundException("consultation hours", id);

    private static async Task<IResult> GetHours(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var hours = await HoursAsync(store, id, ct);
        http.Response.SetETag(hours.Version);
        return Results.Ok(HoursResponse.Of(hours.State, hours.Version));
    }

    private static async Task<IResult> ListHours(HttpContext http, NpgsqlDataSource db, CancellationToken ct, string? organisationId = null,
        string? siteId = null, string? withdrawn = null)
    {
        var organisation = Query.Guid(organisationId, "organisationId");
        var site = Query.Guid(siteId, "siteId");
        var alsoWithdrawn = Query.Bool(withdrawn, "withdrawn") ?? false;
        // Hours are an offer to be booked: every participant reads them (as GET /hours/{id}); who booked them is not in here.
        await using var command = db.CreateCommand("""
            select hours_id, advisor_id, organisation_id, site_id, space_id, title, action_field, weekly, first_date, last_date, from_time, until_time,
                   slot_minutes, withdrawn, version
            from bookings.consultation_hours
            where ($1::uuid is null or organisation_id = $1) and ($2::uuid is null or site_id = $2) and ($3 or not withdrawn)
            order by last_date desc, title, hours_id
            limit 500
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = organisation, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<Guid?> { TypedValue = site, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = alsoWithdrawn });
        var list = new List<HoursResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(new HoursResponse(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetGuid(4), reader.GetString(5),
                reader.GetString(6), reader.GetBoolean(7), reader.GetFieldValue<DateOnly>(8), reader.GetFieldValue<DateOnly>(9),
                reader.GetFieldValue<TimeOnly>(10).ToString("HH:mm", CultureInfo.InvariantCulture),
                reader.GetFieldValue<TimeOnly>(11).ToString("HH:mm", CultureInfo.InvariantCulture), reader.GetInt32(12), reader.GetBoolean(13),
                reader.GetInt64(14)));
        return Results.Ok(list);
    }

    private static async Task<IResult> Slots(Guid id, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct, string? from = null,
        string? days = null)
    {
        var first = Query.Date(from, "from") ?? DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Berlin).DateTime);
        var count = Query.Int(days, "days") ?? 14;
        if (count is < 1 or > 92)
            throw new BadInputException("days", "days must be 1 to 92.");
        var hours = (await HoursAsync(store, id, ct)).State;
        var slots = hours.Slots(first, first.AddDays(count - 1)).ToList();
        if (slots.Count == 0)
            return Results.Ok(Array.Empty<SlotResponse>());
        // Held rows of the room or the advisor overlapping the asked days; a slot is free if none overlaps it.
        await using var command = db.CreateCommand("""
            select lower(during), upper(during) from bookings.slots
            where holds and (space_id = $1 and whole_space or advisor_id = $2) and during && tstzrange($3, $4, '[)')
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = hours.SpaceId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = hours.AdvisorId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = slots[0].Start });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = slots[^1].End });
        var taken = new List<(DateTimeOffset From, DateTimeOffset To)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                taken.Add((reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1)));
        var now = time.GetUtcNow();
        return Results.Ok(slots.Select(s => new SlotResponse(s.Start, s.End,
            !hours.Withdrawn && s.Start > now && !taken.Any(t => t.From < s.End && s.Start < t.To))).ToList());
    }

    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static async Task<IResult> Withdraw(Guid id, WithdrawHoursRequest request, HttpContext http, EventStore store, TimeProvider time,
        CancellationToken ct)
    {
        var hours = await HoursAsync(store, id, ct);
        if (!http.User.CanActFor(hours.State.OrganisationId))
            throw new NotFoundException("consultation hours", id);
        var events = AdviceDecisions.Withdraw(hours.State, request.Reason!.Trim(), time.GetUtcNow());
        var version = hours.Version;
        if (events.Count > 0)
        {
            var uow = store.Begin(http.EventMetadata());
            uow.Append(hours.StreamId, hours.Version, events);
            version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        }
        http.Response.SetETag(version);
        return Results.Ok(HoursResponse.Of(hours.State.Fold(events), version));
    }

    private static async Task<IResult> Admit(AdmitNewcomerRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        if (!http.User.CanActFor(request.OrganisationId))
            return NotYours("Members admit newcomers only for the organisations they act for.");
        var id = Guid.CreateVersion7();
        var key = Sealing.NewKey();
        string? Seal(string field, string? value) => string.IsNullOrWhiteSpace(value) ? null : Sealing.Seal(key, NewcomerSeal, id, field, value.Trim());
        var admitted = new NewcomerAdmitted(id, request.OrganisationId, Seal("name", request.Name)!, Seal("email", request.Email), Seal("phone", request.Phone),
            request.ConsentVersion!.Trim(), request.Language, time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("newcomer", Newcomer.StreamId(id), admitted);
        uow.Enlist(async (context, token) =>
        {
            await using var insert = context.Command("insert into bookings.newcomer_keys (newcomer_id, key) values ($1, $2)", id, key);
            await insert.ExecuteNonQueryAsync(token);
        });
        await uow.CommitAsync(ct);
        return Results.Created($"/api/advice/newcomers/{id}", await NewcomerAsync(db, id, ct));
    }

    /// <summary>A newcomer from the read model, opened with their key (null fields once erased), or 404.</summary>
    private static async Task<NewcomerResponse> NewcomerAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select n.organisation_id, n.sealed_name, n.sealed_email, n.sealed_phone, n.consent_version, n.language, n.erased, k.key
            from bookings.newcomers n left join bookings.newcomer_keys k using (newcomer_id) where n.newcomer_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new NotFoundException("newcomer", id);
        var key = reader.IsDBNull(7) ? null : reader.GetFieldValue<byte[]>(7);
        string? Open(int i, string field) => key is null || reader.IsDBNull(i) ? null : Sealing.Open(key, NewcomerSeal, id, field, reader.GetString(i));
        return new NewcomerResponse(id, reader.GetGuid(0), Open(1, "name"), Open(2, "email"), Open(3, "phone"), reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6) || key is null);
    }

    /// <summary>
    /// A newcomer's name, e-mail and language, opened in the caller's transaction (a mail's delivery), or null once
    /// forgotten or without an e-mail address.
    /// </summary>
    public static async Task<(string Name, string Email, string? Language)?> NewcomerAddressAsync(ProjectionContext db, Guid newcomerId, CancellationToken ct)
    {
        await using var command = db.Command("""
            select n.sealed_name, n.sealed_email, n.language, k.key from bookings.newcomers n join bookings.newcomer_keys k using (newcomer_id)
            where n.newcomer_id = $1 and n.sealed_email is not null and not n.erased
            """, newcomerId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var key = reader.GetFieldValue<byte[]>(3);
        return (Sealing.Open(key, NewcomerSeal, newcomerId, "name", reader.GetString(0)), Sealing.Open(key, NewcomerSeal, newcomerId, "email", reader.GetString(1)),
            reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    private static async Task<IResult> GetNewcomer(Guid id, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var newcomer = await NewcomerAsync(db, id, ct);
        return http.User.CanActFor(newcomer.OrganisationId) ? Results.Ok(newcomer) : throw new NotFoundException("newcomer", id);
    }

    private static async Task<IResult> Erase(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time, CancellationToken ct)
    {
        var newcomer = await store.LoadAsync<Newcomer>(Newcomer.StreamId(id), ct: ct);
        if (newcomer is null || !http.User.CanActFor(newcomer.State.OrganisationId))
            throw new NotFoundException("newcomer", id);
        var uow = store.Begin(http.EventMetadata());
        uow.Append(newcomer.StreamId, newcomer.Version, AdviceDecisions.Erase(newcomer.State, time.GetUtcNow()));
        uow.Enlist(async (context, token) =>
        {
            await using var delete = context.Command("delete from bookings.newcomer_keys where newcomer_id = $1", id);
            await delete.ExecuteNonQueryAsync(token);
        });
        await uow.CommitAsync(ct);
        return Results.Ok(await NewcomerAsync(db, id, ct));
    }

    /// <summary>
    /// The appointment's events, its room booking (organisation: the advisor's; person: the advisor; two people) and
    /// their contracts, in one unit of work: the slot guard refuses a room or an advisor held then (409), and a
    /// refusal leaves nothing behind. The reminder is scheduled in the same transaction.
    /// </summary>
    private static async Task<IResult> Book(Guid id, BookAppointmentRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var hours = (await HoursAsync(store, id, ct)).State;
        string clientKind;
        Guid clientId;
        if (request.NewcomerId is { } newcomerId)
        {
            if (!http.User.CanActFor(hours.OrganisationId))
                return NotYours("Newcomers are booked by staff or the advisor's organisation.");
            var newcomer = await store.LoadAsync<Newcomer>(Newcomer.StreamId(newcomerId), ct: ct);
            if (newcomer is null || newcomer.State.OrganisationId != hours.OrganisationId)
                throw new BadInputException("newcomerId", $"There is no newcomer {newcomerId} admitted by the hours' organisation.");
            if (newcomer.State.Erased)
                throw new DomainException(AdviceDecisions.NewcomerIsErased, "The newcomer's personal data was forgotten: admit them again to book.");
            (clientKind, clientId) = (ClientKinds.Newcomer, newcomerId);
        }
        else
        {
            var person = BookingWrites.PersonFor(http.User, request.PersonId)
                ?? throw new BadInputException("personId", "Name the member (personId) or the newcomer (newcomerId) the appointment is for.");
            (clientKind, clientId) = (ClientKinds.Member, person);
        }

        var now = time.GetUtcNow();
        var start = request.Start!.Value.ToUniversalTime();
        var appointmentId = Guid.CreateVersion7();
        var bookingId = Guid.CreateVersion7();
        var appointmentEvents = AdviceDecisions.Book(hours, appointmentId, bookingId, clientKind, clientId, start, now);
        var booked = (AppointmentBooked)appointmentEvents[0];
        var house = await HouseSnapshot.LoadAsync(db, hours.SpaceId, hours.OrganisationId, booked.Start, booked.End, ct);
        var policy = options.Value.ToPolicy();
        var command = new RequestBooking.Command(bookingId, hours.SpaceId, hours.OrganisationId, hours.AdvisorId, booked.Start, booked.End, 2,
            $"Beratung: {hours.Title}", hours.ActionField, AdvisorId: hours.AdvisorId);
        var bookingEvents = RequestBooking.Decide(Booking.Initial, command, house, policy, now);
        var reminderAt = booked.Start - options.Value.AppointmentReminderBefore;
        await QuotaWrites.CommitAsync(store, http.EventMetadata(), db, null, bookingId, bookingEvents, policy, now, ct, uow =>
        {
            uow.StartStream("appointment", Appointment.StreamId(appointmentId), appointmentEvents);
            uow.Publish(new Contract.AppointmentBooked(appointmentId, bookingId, hours.Id, hours.OrganisationId, hours.SiteId, hours.SpaceId, booked.Start,
                booked.End, now));
            // Booked later than that: the confirmation is the reminder.
            if (reminderAt > now)
                uow.Schedule(new Contract.AppointmentReminderDue(appointmentId, booked.Start), reminderAt);
        });
        return Results.Created($"/api/advice/appointments/{appointmentId}", await AppointmentAsync(db, appointmentId, ct));
    }

    private const string AppointmentColumns = """
        a.appointment_id, a.hours_id, a.booking_id, a.advisor_id, a.organisation_id, a.site_id, a.space_id, a.client_kind, a.client_id,
        a.starts_at, a.ends_at, a.status, a.cancelled_by, b.status, a.held, a.consent, a.outcomes::text, a.version
        """;

    private static AppointmentResponse ReadAppointment(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetGuid(3), r.GetGuid(4), r.GetGuid(5), r.GetGuid(6), r.GetString(7), r.GetGuid(8),
        r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12),
        r.IsDBNull(13) ? "unknown" : r.GetString(13), r.IsDBNull(14) ? null : r.GetBoolean(14), r.GetBoolean(15),
        JsonSerializer.Deserialize<List<AppointmentOutcome>>(r.GetString(16), Json)!, r.GetInt64(17));

    private static async Task<AppointmentResponse> AppointmentAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            select {AppointmentColumns}
            from bookings.appointments a left join bookings.bookings b using (booking_id) where a.appointment_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAppointment(reader) : throw new NotFoundException("appointment", id);
    }

    private static async Task<IResult> HoursAppointments(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var hours = (await HoursAsync(store, id, ct)).State;
        if (!http.User.CanActFor(hours.OrganisationId))
            throw new NotFoundException("consultation hours", id);
        await using var command = db.CreateCommand($"""
            select {AppointmentColumns}
            from bookings.appointments a left join bookings.bookings b using (booking_id) where a.hours_id = $1
            order by a.starts_at, a.appointment_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        var list = new List<AppointmentResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(ReadAppointment(reader));
        return Results.Ok(list);
    }

    /// <summary>A member's own appointments as a client: never another person's, whatever organisations they act for.</summary>
    private static async Task<IResult> MyAppointments(HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        if (http.User.PersonId() is not { } person)
            return Results.Ok(Array.Empty<AppointmentResponse>());
        await using var command = db.CreateCommand($"""
            select {AppointmentColumns}
            from bookings.appointments a left join bookings.bookings b using (booking_id) where a.client_kind = 'member' and a.client_id = $1
            order by a.starts_at, a.appointment_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = person });
        var list = new List<AppointmentResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            list.Add(ReadAppointment(reader));
        return Results.Ok(list);
    }

    /// <summary>Who may see or act on an appointment: "advisor" (the advisor's organisation, staff), "client" (the member it is for), or 404.</summary>
    private static string SideOf(HttpContext http, Appointment appointment) =>
        http.User.CanActFor(appointment.OrganisationId) ? "advisor"
        : appointment.ClientKind == ClientKinds.Member && http.User.PersonId() == appointment.ClientId ? "client"
        : throw new NotFoundException("appointment", appointment.Id);

    private static async Task<StreamState<Appointment>> AppointmentStreamAsync(EventStore store, Guid id, CancellationToken ct) =>
        await store.LoadAsync<Appointment>(Appointment.StreamId(id), ct: ct) ?? throw new NotFoundException("appointment", id);

    private static async Task<IResult> GetAppointment(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var appointment = await AppointmentStreamAsync(store, id, ct);
        if (!http.User.CanRead(appointment.State.OrganisationId))
            SideOf(http, appointment.State);
        var response = await AppointmentAsync(db, id, ct);
        http.Response.SetETag(response.Version);
        return Results.Ok(response);
    }

    /// <summary>The appointment is cancelled and its booking with it, in one unit of work; a booking already released (cancelled on its own, a no-show) stays as it is.</summary>
    private static async Task<IResult> Cancel(Guid id, CancelAppointmentRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var appointment = await AppointmentStreamAsync(store, id, ct);
        var by = SideOf(http, appointment.State);
        var now = time.GetUtcNow();
        var reason = request.Reason!.Trim();
        var events = AdviceDecisions.Cancel(appointment.State, by, reason, now);
        var a = appointment.State;
        void Stage(UnitOfWork uow)
        {
            uow.Append(appointment.StreamId, appointment.Version, events);
            uow.Publish(new Contract.AppointmentCancelled(a.Id, a.BookingId, a.HoursId, a.OrganisationId, a.SiteId, a.SpaceId,
                a.Start, a.End, by, reason, now));
        }
        var policy = options.Value.ToPolicy();
        var booking = await store.LoadAsync<Booking>(Booking.StreamId(a.BookingId), ct: ct);
        if (booking is not null && booking.State.HoldsSlot)
        {
            var bookingEvents = CancelBooking.Decide(booking.State, $"Beratungstermin abgesagt: {reason}", policy, now);
            await QuotaWrites.CommitAsync(store, http.EventMetadata(), db, booking, a.BookingId, bookingEvents, policy, now, ct, Stage);
        }
        else
        {
            var uow = store.Begin(http.EventMetadata());
            Stage(uow);
            await uow.CommitAsync(ct);
        }
        return Results.Ok(await AppointmentAsync(db, id, ct));
    }

    /// <summary>
    /// Held and outcomes, as the advisor records them. Held while the booking is still confirmed and not over: it is
    /// checked in too, so that the no-show check does not release the room and the advisor in the middle of it.
    /// </summary>
    private static async Task<IResult> RecordOutcome(Guid id, RecordOutcomeRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var appointment = await AppointmentStreamAsync(store, id, ct);
        if (SideOf(http, appointment.State) != "advisor")
            throw new NotFoundException("appointment", id);
        var now = time.GetUtcNow();
        var a = appointment.State;
        List<AppointmentOutcome> outcomes = [.. request.Outcomes!.Select(o => new AppointmentOutcome(o.Kind!, o.Count!.Value)).OrderBy(o => o.Kind, StringComparer.Ordinal)];
        var events = AdviceDecisions.RecordOutcome(a, request.Held!.Value, request.Consent!.Value, outcomes, now);
        if (events.Count > 0)
        {
            void Stage(UnitOfWork uow)
            {
                uow.Append(appointment.StreamId, appointment.Version, events);
                uow.Publish(new Contract.AppointmentOutcomeRecorded(a.Id, a.BookingId, a.OrganisationId, a.ClientId, request.Held.Value,
                    [.. outcomes.Select(o => new Contract.AppointmentOutcomeCount(o.Kind, o.Count))], a.Start, now));
            }
            var policy = options.Value.ToPolicy();
            var booking = await store.LoadAsync<Booking>(Booking.StreamId(a.BookingId), ct: ct);
            if (request.Held.Value && booking is { State.Status: BookingStatus.Confirmed } && now < booking.State.End)
                await QuotaWrites.CommitAsync(store, http.EventMetadata(), db, booking, a.BookingId, Attendance.CheckIn(booking.State, policy, now), policy, now,
                    ct, Stage);
            else
            {
                var uow = store.Begin(http.EventMetadata());
                Stage(uow);
                await uow.CommitAsync(ct);
            }
        }
        var response = await AppointmentAsync(db, id, ct);
        http.Response.SetETag(response.Version);
        return Results.Ok(response);
    }
}
