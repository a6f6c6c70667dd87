using System.Security.Claims;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Sites;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Spaces.DutyRota;

internal sealed record PlanShiftRequest(DateTimeOffset? Start, DateTimeOffset? End, string? Note);

internal sealed class PlanShiftValidator : AbstractValidator<PlanShiftRequest>
{
    public PlanShiftValidator()
    {
        RuleFor(r => r.Start).NotNull();
        RuleFor(r => r.End).NotNull();
        RuleFor(r => r.End).GreaterThan(r => r.Start).When(r => r.Start is not null && r.End is not null).WithMessage("end must be after start.");
        RuleFor(r => r.Note).MaximumLength(500);
    }
}

/// <summary>Staff name the person; a member takes a shift for themselves and names nobody.</summary>
internal sealed record TakeShiftRequest(Guid? PersonId);

internal sealed record CancelShiftRequest(string? Reason);

internal sealed class CancelShiftValidator : AbstractValidator<CancelShiftRequest>
{
    public CancelShiftValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>
/// A shift as the caller may see it. Staff and auditors see who is on duty; a member sees only whether
/// a shift is taken and whether it is their own, never another person's id.
/// </summary>
internal sealed record DutyShiftResponse(Guid Id, Guid SiteId, DateTimeOffset Start, DateTimeOffset End, string? Note,
    bool Taken, bool Mine, Guid? PersonId, string? CancelledBecause, long Version);

internal sealed record DutyRotaResponse(Guid SiteId, DateOnly From, DateOnly To, IReadOnlyList<DutyShiftResponse> Shifts);

/// <summary>The duty rota's endpoints: staff plan and cancel shifts, members take and give back their own.</summary>
internal static class DutyRotaApi
{
    /// <summary>A rota is read in windows of at most a quarter: long enough to plan, short enough to answer fast.</summary>
    public const int LongestWindowDays = 92;

    public static void Map(RouteGroupBuilder sites, RouteGroupBuilder shifts)
    {
        sites.MapPost("/{siteId:guid}/duty-shifts", PlanAsync)
            .Validate<PlanShiftRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Plans a duty shift (Kümmerdienst) at a site: someone present from start to end, at most 12 hours")
            .Produces<DutyShiftResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        sites.MapGet("/{siteId:guid}/duty-shifts", ListAsync)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("The site's duty rota from one Berlin day to another (default: today and the next 13 days; at most 92 days)")
            .Produces<DutyRotaResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        shifts.MapGet("/{id:guid}", GetAsync)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("One duty shift; ETag for taking, giving back or cancelling it")
            .Produces<DutyShiftResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        shifts.MapPost("/{id:guid}/take", TakeAsync)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Takes a shift: a member for themselves, staff for the person named, who must be on the site's duty rota (If-Match required). One person is on duty in one place at a time.")
            .ProducesUpdateProblems()
            .Produces<DutyShiftResponse>();
        shifts.MapPost("/{id:guid}/release", ReleaseAsync)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Gives a taken shift back: a member their own, staff anyone's (If-Match required)")
            .ProducesUpdateProblems()
            .Produces<DutyShiftResponse>();
        shifts.MapPost("/{id:guid}/cancel", CancelAsync)
            .Validate<CancelShiftRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Cancels a shift with a reason (If-Match required)")
            .ProducesUpdateProblems()
            .Produces<DutyShiftResponse>();
    }

