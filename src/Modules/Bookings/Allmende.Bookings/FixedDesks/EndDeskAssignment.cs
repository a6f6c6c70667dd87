using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Bookings.FixedDesks;

/// <summary>The new last day (Europe/Berlin date; the day before from withdraws the assignment) and why.</summary>
internal sealed record EndDeskAssignmentRequest(DateOnly? Until, string? Reason);

internal sealed class EndDeskAssignmentValidator : AbstractValidator<EndDeskAssignmentRequest>
{
    public EndDeskAssignmentValidator()
    {
        RuleFor(r => r.Until).NotNull();
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
    }
}

internal static class EndDeskAssignment
{
    public const string NotShortened = "assignment-not-shortened";
    public const string EndsBeforeStart = "ends-before-start";
    public const string EndsInThePast = "ends-in-the-past";

    /// <summary>
    /// Staff end an assignment early: the new last day lies before the current one, not before yesterday
    /// (the days gone by stay as they were, Funding has charged them) and not before the day before its
    /// first day (which withdraws it). The days after it are free from then on.
    /// </summary>
    public static IReadOnlyList<object> Decide(DeskAssignment state, DateOnly until, string reason, DateTimeOffset now)
    {
        if (until >= state.Until)
            throw new DomainException(NotShortened, $"The assignment runs until {state.Until:yyyy-MM-dd}; ending it means an earlier last day.");
        if (until < state.From.AddDays(-1))
            throw new DomainException(EndsBeforeStart, $"The earliest end is {state.From.AddDays(-1):yyyy-MM-dd}, the day before its first day (withdrawn).");
        if (until < DeskDays.Today(now).AddDays(-1))
            throw new DomainException(EndsInThePast, "An assignment ends yesterday at the earliest: past days stay as they were.");
        return [new DeskAssignmentEnded(state.Id, until, reason, now)];
    }

    /// <summary>
    /// Ends an assignment after a change elsewhere (space retired, organisation ended): the last day is
    /// <paramref name="lastDay"/> (never before the day before its first day), days in the past included,
    /// since the house really changed. Nothing when it ends by then anyway, so a redelivery changes nothing.
    /// </summary>
    public static IReadOnlyList<object> EndBy(DeskAssignment state, DateOnly lastDay, string reason, DateTimeOffset now)
    {
        var until = lastDay < state.From.AddDays(-1) ? state.From.AddDays(-1) : lastDay;
        return state.Exists && until < state.Until ? [new DeskAssignmentEnded(state.Id, until, reason, now)] : [];
    }

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPost("/desk-assignments/{id:guid}/end", Handle)
            .Validate<EndDeskAssignmentRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Ends a desk assignment early or withdraws it (until = the day before from); the days after are free (If-Match required)")
            .Produces<DeskAssignmentResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, EndDeskAssignmentRequest request, HttpContext http, EventStore store, TimeProvider time,
        CancellationToken ct)
    {
        var expected = http.Request.ExpectedVersion();
        var current = await store.LoadAsync<DeskAssignment>(DeskAssignment.StreamId(id), ct: ct) ?? throw new NotFoundException("desk assignment", id);
        if (current.Version != expected)
            throw new ConcurrencyException(current.StreamId, expected, current.Version);
        var events = Decide(current.State, request.Until!.Value, request.Reason!.Trim(), time.GetUtcNow());

        var uow = store.Begin(http.EventMetadata());
        uow.Append(current.StreamId, current.Version, events);
        DeskAssignmentWrites.Stage(uow, current.State, events);
        var version = (await BookingWrites.CommitAsync(uow, ct))[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Ok(DeskAssignmentResponse.Of(current.State.Fold(events), version));
    }
}
