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

namespace Allmende.Bookings.Bookings;

/// <summary>
/// Book a space for [start, end) for an organisation. Members book for their own organisations (as
/// themselves); staff book for any, optionally naming the person. Start/end: instants with offset.
/// </summary>
internal sealed record RequestBookingRequest(
    Guid SpaceId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    int Attendees,
    string? Purpose,
    string? ActionField);

internal sealed class RequestBookingValidator : AbstractValidator<RequestBookingRequest>
{
    public const int MaxPurposeLength = 500;

    public RequestBookingValidator()
    {
        RuleFor(r => r.SpaceId).NotEmpty();
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.Start).NotNull().Must(TimeRange.IsWholeMinute).WithMessage("start must be a whole minute.");
        RuleFor(r => r.End).NotNull().Must(TimeRange.IsWholeMinute).WithMessage("end must be a whole minute.")
            .Must((r, end) => TimeRange.IsSensible(r.Start, end)).WithMessage($"end must be after start, at most {TimeRange.MaxDays} days later.");
        RuleFor(r => r.Attendees).InclusiveBetween(1, 10_000);
        RuleFor(r => r.Purpose).NotEmpty().MaximumLength(MaxPurposeLength);
        RuleFor(r => r.ActionField).Must(ActionFields.IsValid).WithMessage($"actionField must be one of {string.Join(", ", ActionFields.All)}.");
    }
}

internal static class RequestBooking
{
    internal sealed record Command(Guid BookingId, Guid SpaceId, Guid OrganisationId, Guid? PersonId, DateTimeOffset Start, DateTimeOffset End,
        int Attendees, string Purpose, string ActionField, Guid? SeriesId = null, Guid? AdvisorId = null);

    /// <summary>
    /// A new booking: every rule of the space, its site and the organisation (<see cref="BookingRules.Check"/>), then
    /// confirmed at once or awaiting approval until <see cref="ApprovalDueBy"/>. Whether the slot is free is the
    /// database's to say, in the same transaction (<see cref="SlotGuard"/>).
    /// </summary>
    public static IReadOnlyList<object> Decide(Booking state, Command command, HouseSnapshot house, BookingPolicy policy, DateTimeOffset now)
    {
        if (state.Exists)
            throw new DomainException("booking-exists", $"Booking {command.BookingId} exists already.");
        BookingRules.Check(house, command.SpaceId, command.Start, command.End, command.Attendees, now);
        var space = house.Space!;
        var due = space.ApprovalRequired ? ApprovalDueBy(command.Start, policy, now) : (DateTimeOffset?)null;
        var requested = new BookingRequested(command.BookingId, command.SpaceId, space.SiteId, command.OrganisationId, command.PersonId,
            command.Start, command.End, command.Attendees, command.Purpose, command.ActionField, space.WholeSpace, due, now, command.SeriesId,
            command.AdvisorId);
        return due is null ? [requested, new BookingConfirmed(command.BookingId, now)] : [requested];
    }

    /// <summary>The configured time before the start; for a request made later than that, the start itself.</summary>
    public static DateTimeOffset ApprovalDueBy(DateTimeOffset start, BookingPolicy policy, DateTimeOffset now) =>
        start - policy.ApprovalDecisionBefore > now ? start - policy.ApprovalDecisionBefore : start;

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPost("", Handle)
            .Validate<RequestBookingRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Books a space for an organisation: confirmed at once, or awaiting staff approval where the space requires it")
            .Produces<BookingResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> Handle(RequestBookingRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        if (!http.User.CanActFor(request.OrganisationId))
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your organisation",
                detail: "Members book only for the organisations they act for.");
        var now = time.GetUtcNow();
        var start = request.Start!.Value.ToUniversalTime();
        var end = request.End!.Value.ToUniversalTime();
        var house = await HouseSnapshot.LoadAsync(db, request.SpaceId, request.OrganisationId, start, end, ct);
        var id = Guid.CreateVersion7();
        var command = new Command(id, request.SpaceId, request.OrganisationId, BookingWrites.PersonFor(http.User, request.PersonId),
            start, end, request.Attendees, request.Purpose!.Trim(), request.ActionField!);
        var policy = options.Value.ToPolicy();
        var events = Decide(Booking.Initial, command, house, policy, now);

        (var version, events) = await QuotaWrites.CommitAsync(store, http.EventMetadata(), db, null, id, events, policy, now, ct);
        http.Response.SetETag(version);
        return Results.Created($"/api/bookings/{id}", BookingResponse.From(Booking.Initial.Fold(events), version));
    }
}
