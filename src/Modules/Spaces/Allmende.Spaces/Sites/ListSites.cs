using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Spaces.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Spaces.Sites;

internal static class ListSites
{
    public static void Map(RouteGroupBuilder sites) =>
        sites.MapGet("", Handle)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("Sites by name; filters: name (contains, any case), activeOn (a local date inside the lease)")
            .Produces<Page<SiteSummary>>()
            .ProducesValidationProblem();

    private static async Task<IResult> Handle(NpgsqlDataSource db, CancellationToken ct,
        string? name = null, [FromQuery(Name = "activeOn")] string? activeOnText = null, string? offset = null, string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var activeOn = Query.Date(activeOnText, "activeOn");
        await using var command = db.CreateCommand($"""
            select site_id, name, street, postal_code, city, lease_from, lease_until, version, count(*) over ()
            from spaces.sites
            {Filter}
            order by lower(name), site_id
            offset $3 limit $4
            """);
        AddFilter(command, name, activeOn);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });

        var items = new List<SiteSummary>();
        long? total = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var from = reader.IsDBNull(5) ? (DateOnly?)null : reader.GetFieldValue<DateOnly>(5);
                var until = reader.IsDBNull(6) ? (DateOnly?)null : reader.GetFieldValue<DateOnly>(6);
                items.Add(new SiteSummary(
                    reader.GetGuid(0),
                    reader.GetString(1),
                    new AddressDto(reader.GetString(2), reader.GetString(3), reader.GetString(4)),
                    from is null && until is null ? null : new LeaseDto(from, until),
                    reader.GetInt64(7)));
                total = reader.GetInt64(8);
            }
        }
        // An empty page (or one past the end) still tells the total.
        total ??= await CountAsync(db, name, activeOn, ct);
        return Results.Ok(new Page<SiteSummary>(items, total.Value, page.Offset, page.Limit));
    }

    private const string Filter = """
        where ($1::text is null or strpos(lower(name), lower($1)) > 0)
          and ($2::date is null or ((lease_from is null or lease_from <= $2) and (lease_until is null or lease_until >= $2)))
        """;

    private static void AddFilter(NpgsqlCommand command, string? name, DateOnly? activeOn)
    {
        command.Parameters.Add(SqlParameters.OrNull(name, NpgsqlDbType.Text));
        command.Parameters.Add(SqlParameters.OrNull(activeOn, NpgsqlDbType.Date));
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string? name, DateOnly? activeOn, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select count(*) from spaces.sites {Filter}");
        AddFilter(command, name, activeOn);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }
}
