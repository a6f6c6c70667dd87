using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Bookings.Bookings;

/// <summary>The new time range: instants with offset, whole minutes.</summary>
internal sealed record RescheduleBookingRequest(DateTimeOffset? Start, DateTimeOffset? End);

internal sealed class RescheduleBookingValidator : AbstractValidator<RescheduleBookingRequest>
{
    public RescheduleBookingValidator()
    {
        RuleFor(r => r.Start).NotNull().Must(TimeRange.IsWholeMinute).WithMessage("start must be a whole minute.");
        RuleFor(r => r.End).NotNull().Must(TimeRange.IsWholeMinute).WithMessage("end must be a whole minute.")
            .Must((r, end) => TimeRange.IsSensible(r.Start, end)).WithMessage($"end must be after start, at most {TimeRange.MaxDays} days later.");
    }
}

internal static class RescheduleBooking
{
    /// <summary>
    /// Moves a request or a confirmed booking that has not started to a new range, under every rule a
    /// new booking meets (the database guards the slot in the same transaction). The same range records
    /// nothing. A pending request gets a new approval due time; a confirmed booking stays confirmed.
    /// </summary>
    public static IReadOnlyList<object> Decide(Booking state, DateTimeOffset start, DateTimeOffset end, HouseSnapshot house, BookingPolicy policy,
        DateTimeOffset now)
    {
        if (state.Status is not (BookingStatus.PendingApproval or BookingStatus.Confirmed) || now >= state.Start)
            throw new DomainException(BookingRules.NotReschedulable,
                $"The booking is {StatusNames.Of(state.Status)}{(now >= state.Start ? " and has started" : "")}; only requests and confirmed bookings are moved before their start.");
        if (start == state.Start && end == state.End)
            return [];
        BookingRules.Check(house, state.SpaceId, start, end, state.Attendees, now);
        var due = state.Status == BookingStatus.PendingApproval ? RequestBooking.ApprovalDueBy(start, policy, now) : (DateTimeOffset?)null;
        return [new BookingRescheduled(state.Id, start, end, due, now)];
    }

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPut("/{id:guid}/time", Handle)
            .Validate<RescheduleBookingRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Moves a booking to a new time range with the same rules and slot guarantees as a new booking (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, RescheduleBookingRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var policy = options.Value.ToPolicy();
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        var start = request.Start!.Value.ToUniversalTime();
        var end = request.End!.Value.ToUniversalTime();
        var house = await HouseSnapshot.LoadAsync(db, current.State.SpaceId, current.State.OrganisationId, start, end, ct);
        return await BookingWrites.AppendAsync(store, http, current, Decide(current.State, start, end, house, policy, time.GetUtcNow()), policy, ct);
    }
}
