using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Allmende.Bookings.Bookings;

/// <summary>Why the booking is cancelled.</summary>
internal sealed record CancelBookingRequest(string? Reason);

internal sealed class CancelBookingValidator : AbstractValidator<CancelBookingRequest>
{
    public CancelBookingValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

internal static class CancelBooking
{
    /// <summary>
    /// A request or a confirmed booking is cancelled until its end; after the late-cancellation deadline
    /// before its start the cancellation is marked late. Its slot is free again.
    /// </summary>
    public static IReadOnlyList<object> Decide(Booking state, string reason, BookingPolicy policy, DateTimeOffset now)
    {
        if (state.Status is not (BookingStatus.PendingApproval or BookingStatus.Confirmed) || now >= state.End)
            throw new DomainException(BookingRules.NotCancellable,
                $"The booking is {StatusNames.Of(state.Status)}{(now >= state.End ? " and over" : "")}; only requests and confirmed bookings are cancelled before their end.");
        return [new BookingCancelled(state.Id, reason, now > state.Start - policy.LateCancellationDeadline, now)];
    }

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPost("/{id:guid}/cancel", Handle)
            .Validate<CancelBookingRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Cancels a booking with a reason (members: their organisations' bookings); late after the deadline (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, CancelBookingRequest request, HttpContext http, EventStore store,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var policy = options.Value.ToPolicy();
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        return await BookingWrites.AppendAsync(store, http, current, Decide(current.State, request.Reason!.Trim(), policy, time.GetUtcNow()), policy, ct);
    }
}
