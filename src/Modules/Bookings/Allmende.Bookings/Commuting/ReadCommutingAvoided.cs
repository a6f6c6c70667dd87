using System.Globalization;
using System.Text;
using Allmende.Bookings.Reports;
using Allmende.Eventing.Api;
using CsvHelper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.Commuting;

/// <summary>
/// The commuting a site (or the sites a grant covers) avoided, per Berlin month from..to and in total,
/// with the factors used and their source. Figures only: no person is named.
/// </summary>
internal sealed record CommutingAvoidedReport(Guid? SiteId, Guid? GrantId, IReadOnlyList<Guid> SiteIds, string From, string To,
    IReadOnlyList<CommutingMonth> Months, CommutingMonth Total, string FactorSource, IReadOnlyList<EmissionFactor> Factors);

/// <summary>
/// GET /api/reports/commuting-avoided?siteId=&amp;from=yyyy-MM&amp;to=yyyy-MM (staff, auditors) and
/// GET /api/reports/grants/{grantId}/commuting-avoided?from=&amp;to= (also the grant's funder; another
/// funder's grant is the same 404 as an unknown one): JSON, or CSV with format=csv or Accept: text/csv.
/// Current figures: the survey copy keeps only each person's newest answer, so a past instant could not
/// be answered byte for byte (ADR 21).
/// </summary>
internal static class ReadCommutingAvoided
{
    public const int MaxMonths = 36;

