using Allmende.Bookings.Availability;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Series;

/// <summary>How the series repeats: frequency weekly, fortnightly or monthly; exactly one of until (yyyy-MM-dd, Europe/Berlin, inclusive) and count.</summary>
internal sealed record RepeatRequest(string? Frequency, DateOnly? Until, int? Count);

/// <summary>A recurring series: the first occurrence as a single booking's fields, how it repeats, and book-free or book-none on conflicts.</summary>
internal sealed record BookSeriesRequest(
    Guid SpaceId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    int Attendees,
    string? Purpose,
    string? ActionField,
    RepeatRequest? Repeat,
    string? Conflicts);

internal sealed class BookSeriesValidator : AbstractValidator<BookSeriesRequest>
{
    public BookSeriesValidator()
    {
        RuleFor(r => r.SpaceId).NotEmpty();
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.Start).NotNull().Must(TimeRange.IsWholeMinute).WithMessage("start must be a whole minute.");
        RuleFor(r => r.End).NotNull().Must(TimeRange.IsWholeMinute).WithMessage("end must be a whole minute.")
            .Must((r, end) => TimeRange.IsSensible(r.Start, end)).WithMessage($"end must be after start, at most {TimeRange.MaxDays} days later.");
        RuleFor(r => r.Attendees).InclusiveBetween(1, 10_000);
        RuleFor(r => r.Purpose).NotEmpty().MaximumLength(RequestBookingValidator.MaxPurposeLength);
        RuleFor(r => r.ActionField).Must(ActionFields.IsValid).WithMessage($"actionField must be one of {string.Join(", ", ActionFields.All)}.");
        RuleFor(r => r.Conflicts).Must(c => c is not null && ConflictHandling.All.Contains(c, StringComparer.Ordinal))
            .WithMessage($"conflicts must be one of {string.Join(", ", ConflictHandling.All)}.");
        RuleFor(r => r.Repeat).NotNull();
        When(r => r.Repeat is not null, () =>
        {
            RuleFor(r => r.Repeat!.Frequency).Must(f => f is not null && Frequencies.All.Contains(f, StringComparer.Ordinal))
                .WithMessage($"repeat.frequency must be one of {string.Join(", ", Frequencies.All)}.");
            RuleFor(r => r.Repeat!.Count).InclusiveBetween(1, SeriesExpansion.MaxOccurrences).When(r => r.Repeat!.Count is not null);
            RuleFor(r => r.Repeat!.Until).NotNull().When(r => r.Repeat!.Count is null).WithMessage("Give exactly one of repeat.until and repeat.count.");
            RuleFor(r => r.Repeat!.Count).Null().When(r => r.Repeat!.Until is not null).WithMessage("Give exactly one of repeat.until and repeat.count.");
        });
    }
}

/// <summary>A series that cannot be booked as asked: the outcome of every occurrence (409 "series-conflicts").</summary>
internal sealed class SeriesConflictsException(IReadOnlyList<SeriesOccurrence> occurrences, string message)
    : Exception(message)
{
    public const string Rule = "series-conflicts";

    public IReadOnlyList<SeriesOccurrence> Occurrences { get; } = occurrences;
}

internal static class BookSeries
{
    /// <summary>An occurrence whose local start or end fell into the spring DST gap so that it is not longer than nothing.</summary>
    public const string TimeDoesNotExist = "time-does-not-exist";

    internal sealed record Command(Guid SeriesId, Guid SpaceId, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start, DateTimeOffset End,
        int Attendees, string Purpose, string ActionField, Repeat Repeat, string Conflicts);

    /// <summary>What a series writes: its own stream's event and each booked occurrence's events (stream booking-&lt;id&gt;).</summary>
    internal sealed record Plan(SeriesRequested Requested, IReadOnlyList<(Guid BookingId, IReadOnlyList<object> Events)> Bookings);

