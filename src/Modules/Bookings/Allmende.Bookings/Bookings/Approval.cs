using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Allmende.Bookings.Bookings;

/// <summary>Why staff reject a request.</summary>
internal sealed record RejectBookingRequest(string? Reason);

internal sealed class RejectBookingValidator : AbstractValidator<RejectBookingRequest>
{
    public RejectBookingValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>Staff decide on requests for spaces that need approval; undecided ones expire and free their slot.</summary>
internal static class Approval
{
    public static IReadOnlyList<object> Approve(Booking state, DateTimeOffset now)
    {
        EnsurePending(state);
        if (state.ApprovalDueBy is { } due && now >= due)
            throw new DomainException(BookingRules.ApprovalExpired, $"The request was to be decided by {due:u}; it has expired.");
        return [new BookingApproved(state.Id, now), new BookingConfirmed(state.Id, now)];
    }

    public static IReadOnlyList<object> Reject(Booking state, string reason, DateTimeOffset now)
    {
        EnsurePending(state);
        return [new BookingRejected(state.Id, reason, now)];
    }

    /// <summary>The expiry message fired: expires the request if it still waits for that very due time, else nothing.</summary>
    public static IReadOnlyList<object> Expire(Booking state, DateTimeOffset dueBy, DateTimeOffset now) =>
        state.Status == BookingStatus.PendingApproval && state.ApprovalDueBy == dueBy ? [new BookingApprovalExpired(state.Id, now)] : [];

    private static void EnsurePending(Booking state)
    {
        if (state.Status != BookingStatus.PendingApproval)
            throw new DomainException(BookingRules.NotAwaitingApproval, $"The booking is {StatusNames.Of(state.Status)}, not awaiting approval.");
    }

    public static void Map(RouteGroupBuilder bookings)
    {
        bookings.MapPost("/{id:guid}/approve", HandleApprove)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Approves a request: the booking is confirmed (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();
        bookings.MapPost("/{id:guid}/reject", HandleReject)
            .Validate<RejectBookingRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Rejects a request with a reason: its slot is free again (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();
    }

    private static async Task<IResult> HandleApprove(Guid id, HttpContext http, EventStore store, IOptions<BookingsOptions> options, TimeProvider time,
        CancellationToken ct)
    {
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        return await BookingWrites.AppendAsync(store, http, current, Approve(current.State, time.GetUtcNow()), options.Value.ToPolicy(), ct);
    }

    private static async Task<IResult> HandleReject(Guid id, RejectBookingRequest request, HttpContext http, EventStore store,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        return await BookingWrites.AppendAsync(store, http, current, Reject(current.State, request.Reason!.Trim(), time.GetUtcNow()),
            options.Value.ToPolicy(), ct);
    }
}

/// <summary>Expires undecided requests when their <see cref="ApprovalExpiryDue"/> fires (durable, once).</summary>
internal sealed class ApprovalExpiry(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(ApprovalExpiryDue message, MessageContext context, CancellationToken ct)
    {
        var current = await context.Work.LoadAsync<Booking>(Booking.StreamId(message.BookingId), ct);
        if (current is null)
            return;
        var now = time.GetUtcNow();
        var events = Approval.Expire(current.State, message.DueBy, now);
        if (events.Count == 0)
            return;
        var quota = QuotaLedger.Over(context.Database);
        events = await quota.StageAsync(context.Work, current.State, events, now, ct);
        context.Work.Append(current.StreamId, current.Version, events);
        quota.WriteTo(context.Work);
        BookingWrites.Stage(context.Work, current.State, events, options.Value.ToPolicy());
    }
}
