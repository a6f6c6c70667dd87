using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Series;

/// <summary>
/// An occurrence of a series: booked (bookingId and the booking's current status) or skipped for the
/// rule it failed. Start/End as the series was requested (a rescheduled booking shows its own times).
/// </summary>
internal sealed record OccurrenceResponse(DateTimeOffset Start, DateTimeOffset End, Guid? BookingId, string? Status, string? Rule);

/// <summary>A series: the first occurrence's data, how it repeats, its occurrences and the cancellations of its rest.</summary>
internal sealed record SeriesResponse(
    Guid Id,
    Guid SpaceId,
    Guid SiteId,
    Guid OrganisationId,
    Guid? PersonId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Attendees,
    string Purpose,
    string ActionField,
    Repeat Repeat,
    string Conflicts,
    IReadOnlyList<OccurrenceResponse> Occurrences,
    IReadOnlyList<SeriesCancelledFrom> Cancellations,
    long Version)
{
    public static SeriesResponse From(BookingSeries s, IReadOnlyDictionary<Guid, string> statuses, long version) => new(s.Id, s.SpaceId, s.SiteId,
        s.OrganisationId, s.PersonId, s.Start, s.End, s.Attendees, s.Purpose, s.ActionField, s.Repeat, s.Conflicts,
        [.. s.Occurrences.Select(o => new OccurrenceResponse(o.Start, o.End, o.BookingId,
            o.BookingId is { } id && statuses.TryGetValue(id, out var status) ? status : null, o.Rule))],
        s.Cancellations, version);
}

/// <summary>Reading a series: staff and auditors any, members their organisations' (others answer 404).</summary>
internal static class ReadSeries
{
    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapGet("/series/{id:guid}", Handle)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("A recurring series and its occurrences with their current status; ETag for cancelling its rest")
            .Produces<SeriesResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Handle(Guid id, HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var series = await store.LoadAsync<BookingSeries>(BookingSeries.StreamId(id), ct: ct);
        if (series is null || !http.User.CanRead(series.State.OrganisationId))
            throw new NotFoundException("series", id);
        http.Response.SetETag(series.Version);
        return Results.Ok(SeriesResponse.From(series.State, await StatusesAsync(db, series.State.BookingIds, ct), series.Version));
    }

    /// <summary>The current status of each booking, from the read model (kept inline, so it is as fresh as the streams).</summary>
    public static async Task<IReadOnlyDictionary<Guid, string>> StatusesAsync(NpgsqlDataSource db, IReadOnlyList<Guid> bookingIds, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select booking_id, status from bookings.bookings where booking_id = any($1)");
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. bookingIds] });
        var statuses = new Dictionary<Guid, string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            statuses[reader.GetGuid(0)] = reader.GetString(1);
        return statuses;
    }
}