    /// <summary>
    /// Decides every occurrence as a single booking (<see cref="RequestBooking.Decide"/>: the space's, site's and
    /// organisation's rules at <paramref name="now"/>) and against the slots held in the space, including the
    /// occurrences of this series decided before it (a whole space: any overlap is "slot-taken"; a
    /// flexible-desk area: the most places taken at once plus the attendees beyond its places is
    /// "no-place-free"). With book-none any failed occurrence, and with book-free no free one, refuses the
    /// whole series (<see cref="SeriesConflictsException"/>). <paramref name="bookingIds"/>: one new id per occurrence.
    /// </summary>
    public static Plan Decide(Command command, IReadOnlyList<Occurrence> occurrences, HouseSnapshot house, IReadOnlyList<HeldSlot> held,
        IReadOnlyList<Guid> bookingIds, BookingPolicy policy, DateTimeOffset now)
    {
        var space = house.Space ?? throw new BadInputException("spaceId", $"There is no space {command.SpaceId} (or Bookings has not heard of it yet).");
        var taken = new List<HeldSlot>(held);
        var outcomes = new List<SeriesOccurrence>();
        var bookings = new List<(Guid, IReadOnlyList<object>)>();
        for (var i = 0; i < occurrences.Count; i++)
        {
            var (start, end) = (occurrences[i].Start, occurrences[i].End);
            var id = bookingIds[i];
            IReadOnlyList<object>? events = null;
            string? rule = null;
            if (end <= start)
                rule = TimeDoesNotExist;
            else
            {
                try
                {
                    events = RequestBooking.Decide(Booking.Initial, new RequestBooking.Command(id, command.SpaceId, command.OrganisationId,
                        command.PersonId, start, end, command.Attendees, command.Purpose, command.ActionField, command.SeriesId), house, policy, now);
                }
                catch (DomainException e)
                {
                    rule = e.Rule;
                }
                rule ??= SlotRule(space, taken, start, end, command.Attendees);
            }
            if (rule is null)
            {
                taken.Add(new HeldSlot(start, end, space.WholeSpace ? 1 : command.Attendees));
                bookings.Add((id, events!));
            }
            outcomes.Add(new SeriesOccurrence(start, end, rule is null ? id : null, rule));
        }

        var failed = outcomes.Count(o => o.Rule is not null);
        if (failed > 0 && command.Conflicts == ConflictHandling.BookNone)
            throw new SeriesConflictsException([.. outcomes.Select(o => o with { BookingId = null })],
                $"{failed} of {outcomes.Count} occurrences cannot be booked; with book-none nothing was booked.");
        if (bookings.Count == 0)
            throw new SeriesConflictsException(outcomes, "None of the occurrences can be booked.");

        var requested = new SeriesRequested(command.SeriesId, command.SpaceId, space.SiteId, command.OrganisationId, command.PersonId,
            command.Start, command.End, command.Attendees, command.Purpose, command.ActionField, command.Repeat.Frequency, command.Repeat.Until,
            command.Repeat.Count, command.Conflicts, outcomes, now);
        return new Plan(requested, bookings);
    }

    /// <summary>The slot rule [start, end) fails against what is held, or null (the same rules the database enforces, see SlotGuard).</summary>
    public static string? SlotRule(SpaceSnapshot space, IEnumerable<HeldSlot> held, DateTimeOffset start, DateTimeOffset end, int attendees)
    {
        var overlapping = held.Where(h => h.Start < end && start < h.End).ToList();
        if (space.WholeSpace)
            return overlapping.Count > 0 ? BookingRules.SlotTaken : null;
        // The most places taken at once within [start, end): a sweep, an end before a start at the same instant.
        var most = 0;
        var running = 0;
        foreach (var (_, delta) in overlapping
                     .SelectMany(h => new[] { (At: h.Start > start ? h.Start : start, Delta: h.Places), (At: h.End < end ? h.End : end, Delta: -h.Places) })
                     .OrderBy(c => c.At).ThenBy(c => c.Delta))
        {
            running += delta;
            most = Math.Max(most, running);
        }
        return most + attendees > (space.Places ?? space.Capacity) ? BookingRules.NoPlaceFree : null;
    }

