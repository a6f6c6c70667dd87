using Allmende.Eventing.Storage;
using Allmende.Eventing.Api;
using Allmende.Spaces.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Spaces.Spaces;

internal static class ListSpaces
{
    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapGet("", Handle)
            .RequireAuthorization(Policies.Participant)
            .WithSummary("Spaces by name; filters: siteId, floorId, kind, minCapacity, accessibility (a code), bookable, includeRetired (default false)")
            .Produces<Page<SpaceSummary>>()
            .ProducesValidationProblem();

    private static async Task<IResult> Handle(NpgsqlDataSource db, CancellationToken ct,
        [FromQuery(Name = "siteId")] string? siteIdText = null,
        [FromQuery(Name = "floorId")] string? floorIdText = null,
        string? kind = null,
        [FromQuery(Name = "minCapacity")] string? minCapacityText = null,
        string? accessibility = null,
        [FromQuery(Name = "bookable")] string? bookableText = null,
        [FromQuery(Name = "includeRetired")] string? includeRetiredText = null,
        string? offset = null,
        string? limit = null)
    {
        var page = Query.Page(offset, limit);
        var siteId = Query.Guid(siteIdText, "siteId");
        var floorId = Query.Guid(floorIdText, "floorId");
        var minCapacity = Query.Int(minCapacityText, "minCapacity");
        var bookable = Query.Bool(bookableText, "bookable");
        var includeRetired = Query.Bool(includeRetiredText, "includeRetired") ?? false;
        if (kind is not null && !Codes.IsValid<SpaceKind>(kind))
            throw new BadInputException("kind", $"kind must be {Codes.OneOf<SpaceKind>()}.");
        if (accessibility is not null && !Codes.IsValid<AccessibilityFeature>(accessibility))
            throw new BadInputException("accessibility", $"accessibility must be {Codes.OneOf<AccessibilityFeature>()}.");

        const string filter = """
            where ($1::uuid is null or site_id = $1)
              and ($2::uuid is null or floor_id = $2)
              and ($3::text is null or kind = $3)
              and ($4::int is null or capacity >= $4)
              and ($5::text is null or accessibility @> array[$5::text])
              and ($6::boolean is null or (kind <> 'not-bookable' and not retired) = $6)
              and ($7 or not retired)
            """;
        var parameters = new object?[] { siteId, floorId, kind, minCapacity, accessibility, bookable, includeRetired };
        NpgsqlDbType[] types = [NpgsqlDbType.Uuid, NpgsqlDbType.Uuid, NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text, NpgsqlDbType.Boolean, NpgsqlDbType.Boolean];

        await using var command = db.CreateCommand($"""
            select space_id, site_id, floor_id, name, kind, capacity, places, accessibility, retired, version, count(*) over ()
            from spaces.spaces
            {filter}
            order by lower(name), space_id
            offset $8 limit $9
            """);
        for (var i = 0; i < parameters.Length; i++)
            command.Parameters.Add(SqlParameters.OrNull(parameters[i], types[i]));
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });

        var items = new List<SpaceSummary>();
        long? total = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var itemKind = reader.GetString(4);
                var retired = reader.GetBoolean(8);
                items.Add(new SpaceSummary(
                    reader.GetGuid(0),
                    reader.GetGuid(1),
                    reader.IsDBNull(2) ? null : reader.GetGuid(2),
                    reader.GetString(3),
                    itemKind,
                    reader.GetInt32(5),
                    reader.IsDBNull(6) ? null : reader.GetInt32(6),
                    reader.GetFieldValue<string[]>(7),
                    itemKind != Codes.Of(SpaceKind.NotBookable) && !retired,
                    retired,
                    reader.GetInt64(9)));
                total = reader.GetInt64(10);
            }
        }

        if (total is null)
        {
            // An empty page (or one past the end) still tells the total.
            await using var count = db.CreateCommand($"select count(*) from spaces.spaces {filter}");
            for (var i = 0; i < parameters.Length; i++)
                count.Parameters.Add(SqlParameters.OrNull(parameters[i], types[i]));
            total = Convert.ToInt64(await count.ExecuteScalarAsync(ct));
        }
        return Results.Ok(new Page<SpaceSummary>(items, total.Value, page.Offset, page.Limit));
    }
}
