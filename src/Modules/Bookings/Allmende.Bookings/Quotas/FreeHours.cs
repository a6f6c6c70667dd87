using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Quotas;

/// <summary>Staff set the free hours a plan gives an organisation per month. Stream "free-hours-<plan>"; stored name "bookings.free-hours.set".</summary>
internal sealed record FreeHoursSet(string Plan, int HoursPerMonth, DateTimeOffset At);

/// <summary>A plan's free hours per month as staff last set them (0 until set).</summary>
internal sealed record FreeHours(string Plan, int HoursPerMonth, DateTimeOffset? ChangedAt) : IEventSourced<FreeHours>
{
    /// <summary>Membership's plans (Allmende.Membership.Contracts.MembershipPlanChanged), by their stable names.</summary>
    public static IReadOnlyList<string> Plans { get; } = ["civil-society", "flexible-desk", "fixed-desk", "cooperative-member"];

    public static string StreamId(string plan) => $"free-hours-{plan}";

    public static FreeHours Initial { get; } = new("", 0, null);

    public static FreeHours Evolve(FreeHours state, object @event) => @event switch
    {
        FreeHoursSet e => new FreeHours(e.Plan, e.HoursPerMonth, e.At),
        _ => state,
    };

    /// <summary>Sets the hours; the same hours again record nothing.</summary>
    public static IReadOnlyList<object> Set(FreeHours state, string plan, int hoursPerMonth, DateTimeOffset now) =>
        state.ChangedAt is not null && state.HoursPerMonth == hoursPerMonth ? [] : [new FreeHoursSet(plan, hoursPerMonth, now)];
}

/// <summary>Free hours per month for organisations holding the plan; 0 gives none.</summary>
internal sealed record SetFreeHoursRequest(int? HoursPerMonth);

internal sealed class SetFreeHoursValidator : AbstractValidator<SetFreeHoursRequest>
{
    /// <summary>More than every hour of a 31-day month would mean nothing.</summary>
    public const int MaxHours = 31 * 24;

    public SetFreeHoursValidator() => RuleFor(r => r.HoursPerMonth).NotNull().InclusiveBetween(0, MaxHours);
}

/// <summary>A plan's free hours; version is the ETag to send as If-Match (0: never set, send no If-Match).</summary>
internal sealed record FreeHoursResponse(string Plan, int HoursPerMonth, DateTimeOffset? ChangedAt, long Version);

/// <summary>
/// Free hours per plan, set by staff as events (no redeploy; each booking's split records the
/// allowance it was decided with, so a change never rewrites the past).
/// </summary>
internal static class FreeHoursApi
{
    public static void Map(RouteGroupBuilder bookings)
    {
        bookings.MapPut("/free-hours/{plan}", Handle)
            .Validate<SetFreeHoursRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Sets the free hours per month a membership plan gives an organisation (If-Match once set)")
            .IfMatchOnly("once the plan's free hours were set: the first setting has no version to name")
            .Produces<FreeHoursResponse>()
            .ProducesUpdateProblems();
        bookings.MapGet("/free-hours", HandleList)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("The free hours per month of every membership plan")
            .Produces<IReadOnlyList<FreeHoursResponse>>();
        bookings.MapGet("/free-hours/{plan}", HandleGet)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("The free hours per month of one membership plan; ETag once set")
            .Produces<FreeHoursResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static string Known(string plan) =>
        FreeHours.Plans.Contains(plan, StringComparer.Ordinal) ? plan : throw new NotFoundException("plan", plan);

    /// <summary>
    /// The first setting of a plan starts its stream and needs no If-Match (there is no version to
    /// name; a racing second start is a 409); every later one needs the ETag read.
    /// </summary>
    private static async Task<IResult> Handle(string plan, SetFreeHoursRequest request, HttpContext http, EventStore store, TimeProvider time,
        CancellationToken ct)
    {
        Known(plan);
        var streamId = FreeHours.StreamId(plan);
        var current = await store.LoadAsync<FreeHours>(streamId, ct: ct);
        var hasIfMatch = http.Request.Headers.IfMatch.Count > 0;
        if (current is null && hasIfMatch)
            throw new ConcurrencyException(streamId, http.Request.ExpectedVersion(), null);
        if (current is not null && http.Request.ExpectedVersion() is var expected && expected != current.Version)
            throw new ConcurrencyException(streamId, expected, current.Version);

        var state = current?.State ?? FreeHours.Initial;
        var events = FreeHours.Set(state, plan, request.HoursPerMonth!.Value, time.GetUtcNow());
        var version = current?.Version ?? 0;
        if (events.Count > 0)
        {
            var uow = store.Begin(http.EventMetadata());
            if (current is null)
                uow.StartStream("free-hours", streamId, events);
            else
                uow.Append(streamId, current.Version, events);
            version = (await uow.CommitAsync(ct))[^1].StreamVersion;
        }
        var after = events.Aggregate(state, FreeHours.Evolve);
        http.Response.SetETag(version);
        return Results.Ok(new FreeHoursResponse(plan, after.HoursPerMonth, after.ChangedAt, version));
    }

    private static async Task<IResult> HandleList(NpgsqlDataSource db, CancellationToken ct) =>
        Results.Ok(await ReadAsync(db, null, ct));

    private static async Task<IResult> HandleGet(string plan, HttpContext http, NpgsqlDataSource db, CancellationToken ct)
    {
        var one = (await ReadAsync(db, Known(plan), ct)).Single();
        if (one.Version > 0)
            http.Response.SetETag(one.Version);
        return Results.Ok(one);
    }

    /// <summary>Every plan (or one), with 0 hours and version 0 where staff never set any.</summary>
    private static async Task<IReadOnlyList<FreeHoursResponse>> ReadAsync(NpgsqlDataSource db, string? plan, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select plan, hours_per_month, changed_at, version from bookings.free_hours");
        var set = new Dictionary<string, FreeHoursResponse>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                set[reader.GetString(0)] = new FreeHoursResponse(reader.GetString(0), reader.GetInt32(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3));
        }
        return [.. FreeHours.Plans.Where(p => plan is null || p == plan).Select(p => set.GetValueOrDefault(p) ?? new FreeHoursResponse(p, 0, null, 0))];
    }
}

/// <summary>bookings.free_hours: the hours per plan, which the allowance of a month is computed from. Inline; idempotent by last_seq.</summary>
internal sealed class FreeHoursProjection : IProjection
{
    public string Name => "bookings.free_hours";

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(FreeHoursSet)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        foreach (var e in events)
        {
            var set = (FreeHoursSet)e.Data;
            await using var command = context.Command("""
                insert into bookings.free_hours as t (plan, hours_per_month, changed_at, version, last_seq) values ($1, $2, $3, $4, $5)
                on conflict (plan) do update set hours_per_month = excluded.hours_per_month, changed_at = excluded.changed_at,
                    version = excluded.version, last_seq = excluded.last_seq
                where t.last_seq < excluded.last_seq
                """, set.Plan, set.HoursPerMonth, set.At, e.StreamVersion, e.Sequence);
            await command.ExecuteNonQueryAsync(ct);
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.free_hours");
        await command.ExecuteNonQueryAsync(ct);
    }
}