    /// <summary>How often a commit refused by the database (a booking that raced in) is decided anew before the 409.</summary>
    public const int Attempts = 3;

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPost("/series", Handle)
            .Validate<BookSeriesRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Books a recurring series (weekly, fortnightly, monthly; until a date or for a count): each occurrence a booking; conflicts book-free or book-none")
            .Produces<SeriesResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> Handle(BookSeriesRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (!http.User.CanActFor(request.OrganisationId))
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your organisation",
                detail: "Members book only for the organisations they act for.");
        var start = request.Start!.Value.ToUniversalTime();
        var end = request.End!.Value.ToUniversalTime();
        var repeat = new Repeat(request.Repeat!.Frequency!, request.Repeat.Until, request.Repeat.Count);
        var occurrences = SeriesExpansion.Expand(start, end, repeat);
        var seriesId = Guid.CreateVersion7();
        var command = new Command(seriesId, request.SpaceId, request.OrganisationId, BookingWrites.PersonFor(http.User, request.PersonId), start, end,
            request.Attendees, request.Purpose!.Trim(), request.ActionField!, repeat, request.Conflicts!);
        var policy = options.Value.ToPolicy();
        var (from, to) = (occurrences.Min(o => o.Start), occurrences.Max(o => o.End));

        for (var attempt = 1; ; attempt++)
        {
            var now = time.GetUtcNow();
            var house = await HouseSnapshot.LoadAsync(db, request.SpaceId, request.OrganisationId, from, to, ct);
            var held = await HeldAsync(db, request.SpaceId, from, to, ct);
            Plan plan;
            try
            {
                plan = Decide(command, occurrences, house, held, [.. occurrences.Select(_ => Guid.CreateVersion7())], policy, now);
            }
            catch (SeriesConflictsException e)
            {
                return Conflicts(e);
            }

            var uow = store.Begin(http.EventMetadata());
            uow.StartStream("series", BookingSeries.StreamId(seriesId), plan.Requested);
            // Every occurrence takes its free minutes like a single booking, in the order they happen:
            // the ledger keeps each organisation-month's quota stream once for all of them.
            var quota = QuotaLedger.Over(db);
            foreach (var (bookingId, decided) in plan.Bookings)
            {
                var events = await quota.StageAsync(uow, Booking.Initial, decided, now, ct);
                uow.StartStream("booking", Booking.StreamId(bookingId), events);
                BookingWrites.Stage(uow, Booking.Initial, events, policy);
            }
            quota.WriteTo(uow);
            try
            {
                // One transaction: the series and all its bookings, or nothing.
                var stored = await BookingWrites.CommitAsync(uow, ct);
                var version = stored.First(e => e.StreamId == BookingSeries.StreamId(seriesId)).StreamVersion;
                http.Response.SetETag(version);
                var statuses = plan.Bookings.ToDictionary(b => b.BookingId, b => StatusNames.Of(Booking.Initial.Fold(b.Events).Status));
                return Results.Created($"/api/bookings/series/{seriesId}",
                    SeriesResponse.From(BookingSeries.Initial.Fold([plan.Requested]), statuses, version));
            }
            catch (DomainException e) when (e.Rule is BookingRules.SlotTaken or BookingRules.NoPlaceFree && attempt < Attempts)
            {
                // Another booking took a slot between our read and our commit: decide again on what is held now.
            }
            catch (Exception e) when (quota.IsRace(e) && attempt < QuotaWrites.Attempts)
            {
                // Another booking of the organisation took free minutes of one of these months meanwhile.
                await Task.Delay(QuotaWrites.Pause(attempt), ct);
            }
        }
    }

    /// <summary>409 "series-conflicts" with every occurrence's outcome as the extension member "occurrences".</summary>
    public static IResult Conflicts(SeriesConflictsException e) =>
        Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not allowed in the current state", detail: e.Message,
            extensions: new Dictionary<string, object?>
            {
                ["rule"] = SeriesConflictsException.Rule,
                ["occurrences"] = e.Occurrences.Select(o => new OccurrenceResponse(o.Start, o.End, o.BookingId, null, o.Rule)).ToList(),
            });

    /// <summary>The slots held (pending, confirmed, checked-in bookings and desk assignments) in the space overlapping [from, to).</summary>
    private static async Task<IReadOnlyList<HeldSlot>> HeldAsync(NpgsqlDataSource db, Guid spaceId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select lower(during), upper(during), places from bookings.slots
            where holds and space_id = $1 and during && tstzrange($2, $3, '[)')
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = spaceId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        var held = new List<HeldSlot>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            held.Add(new HeldSlot(reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2)));
        return held;
    }
}
