using Allmende.Bookings.Bookings;
using Allmende.Bookings.Quotas;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Bookings.Series;

/// <summary>Cancel the occurrences starting at or after From (an instant with offset; default now), with a reason.</summary>
internal sealed record CancelSeriesRequest(DateTimeOffset? From, string? Reason);

internal sealed class CancelSeriesValidator : AbstractValidator<CancelSeriesRequest>
{
    public CancelSeriesValidator() => RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
}

internal static class CancelSeries
{
    /// <summary>
    /// Cancels, with the normal rule of each booking (<see cref="CancelBooking.Decide"/>: late after the
    /// deadline), every occurrence starting at or after <paramref name="from"/> that is still cancellable
    /// (pending or confirmed and not over); the others (already cancelled, rejected, in use …) stay as they
    /// are. The series records which ones. Nothing cancellable: nothing is recorded.
    /// </summary>
    public static (IReadOnlyList<object> Series, IReadOnlyList<(StreamState<Booking> Booking, IReadOnlyList<object> Events)> Bookings) Decide(
        BookingSeries series, IReadOnlyList<StreamState<Booking>> bookings, DateTimeOffset from, string reason, BookingPolicy policy, DateTimeOffset now)
    {
        var cancelled = bookings
            .Where(b => b.State.SeriesId == series.Id && b.State.Start >= from
                && b.State.Status is BookingStatus.PendingApproval or BookingStatus.Confirmed && now < b.State.End)
            .OrderBy(b => b.State.Start)
            .Select(b => (b, CancelBooking.Decide(b.State, reason, policy, now)))
            .ToList();
        if (cancelled.Count == 0)
            return ([], []);
        return ([new SeriesCancelledFrom(series.Id, from, reason, [.. cancelled.Select(c => c.b.State.Id)], now)], cancelled);
    }

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPost("/series/{id:guid}/cancel", Handle)
            .Validate<CancelSeriesRequest>()
            .RequireAuthorization(Policies.ActForOrganisation)
            .WithSummary("Cancels the rest of a series: every still-cancellable occurrence starting at or after from (default now), in one go (If-Match of the series)")
            .Produces<SeriesResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, CancelSeriesRequest request, HttpContext http, EventStore store, NpgsqlDataSource db,
        IOptions<BookingsOptions> options, TimeProvider time, CancellationToken ct)
    {
        var expected = http.Request.ExpectedVersion();
        var series = await store.LoadAsync<BookingSeries>(BookingSeries.StreamId(id), ct: ct);
        if (series is null || !http.User.CanActFor(series.State.OrganisationId))
            throw new NotFoundException("series", id);
        if (series.Version != expected)
            throw new ConcurrencyException(series.StreamId, expected, series.Version);

        var now = time.GetUtcNow();
        var policy = options.Value.ToPolicy();
        var bookings = new List<StreamState<Booking>>();
        foreach (var bookingId in series.State.BookingIds)
        {
            if (await store.LoadAsync<Booking>(Booking.StreamId(bookingId), ct: ct) is { } booking)
                bookings.Add(booking);
        }
        var (seriesEvents, cancelled) = Decide(series.State, bookings, request.From?.ToUniversalTime() ?? now, request.Reason!.Trim(), policy, now);

        var version = series.Version;
        if (seriesEvents.Count > 0)
        {
            // The series and every cancelled booking at the versions read, in one transaction: a booking
            // changed meanwhile makes the whole request a 409, and nothing is half-cancelled.
            var uow = store.Begin(http.EventMetadata());
            uow.Append(series.StreamId, series.Version, seriesEvents);
            // Occurrences cancelled in time give their free minutes back, as a single cancellation does.
            var quota = QuotaLedger.Over(db);
            foreach (var (booking, decided) in cancelled)
            {
                var events = await quota.StageAsync(uow, booking.State, decided, now, ct);
                uow.Append(booking.StreamId, booking.Version, events);
                BookingWrites.Stage(uow, booking.State, events, policy);
            }
            quota.WriteTo(uow);
            var stored = await BookingWrites.CommitAsync(uow, ct);
            version = stored.First(e => e.StreamId == series.StreamId).StreamVersion;
        }
        http.Response.SetETag(version);
        return Results.Ok(SeriesResponse.From(series.State.Fold(seriesEvents), await ReadSeries.StatusesAsync(db, series.State.BookingIds, ct), version));
    }
}
