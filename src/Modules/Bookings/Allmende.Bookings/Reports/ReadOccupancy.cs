using System.Globalization;
using System.Text;
using System.Text.Json;
using Allmende.Bookings.Bookings;
using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Reporting;
using Allmende.Eventing.Storage;
using Allmende.Spaces.Contracts;
using CsvHelper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Reports;

/// <summary>Reports' registration: one line each in BookingsModule.</summary>
internal static class ReportsRegistration
{
    public static void Register(EventingOptions o)
    {
        foreach (var (type, name) in HouseHistoryNames.All)
            o.Types.Register(type, name);
        o.AddProjection<BookedTimeProjection>(ProjectionLifecycle.Inline);
        o.AddProjection<HouseHistoryProjection>(ProjectionLifecycle.Inline);
    }

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        ReadOccupancy.Map(endpoints);
        ReadGrantOccupancy.Map(endpoints);
        Commuting.ReadCommutingAvoided.Map(endpoints);
    }
}

/// <summary>
/// GET /api/reports/occupancy: utilisation of a site's spaces against its opening hours, by day, ISO
/// week, month, local hour of day or weekday, current or as of a past instant (byte-identical each
/// time it is asked), as JSON or CSV. Read side only.
/// </summary>
internal static class ReadOccupancy
{
    public const int MaxDays = 366;
    public const string CsvType = "text/csv";

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/api/reports/occupancy", HandleOccupancy)
            .WithTags("Reports")
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Occupancy of a site's spaces against its opening hours (Europe/Berlin days from..to inclusive, by=day|week|month|hour-of-day|weekday), " +
                         "current or asOf a past instant; JSON, or CSV with format=csv or Accept: text/csv")
            .Produces<OccupancyReport>()
            .Produces<string>(StatusCodes.Status200OK, CsvType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> HandleOccupancy(HttpContext http, NpgsqlDataSource db, AsOfResolver horizon, CancellationToken ct,
        [FromQuery(Name = "siteId")] string? siteIdText = null,
        string? from = null,
        string? to = null,
        string? by = null,
        string? asOf = null,
        string? format = null)
    {
        var siteId = Query.Guid(siteIdText, "siteId") ?? throw new BadInputException("siteId", "siteId is required.");
        var first = Date(from, "from");
        var last = Date(to, "to");
        if (last < first)
            throw new BadInputException("to", "to must be on or after from.");
        if (last.DayNumber - first.DayNumber + 1 > MaxDays)
            throw new BadInputException("to", $"A report covers at most {MaxDays} days.");
        by ??= Occupancy.Day;
        if (!Occupancy.Groupings.Contains(by))
            throw new BadInputException("by", $"by must be one of {string.Join(", ", Occupancy.Groupings)}.");
        var csv = format switch
        {
            null => http.Request.Headers.Accept.ToString().Contains(CsvType, StringComparison.OrdinalIgnoreCase),
            "csv" => true,
            "json" => false,
            _ => throw new BadInputException("format", "format must be json or csv."),
        };
        var position = await horizon.ResolveAsync(AsOfQuery.Parse(asOf), ct);

        var (site, spaces, bookings) = await LoadAsync(db, siteId, Occupancy.StartOf(first), Occupancy.StartOf(last.AddDays(1)), position.Sequence, ct);
        if (site is null)
        {
            throw new NotFoundException("site", position.IsCurrent ? siteId : $"{siteId} (as of {position.AsOf:O})");
        }
        var (bySpace, total) = Occupancy.Compute(first, last, by, site, spaces, bookings);
        var report = new OccupancyReport(siteId, first, last, by, position.AsOf, position.Settled, bySpace, total);
        return csv
            ? Results.Text(Csv(report), $"{CsvType}; charset=utf-8", Encoding.UTF8)
            : Results.Ok(report);
    }

    private static DateOnly Date(string? value, string name) =>
        Query.RequiredDate(value, name, "2026-10-25");

    /// <summary>The site, its closures in the period, its spaces and their bookings in the period, all as of one position, in one round trip.</summary>
    internal static async Task<(OccupancySite? Site, List<OccupancySpace> Spaces, List<OccupancyBooking> Bookings)> LoadAsync(
        NpgsqlDataSource db, Guid siteId, DateTimeOffset from, DateTimeOffset to, long position, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        // One snapshot for all four reads (a current report must not mix two moments).
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Read($"select opening_hours::text, lease_starts_at, lease_ends_at from bookings.report_sites s where site_id = $1 and {Temporal.KnownAt("s", "$2")}"),
                Read($"""
                    select lower(during), upper(during) from bookings.report_closures c
                    where site_id = $1 and not removed and during && tstzrange($3, $4, '[)') and {Temporal.KnownAt("c", "$2")}
                    order by lower(during), upper(during)
                    """),
                Read($"""
                    select space_id, name, kind, places, retired_at from bookings.report_spaces p
                    where site_id = $1 and kind <> '' and (retired_at is null or retired_at > $3) and {Temporal.KnownAt("p", "$2")}
                    """),
                // The status list repeats the partial index's predicate word for word, so the planner uses it.
                Read($"""
                    select space_id, lower(during), upper(during), status, whole_space, attendees from bookings.report_bookings b
                    where site_id = $1 and during && tstzrange($3, $4, '[)') and status in ('confirmed', 'checked-in', 'completed', 'no-show')
                      and {Temporal.KnownAt("b", "$2")}
                    """),
            },
        };
        foreach (var command in batch.BatchCommands)
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = siteId });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
            command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);
        (string Hours, DateTimeOffset? LeaseStartsAt, DateTimeOffset? LeaseEndsAt)? siteRow = null;
        if (await reader.ReadAsync(ct))
            siteRow = (reader.GetString(0), Instant(reader, 1), Instant(reader, 2));
        await reader.NextResultAsync(ct);
        var closures = new List<(DateTimeOffset, DateTimeOffset)>();
        while (await reader.ReadAsync(ct))
            closures.Add((reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1)));
        await reader.NextResultAsync(ct);
        var spaces = new List<OccupancySpace>();
        while (await reader.ReadAsync(ct))
        {
            spaces.Add(new OccupancySpace(reader.GetGuid(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetInt32(3), Instant(reader, 4)));
        }
        await reader.NextResultAsync(ct);
        var bookings = new List<OccupancyBooking>();
        while (await reader.ReadAsync(ct))
        {
            bookings.Add(new OccupancyBooking(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetString(3), reader.GetBoolean(4), reader.GetInt32(5)));
        }
        await reader.DisposeAsync();
        await transaction.CommitAsync(ct);

        var site = siteRow is { } row
            ? new OccupancySite(JsonSerializer.Deserialize<List<OpeningInterval>>(row.Hours, EventingJson.Options) ?? [], row.LeaseStartsAt, row.LeaseEndsAt, closures)
            : null;
        return (site, spaces, bookings);
    }

    private static NpgsqlBatchCommand Read(string sql) => new(sql);

    private static DateTimeOffset? Instant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>One row per space and bucket (then its total), then the site's; invariant numbers, "\n" line ends.</summary>
    private static string Csv(OccupancyReport report)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        // Space names are staff's free text: escaped so that a spreadsheet never runs one as a formula.
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\n", Injection = CsvInjection.Escape }, true))
        {
            foreach (var header in new[] { "scope", "spaceId", "space", "kind", "places", "bucket", "openMinutes", "bookedMinutes", "unusedMinutes", "utilisation" })
                csv.WriteField(header);
            csv.EndRecord();
            foreach (var space in report.Spaces)
            {
                foreach (var bucket in space.Buckets.Append(space.Total))
                    Row(csv, "space", space.SpaceId.ToString(), space.Name, space.Kind, space.Places.ToString(CultureInfo.InvariantCulture), bucket);
            }
            foreach (var bucket in report.Site.Buckets.Append(report.Site.Total))
                Row(csv, "site", "", "", "", "", bucket);
        }
        return text.ToString();
    }

    private static void Row(CsvWriter csv, string scope, string spaceId, string name, string kind, string places, OccupancyBucket bucket)
    {
        foreach (var field in new[] { scope, spaceId, name, kind, places, bucket.Bucket })
            csv.WriteField(field);
        csv.WriteField(bucket.OpenMinutes.ToString(CultureInfo.InvariantCulture));
        csv.WriteField(bucket.BookedMinutes.ToString(CultureInfo.InvariantCulture));
        csv.WriteField(bucket.UnusedMinutes.ToString(CultureInfo.InvariantCulture));
        csv.WriteField(bucket.Utilisation?.ToString(CultureInfo.InvariantCulture) ?? "");
        csv.EndRecord();
    }
}
