using Allmende.Bookings.Bookings;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Quotas;

/// <summary>A booking counted in the month and its split.</summary>
internal sealed record QuotaBooking(Guid BookingId, int FreeMinutes);

/// <summary>
/// An organisation's free minutes in a Europe/Berlin month: the allowance its plans give now, the free
/// minutes its bookings took, what is left (never below 0), and the bookings counted.
/// </summary>
internal sealed record QuotaResponse(Guid OrganisationId, string Month, int AllowanceMinutes, int UsedMinutes, int RemainingMinutes,
    IReadOnlyList<QuotaBooking> Bookings, long Version);

internal static class ReadQuotas
{
    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapGet("/quotas", Handle)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("An organisation's free minutes in a month (month=yyyy-MM, Europe/Berlin): allowance, used, remaining")
            .Produces<QuotaResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> Handle(HttpContext http, EventStore store, NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "organisationId")] string? organisationIdText = null,
        string? month = null)
    {
        var organisationId = Query.Guid(organisationIdText, "organisationId") ?? throw new BadInputException("organisationId", "organisationId is required.");
        if (!QuotaMonths.TryParse(month, out var first))
            throw new BadInputException("month", "month must be a month like 2027-06.");
        Query.Bounded(first, "month");
        // Members ask only of their own organisations; any other is unknown to them.
        if (!http.User.CanRead(organisationId))
            throw new NotFoundException("organisation", organisationId);

        var allowance = await QuotaLedger.Over(db).AllowanceMinutesAsync(organisationId, month!, ct);
        var quota = await store.LoadAsync<OrganisationMonthQuota>(OrganisationMonthQuota.StreamId(organisationId, month!), ct: ct);
        var state = quota?.State ?? OrganisationMonthQuota.Initial;
        var used = state.UsedMinutes;
        return Results.Ok(new QuotaResponse(organisationId, month!, allowance, used, Math.Max(0, allowance - used),
            [.. state.FreeByBooking.OrderBy(b => b.Key).Select(b => new QuotaBooking(b.Key, b.Value))], quota?.Version ?? 0));
    }
}