    private static readonly string[] DeskKinds = ["flexible-desk-area", "fixed-desk"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/reports/commuting-avoided", SiteAsync)
            .WithTags("Reports")
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Commuting avoided at a site per Europe/Berlin month (from..to, yyyy-MM): desk-days of surveyed persons × one-way km × 2, " +
                         "and CO2e by means of transport; JSON, or CSV with format=csv or Accept: text/csv")
            .Produces<CommutingAvoidedReport>()
            .Produces<string>(StatusCodes.Status200OK, ReadOccupancy.CsvType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        endpoints.MapGet("/api/reports/grants/{grantId:guid}/commuting-avoided", GrantAsync)
            .WithTags("Reports")
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("Commuting avoided at the sites a grant covers per Europe/Berlin month (from..to, yyyy-MM); a funder reads only its own grants")
            .Produces<CommutingAvoidedReport>()
            .Produces<string>(StatusCodes.Status200OK, ReadOccupancy.CsvType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> SiteAsync(HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        string? siteId = null, string? from = null, string? to = null, string? format = null)
    {
        var site = Query.Guid(siteId, "siteId") ?? throw new BadInputException("siteId", "siteId is required.");
        var (first, last, csv) = Parse(http, from, to, format);
        if (!await SiteExistsAsync(db, site, ct))
            throw new NotFoundException("site", site);
        return await AnswerAsync(db, site, null, [site], first, last, csv, ct);
    }

    private static async Task<IResult> GrantAsync(Guid grantId, HttpContext http, NpgsqlDataSource db, CancellationToken ct,
        string? from = null, string? to = null, string? format = null)
    {
        var (first, last, csv) = Parse(http, from, to, format);
        await using var command = db.CreateCommand("""
            select g.funder_id,
                   array(select distinct site_id from (
                       select s.site_id from bookings.sites s
                       where cardinality(g.site_ids) = 0 and cardinality(g.space_ids) = 0 or s.site_id = any(g.site_ids)
                       union
                       select sp.site_id from bookings.spaces sp where sp.space_id = any(g.space_ids)) covered order by 1)
            from bookings.grant_places g where g.grant_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = grantId });
        Guid funderId;
        Guid[] sites;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new NotFoundException("grant", grantId);
            (funderId, sites) = (reader.GetGuid(0), reader.GetFieldValue<Guid[]>(1));
        }
        if (!http.User.CanReadFunder(funderId))
            throw new NotFoundException("grant", grantId);
        return await AnswerAsync(db, null, grantId, sites, first, last, csv, ct);
    }

    private static (DateOnly First, DateOnly Last, bool Csv) Parse(HttpContext http, string? from, string? to, string? format)
    {
        var first = Query.RequiredMonth(from, "from");
        var last = Query.RequiredMonth(to, "to");
        if (last < first)
            throw new BadInputException("to", "to must be the month of from or later.");
        if ((last.Year - first.Year) * 12 + last.Month - first.Month + 1 > MaxMonths)
            throw new BadInputException("to", $"A report covers at most {MaxMonths} months.");
        var csv = format switch
        {
            null => http.Request.Headers.Accept.ToString().Contains(ReadOccupancy.CsvType, StringComparison.OrdinalIgnoreCase),
            "csv" => true,
            "json" => false,
            _ => throw new BadInputException("format", "format must be json or csv."),
        };
        return (first, last, csv);
    }

    private static async Task<IResult> AnswerAsync(NpgsqlDataSource db, Guid? siteId, Guid? grantId, Guid[] sites, DateOnly first, DateOnly last, bool csv,
        CancellationToken ct)
    {
        var (bookings, surveys) = await LoadAsync(db, sites, Occupancy.StartOf(first), Occupancy.StartOf(last.AddMonths(1)), ct);
        var (months, total) = CommutingAvoided.Compute(first, last, bookings, surveys);
        var report = new CommutingAvoidedReport(siteId, grantId, sites, Month(first), Month(last), months, total, EmissionFactors.Source, EmissionFactors.All);
        return csv ? Results.Text(Csv(report), $"{ReadOccupancy.CsvType}; charset=utf-8", Encoding.UTF8) : Results.Ok(report);
    }

    private static string Month(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The desk bookings of persons at the sites that touch the period, and the survey figures of those persons, in one snapshot.</summary>
    private static async Task<(List<DeskBooking>, Dictionary<Guid, CommuteSurvey>)> LoadAsync(NpgsqlDataSource db, Guid[] sites,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("""
                    select b.person_id, b.starts_at, b.ends_at from bookings.bookings b
                    join bookings.spaces s on s.space_id = b.space_id
                    where b.person_id is not null and b.site_id = any($1) and s.kind = any($2) and b.status = any($3)
                      and b.starts_at < $5 and b.ends_at > $4
                    """),
                new NpgsqlBatchCommand("""
                    select c.person_id, c.one_way_km, c.means from bookings.commute_surveys c
                    where exists (select from bookings.bookings b where b.person_id = c.person_id and b.site_id = any($1)
                                  and b.starts_at < $3 and b.ends_at > $2)
                    """),
            },
        };
        var parameters = batch.BatchCommands[0].Parameters;
        parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = sites });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = DeskKinds });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. Occupancy.Used] });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        var surveyParameters = batch.BatchCommands[1].Parameters;
        surveyParameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = sites });
        surveyParameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        surveyParameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });

        var bookings = new List<DeskBooking>();
        var surveys = new Dictionary<Guid, CommuteSurvey>();
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            bookings.Add(new DeskBooking(reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
            surveys[reader.GetGuid(0)] = new CommuteSurvey(reader.GetDecimal(1), reader.GetString(2));
        return (bookings, surveys);
    }

    private static async Task<bool> SiteExistsAsync(NpgsqlDataSource db, Guid siteId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select exists (select from bookings.sites where site_id = $1)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = siteId });
        return await command.ExecuteScalarAsync(ct) is true;
    }

    /// <summary>One row per month and means (scope "means"), per month (scope "month"), then the total; invariant numbers.</summary>
    private static string Csv(CommutingAvoidedReport report)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\n", Injection = CsvInjection.Escape }, true))
        {
            foreach (var header in new[] { "scope", "month", "means", "surveyedPersons", "deskDays", "kmAvoided", "co2KgAvoided", "unsurveyedDeskDays" })
                csv.WriteField(header);
            csv.EndRecord();
            foreach (var month in report.Months.Append(report.Total))
            {
                foreach (var means in month.ByMeans)
                    Row(csv, "means", month.Month, means.Means, "", means.DeskDays, means.KmAvoided, means.Co2KgAvoided, "");
                Row(csv, month.Month == "total" ? "total" : "month", month.Month, "", Number(month.SurveyedPersons), month.DeskDays, month.KmAvoided,
                    month.Co2KgAvoided, Number(month.UnsurveyedDeskDays));
            }
        }
        return text.ToString();
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Row(CsvWriter csv, string scope, string month, string means, string persons, int deskDays, decimal km, decimal kg, string unsurveyed)
    {
        foreach (var field in new[] { scope, month, means, persons, Number(deskDays), km.ToString(CultureInfo.InvariantCulture),
                     kg.ToString(CultureInfo.InvariantCulture), unsurveyed })
            csv.WriteField(field);
        csv.EndRecord();
    }
}
