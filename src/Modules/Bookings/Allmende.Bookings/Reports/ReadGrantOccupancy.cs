using Allmende.Eventing.Api;
using Allmende.Eventing.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Reports;

/// <summary>One Europe/Berlin month of a space: hours open, booked (used) and booked but not used (no-shows), to two decimals.</summary>
internal sealed record GrantOccupancyMonth(string Month, decimal OpenHours, decimal BookedHours, decimal NoShowHours, decimal? Utilisation);

internal sealed record GrantOccupancySpace(Guid SpaceId, Guid SiteId, string Name, string Kind, int Places,
    IReadOnlyList<GrantOccupancyMonth> Months, GrantOccupancyMonth Total);

/// <summary>
/// The occupancy of the spaces a grant covers. Figures only: which organisation booked is not shown,
/// since a funder pays for some bookings of a space and must not learn who else uses it.
/// </summary>
internal sealed record GrantOccupancyReport(Guid GrantId, DateOnly From, DateOnly To, IReadOnlyList<GrantOccupancySpace> Spaces);

/// <summary>
/// GET /api/reports/grants/{id}/occupancy: booked hours against opening hours, per space and month, of
/// only the spaces the grant covers (its sites' spaces and its spaces; every space for a grant limited
/// to no place). A funder reads only its own grants: another's is the same 404 as an unknown one.
/// The figures are <see cref="Occupancy.Compute"/>'s, site by site, as the staff report computes them.
/// </summary>
internal static class ReadGrantOccupancy
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/api/reports/grants/{grantId:guid}/occupancy", HandleAsync)
            .WithTags("Reports")
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("Occupancy (booked vs opening hours) per space and Europe/Berlin month of the spaces a grant covers (from..to inclusive); " +
                         "a funder reads only its own grants")
            .Produces<GrantOccupancyReport>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<IResult> HandleAsync(Guid grantId, HttpContext http, NpgsqlDataSource db, AsOfResolver horizon, CancellationToken ct,
        string? from = null, string? to = null)
    {
        var first = Query.RequiredDate(from, "from", "2026-01-01");
        var last = Query.RequiredDate(to, "to", "2026-12-31");
        if (last < first)
            throw new BadInputException("to", "to must be on or after from.");
        if (last.DayNumber - first.DayNumber + 1 > ReadOccupancy.MaxDays)
            throw new BadInputException("to", $"A report covers at most {ReadOccupancy.MaxDays} days.");

        var places = await PlacesAsync(db, grantId, ct);
        if (places is null || !http.User.CanReadFunder(places.Value.FunderId))
            throw new NotFoundException("grant", grantId);
        var (_, siteIds, spaceIds) = places.Value;
        var everyPlace = siteIds.Length == 0 && spaceIds.Length == 0;

        var position = await horizon.ResolveAsync(AsOfQuery.Parse(null), ct);
        var result = new List<GrantOccupancySpace>();
        foreach (var siteId in await SitesAsync(db, everyPlace, siteIds, spaceIds, ct))
        {
            var (site, spaces, bookings) = await ReadOccupancy.LoadAsync(db, siteId, Occupancy.StartOf(first), Occupancy.StartOf(last.AddDays(1)),
                position.Sequence, ct);
            if (site is null)
                continue;
            var covered = spaces.Where(s => everyPlace || siteIds.Contains(siteId) || spaceIds.Contains(s.SpaceId)).ToList();
            var (bySpace, _) = Occupancy.Compute(first, last, Occupancy.Month, site, covered, bookings);
            result.AddRange(bySpace.Select(s => new GrantOccupancySpace(s.SpaceId, siteId, s.Name, s.Kind, s.Places,
                [.. s.Buckets.Select(Hours)], Hours(s.Total))));
        }
        return Results.Ok(new GrantOccupancyReport(grantId, first, last, [.. result.OrderBy(s => s.Name, StringComparer.Ordinal).ThenBy(s => s.SpaceId)]));
    }

    private static GrantOccupancyMonth Hours(OccupancyBucket b) =>
        new(b.Bucket, Math.Round(b.OpenMinutes / 60m, 2), Math.Round(b.BookedMinutes / 60m, 2), Math.Round(b.UnusedMinutes / 60m, 2), b.Utilisation);

    private static async Task<(Guid FunderId, Guid[] SiteIds, Guid[] SpaceIds)?> PlacesAsync(NpgsqlDataSource db, Guid grantId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select funder_id, site_ids, space_ids from bookings.grant_places where grant_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = grantId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetGuid(0), reader.GetFieldValue<Guid[]>(1), reader.GetFieldValue<Guid[]>(2)) : null;
    }

    /// <summary>The sites to read: the grant's sites and those of its spaces, or every site for a grant limited to no place.</summary>
    private static async Task<List<Guid>> SitesAsync(NpgsqlDataSource db, bool everyPlace, Guid[] siteIds, Guid[] spaceIds, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select distinct site_id from bookings.report_sites where known_until_seq is null and ($1 or site_id = any($2))
            union
            select distinct site_id from bookings.report_spaces where known_until_seq is null and space_id = any($3)
            order by 1
            """);
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = everyPlace });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = siteIds });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = spaceIds });
        var sites = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            sites.Add(reader.GetGuid(0));
        return sites;
    }
}