    private static async Task<IResult> PlanAsync(Guid siteId, PlanShiftRequest request, HttpContext http, EventStore store, TimeProvider time,
        CancellationToken ct)
    {
        var site = await store.LoadAsync<Site>(Site.StreamId(siteId), ct: ct);
        if (site is null || !site.State.IsRegistered)
            throw new NotFoundException("site", siteId);
        var id = Guid.CreateVersion7();
        var events = DutyDecisions.Plan(id, siteId, request.Start!.Value, request.End!.Value,
            string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim(), time.GetUtcNow());
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("duty-shift", DutyShift.StreamId(id), events);
        var stored = await uow.CommitAsync(ct);
        var version = stored[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/duty-shifts/{id}", View(DutyShift.Initial.Fold(events), version, http.User));
    }

    private static async Task<IResult> ListAsync(Guid siteId, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct, DateOnly? from = null, DateOnly? to = null)
    {
        var first = from ?? Berlin.DateOf(time.GetUtcNow());
        if (!Berlin.IsSupported(first))
            throw new BadInputException("from", "from " + Berlin.SupportedRange);
        var last = to ?? (first < Berlin.LastSupportedDate.AddDays(-13) ? first.AddDays(13) : Berlin.LastSupportedDate);
        if (!Berlin.IsSupported(last))
            throw new BadInputException("to", "to " + Berlin.SupportedRange);
        if (last < first)
            throw new BadInputException("to", "to must not be before from.");
        if (last.DayNumber - first.DayNumber >= LongestWindowDays)
            throw new BadInputException("to", $"A rota is read for at most {LongestWindowDays} days at a time.");
        if (await store.LoadAsync<Site>(Site.StreamId(siteId), ct: ct) is not { State.IsRegistered: true })
            throw new NotFoundException("site", siteId);

        await using var command = db.CreateCommand("""
            select shift_id, site_id, starts_at, ends_at, note, person_id, cancelled_because, version
            from spaces.duty_shifts
            where site_id = $1 and starts_at < $3 and ends_at > $2
            order by starts_at, shift_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = siteId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = Berlin.StartOfDay(first) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = Berlin.EndOfDay(last) });
        var shifts = new List<DutyShiftResponse>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var shift = new DutyShift(reader.GetGuid(0), reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.IsDBNull(6) ? null : reader.GetString(6));
            shifts.Add(View(shift, reader.GetInt64(7), http.User));
        }
        return Results.Ok(new DutyRotaResponse(siteId, first, last, shifts));
    }

    private static async Task<IResult> GetAsync(Guid id, HttpContext http, EventStore store, CancellationToken ct)
    {
        var shift = await store.LoadAsync<DutyShift>(DutyShift.StreamId(id), ct: ct) ?? throw new NotFoundException("duty shift", id);
        http.Response.SetETag(shift.Version);
        return Results.Ok(View(shift.State, shift.Version, http.User));
    }

    private static async Task<IResult> TakeAsync(Guid id, TakeShiftRequest? request, HttpContext http, EventStore store, NpgsqlDataSource db,
        TimeProvider time, CancellationToken ct)
    {
        var person = http.User.IsAdmin()
            ? request?.PersonId ?? throw new BadInputException("personId", "personId is required: name the person who takes the shift.")
            : request?.PersonId is { } named && named != http.User.PersonId()
                ? throw new BadInputException("personId", "A member takes a shift only for themselves: leave personId out.")
                : http.User.PersonId() ?? throw new BadInputException("personId", "This key acts for no person: sign in as the person who takes the shift.");
        var current = await store.LoadForUpdateAsync<DutyShift>(http.Request, "duty shift", id, DutyShift.StreamId(id), ct);
        var events = DutyDecisions.Take(current.State, person, time.GetUtcNow());
        // Who takes turns at a site is Membership's to say (POST /api/people/{id}/duty-rota): only they take its shifts.
        if (events.Count > 0 && !await DutyPool.IsOnRotaAsync(db, person, current.State.SiteId, ct))
            throw new DomainException("not-on-duty-rota", "That person is not on this site's duty rota: staff add them first (POST /api/people/{id}/duty-rota).");
        return await AnswerAsync(http, store, current, events, ct);
    }

    private static async Task<IResult> ReleaseAsync(Guid id, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<DutyShift>(http.Request, "duty shift", id, DutyShift.StreamId(id), ct);
        if (!http.User.IsAdmin() && current.State.PersonId is { } holder && holder != http.User.PersonId())
            throw new DomainException("shift-taken", "Someone else holds this shift: only they or staff can give it back.");
        return await AnswerAsync(http, store, current, DutyDecisions.Release(current.State, time.GetUtcNow()), ct);
    }

    private static async Task<IResult> CancelAsync(Guid id, CancelShiftRequest request, HttpContext http, EventStore store, TimeProvider time,
        CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<DutyShift>(http.Request, "duty shift", id, DutyShift.StreamId(id), ct);
        return await AnswerAsync(http, store, current, DutyDecisions.Cancel(current.State, request.Reason!.Trim(), time.GetUtcNow()), ct);
    }

    private static async Task<IResult> AnswerAsync(HttpContext http, EventStore store, StreamState<DutyShift> current, IReadOnlyList<object> events,
        CancellationToken ct)
    {
        long version;
        try
        {
            version = await store.AppendAsync(http, current, events, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ExclusionViolation && e.ConstraintName == DutyRotaProjection.OnePlaceAtATime)
        {
            throw new DomainException("person-on-duty-elsewhere", "That person is on duty elsewhere for part of this shift.");
        }
        return Results.Ok(View(current.State.Fold(events), version, http.User));
    }

    private static DutyShiftResponse View(DutyShift shift, long version, ClaimsPrincipal user)
    {
        var mine = shift.PersonId is { } person && person == user.PersonId();
        var seesWho = user.IsAdmin() || user.IsAuditor() || mine;
        return new DutyShiftResponse(shift.Id, shift.SiteId, shift.Start, shift.End, shift.Note, shift.PersonId is not null, mine,
            seesWho ? shift.PersonId : null, shift.CancelledBecause, version);
    }
}
