using Allmende.Eventing.Api;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using FluentValidation;
using Microsoft.Extensions.Options;

namespace Allmende.Bookings.Bookings;

/// <summary>Why staff undo a no-show (e.g. "Abendtreffen fand statt, niemand vom Team vor Ort").</summary>
internal sealed record UndoNoShowRequest(string? Reason);

internal sealed class UndoNoShowValidator : AbstractValidator<UndoNoShowRequest>
{
    public UndoNoShowValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

/// <summary>
/// Members of the booking's organisation (or staff) check in; staff complete bookings; a confirmed booking nobody
/// checked in to is released as a no-show, which staff may undo.
/// </summary>
internal static class Attendance
{
    public static IReadOnlyList<object> CheckIn(Booking state, BookingPolicy policy, DateTimeOffset now)
    {
        if (state.Status != BookingStatus.Confirmed)
            throw new DomainException(BookingRules.NotConfirmed, $"The booking is {StatusNames.Of(state.Status)}; only a confirmed booking is checked in.");
        var opens = state.Start - policy.CheckInOpensBefore;
        if (now < opens)
            throw new DomainException(BookingRules.CheckInNotOpen,
                $"Check-in opens {policy.CheckInOpensBefore.TotalMinutes:0} minutes before the start, at {opens.UtcDateTime:yyyy-MM-dd'T'HH:mm'Z'}; it is too early.");
        if (now >= state.End)
            throw new DomainException(BookingRules.CheckInNotOpen, "Check-in closes at the end of the booking; it is over.");
        return [new BookingCheckedIn(state.Id, now)];
    }

    public static IReadOnlyList<object> Complete(Booking state, DateTimeOffset now)
    {
        if (state.Status != BookingStatus.CheckedIn)
            throw new DomainException(BookingRules.NotCheckedIn, $"The booking is {StatusNames.Of(state.Status)}; only a checked-in booking is completed.");
        return [new BookingCompleted(state.Id, now)];
    }

    /// <summary>The no-show check fired: releases the booking if it is still confirmed for that very start, else nothing.</summary>
    public static IReadOnlyList<object> MarkNoShow(Booking state, DateTimeOffset start, DateTimeOffset now) =>
        state.Status == BookingStatus.Confirmed && state.Start == start ? [new BookingMarkedNoShow(state.Id, now)] : [];

    /// <summary>
    /// Staff say a no-show was none: the booking counts as used (completed). Its slot is not taken back:
    /// it was released at the no-show and may be someone else's by now.
    /// </summary>
    public static IReadOnlyList<object> UndoNoShow(Booking state, string reason, DateTimeOffset now)
    {
        if (state.Status != BookingStatus.NoShow)
            throw new DomainException(BookingRules.NotANoShow, $"The booking is {StatusNames.Of(state.Status)}; only a no-show is undone.");
        return [new BookingNoShowUndone(state.Id, reason, now)];
    }

    public static void Map(RouteGroupBuilder bookings)
    {
        // Members check in for their own organisations: an evening meeting without staff present is no no-show.
        bookings.MapPost("/{id:guid}/check-in", HandleCheckIn)
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Checks a confirmed booking in (members: their organisations' bookings), from CheckInOpensBefore before its start until its end (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();
        bookings.MapPost("/{id:guid}/complete", HandleComplete)
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Completes a checked-in booking: its slot is released (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();
        bookings.MapPost("/{id:guid}/undo-no-show", HandleUndoNoShow)
            .Validate<UndoNoShowRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Undoes a no-show with a reason: the booking counts as used (completed); its slot stays released (If-Match required)")
            .Produces<BookingResponse>()
            .ProducesUpdateProblems();
    }

    private static async Task<IResult> HandleUndoNoShow(Guid id, UndoNoShowRequest request, HttpContext http, EventStore store,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        return await BookingWrites.AppendAsync(store, http, current, UndoNoShow(current.State, request.Reason!.Trim(), time.GetUtcNow()),
            options.Value.ToPolicy(), ct);
    }

    private static async Task<IResult> HandleCheckIn(Guid id, HttpContext http, EventStore store, IOptions<BookingsOptions> options, TimeProvider time,
        CancellationToken ct)
    {
        var policy = options.Value.ToPolicy();
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        return await BookingWrites.AppendAsync(store, http, current, CheckIn(current.State, policy, time.GetUtcNow()), policy, ct);
    }

    private static async Task<IResult> HandleComplete(Guid id, HttpContext http, EventStore store, IOptions<BookingsOptions> options, TimeProvider time,
        CancellationToken ct)
    {
        var current = await BookingWrites.LoadForUpdateAsync(store, http, id, ct);
        return await BookingWrites.AppendAsync(store, http, current, Complete(current.State, time.GetUtcNow()), options.Value.ToPolicy(), ct);
    }
}

/// <summary>Releases confirmed bookings nobody checked in to when their <see cref="NoShowCheckDue"/> fires (durable, once).</summary>
internal sealed class NoShowRelease(IOptions<BookingsOptions> options, TimeProvider time)
{
    public async Task Handle(NoShowCheckDue message, MessageContext context, CancellationToken ct)
    {
        var current = await context.Work.LoadAsync<Booking>(Booking.StreamId(message.BookingId), ct);
        if (current is null)
            return;
        var events = Attendance.MarkNoShow(current.State, message.Start, time.GetUtcNow());
        if (events.Count == 0)
            return;
        context.Work.Append(current.StreamId, current.Version, events);
        BookingWrites.Stage(context.Work, current.State, events, options.Value.ToPolicy());
    }
}
