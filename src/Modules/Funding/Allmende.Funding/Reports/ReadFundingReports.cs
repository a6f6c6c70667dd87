using System.Globalization;
using System.Text;
using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Reporting;
using CsvHelper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Funding.Reports;

/// <summary>Reports' registration: one line each in FundingModule.</summary>
internal static class FundingReportsRegistration
{
    public static void Register(EventingOptions o)
    {
        o.AddProjection<FundingReportProjection>(ProjectionLifecycle.Inline);
    }

    public static void Map(RouteGroupBuilder funding) => ReadFundingReports.Map(funding);
}

/// <summary>What an organisation's payers paid in the range: a grant (with its funder), or the organisation's own share.</summary>
internal sealed record ActivityPayer(string Payer, Guid? GrantId, string? GrantName, Guid? FunderId, long AmountCents);

/// <summary>
/// An organisation's bookings in a range of Berlin dates, as Funding costed them, as of a log position.
/// Bookings and minutes: those in force that did not end as a no-show or a late cancellation (held or
/// still to be held); no-shows, late and other cancellations counted apart, charged or not. Who paid:
/// every cost of the range (bookings, desk fees, shares), per payer; the payers add up to the total.
/// </summary>
internal sealed record OrganisationActivity(
    Guid OrganisationId, DateOnly From, DateOnly To, DateTimeOffset? AsOf, long? Position,
    int Bookings, long Minutes, decimal Hours, int NoShows, int LateCancellations, int Cancellations,
    long TotalCents, long GrantsCents, long OwnShareCents, IReadOnlyList<ActivityPayer> PaidBy);

/// <summary>
/// GET /api/funding/reports/grants/{grantId} (funder report: JSON, CSV, printable HTML) and
/// GET /api/funding/reports/organisations/{organisationId} (activity: JSON, CSV); current or as of a
/// past instant, byte-identical each time (ADR 14). Read side only, from funding.report_* (temporal).
/// </summary>
internal static class ReadFundingReports
{
    public const string CsvType = "text/csv";
    public const string HtmlType = "text/html";

    public static void Map(RouteGroupBuilder funding)
    {
        funding.MapGet("/reports/grants/{grantId:guid}", Grant)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("What a grant paid for in a Berlin month, quarter or year containing from, or from..to (period=custom); " +
                         "current or asOf a past instant; format=json|csv|html (a funder: its own grants only)")
            .Produces<FunderReport>()
            .Produces<string>(StatusCodes.Status200OK, CsvType, HtmlType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        funding.MapGet("/reports/organisations/{organisationId:guid}", Organisation)
            .RequireAuthorization(Policies.ReadOrganisation)
            .WithSummary("An organisation's bookings, hours, no-shows, late cancellations and who paid, Berlin days from..to; " +
                         "current or asOf a past instant; format=json|csv (members: their own organisations)")
            .Produces<OrganisationActivity>()
            .Produces<string>(StatusCodes.Status200OK, CsvType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static string Format(string? format, bool html) => format switch
    {
        null or "json" => "json",
        "csv" => "csv",
        "html" when html => "html",
        _ => throw new BadInputException("format", html ? "format must be json, csv or html." : "format must be json or csv."),
    };

    private static async Task<IResult> Grant(Guid grantId, HttpContext http, NpgsqlDataSource db, AsOfResolver horizon, TimeProvider time, CancellationToken ct,
        string? period = null, string? from = null, string? to = null, string? asOf = null, string? format = null)
    {
        var range = ReportPeriod.Parse(period, from, to);
        var output = Format(format, html: true);
        var position = await horizon.ResolveAsync(AsOfQuery.Parse(asOf), ct);

        await using var connection = await db.OpenConnectionAsync(ct);
        // One snapshot for all three reads (a current report must not mix two moments).
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new($"select funder_id, name, reference, budget_cents from funding.report_grants g where grant_id = $1 and {Temporal.KnownAt("g", "$2")}"),
                new($"""
                    select cost_id, source_kind, cost_type, organisation_id, site_id, space_id, action_field, cost_date, minutes, attendees, desk_days, amount_cents
                    from funding.report_allocations a
                    where grant_id = $1 and cost_date between $3 and $4 and {Temporal.KnownAt("a", "$2")}
                    order by cost_date, cost_id, allocation_id
                    """),
                new($"""
                    select month, sum(amount_cents)::bigint from funding.report_allocations a
                    where grant_id = $1 and {Temporal.KnownAt("a", "$2")}
                    group by month
                    """),
            },
        };
        Parameters(batch.BatchCommands[0], grantId, position.Sequence);
        Parameters(batch.BatchCommands[1], grantId, position.Sequence, range.From, range.To);
        Parameters(batch.BatchCommands[2], grantId, position.Sequence);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        ReportGrant? grant = null;
        if (await reader.ReadAsync(ct))
            grant = new ReportGrant(grantId, reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3));
        await reader.NextResultAsync(ct);
        var allocations = new List<PaidAllocation>();
        while (await reader.ReadAsync(ct))
        {
            allocations.Add(new PaidAllocation(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetGuid(3), NullableGuid(reader, 4),
                NullableGuid(reader, 5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateOnly>(7), reader.GetInt32(8),
                reader.GetInt32(9), reader.GetInt32(10), reader.GetInt64(11)));
        }
        await reader.NextResultAsync(ct);
        var usedByMonth = new Dictionary<DateOnly, long>();
        while (await reader.ReadAsync(ct))
            usedByMonth[reader.GetFieldValue<DateOnly>(0)] = reader.GetInt64(1);
        await reader.DisposeAsync();
        var names = grant is null ? ReportNames.None : await NamesAsync(connection, transaction, grant.FunderId, allocations, ct);
        var purposes = await PurposeLabelsAsync(connection, transaction, allocations, ct);
        var people = await PeopleReachedAsync(connection, transaction, allocations, position.Sequence, ct);
        var advice = await AdviceAsync(connection, transaction, allocations, position.Sequence, ct);
        await transaction.CommitAsync(ct);

        // Unknown at that position, or another funder's: the same 404 (a funder learns nothing of others' grants).
        if (grant is null || !http.User.CanReadFunder(grant.FunderId))
            throw new NotFoundException("grant", position.IsCurrent ? grantId : $"{grantId} (as of {position.AsOf:O})");
        var report = FunderReports.Compute(grant, range, position.AsOf, position.Settled, position.AsOf ?? time.GetUtcNow(), allocations, usedByMonth, names, purposes, people,
            advice);
        return output switch
        {
            "csv" => Results.Text(FunderCsv(report), $"{CsvType}; charset=utf-8", Encoding.UTF8),
            "html" => Results.Text(FunderReportHtml.Render(report), $"{HtmlType}; charset=utf-8", Encoding.UTF8),
            _ => Results.Ok(report),
        };
    }

    private static async Task<IResult> Organisation(Guid organisationId, HttpContext http, NpgsqlDataSource db, AsOfResolver horizon, CancellationToken ct,
        string? from = null, string? to = null, string? asOf = null, string? format = null)
    {
        var first = Query.Date(from, "from") ?? throw new BadInputException("from", "from is required, a date like 2027-07-01.");
        var last = Query.Date(to, "to") ?? throw new BadInputException("to", "to is required, a date like 2027-09-30.");
        if (last < first)
            throw new BadInputException("to", "to must be on or after from.");
        if (last.DayNumber - first.DayNumber + 1 > ReportPeriod.MaxDays)
            throw new BadInputException("to", $"A report covers at most {ReportPeriod.MaxDays} days.");
        var output = Format(format, html: false);
        if (!http.User.CanRead(organisationId))
            throw new NotFoundException("organisation", organisationId);
        var position = await horizon.ResolveAsync(AsOfQuery.Parse(asOf), ct);

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                // Held (or to be held): in force and not ended as a no-show or late cancellation.
                new($"""
                    select count(*) filter (where held)::int, coalesce(sum(minutes) filter (where held), 0)::bigint,
                           count(*) filter (where outcome = 'no-show')::int, count(*) filter (where outcome = 'late-cancellation')::int,
                           count(*) filter (where outcome = 'cancelled')::int
                    from (select minutes, outcome, status <> 'withdrawn' and coalesce(outcome, '') not in ('no-show', 'late-cancellation') as held
                          from funding.report_costs c
                          where organisation_id = $1 and cost_date between $3 and $4 and source_kind = 'booking' and {Temporal.KnownAt("c", "$2")}) b
                    """),
                new($"""
                    select a.payer, a.grant_id, a.funder_id, sum(a.amount_cents)::bigint,
                           (select g.name from funding.report_grants g where g.grant_id = a.grant_id and {Temporal.KnownAt("g", "$2")})
                    from funding.report_allocations a
                    where a.organisation_id = $1 and a.cost_date between $3 and $4 and {Temporal.KnownAt("a", "$2")}
                    group by a.payer, a.grant_id, a.funder_id
                    order by a.payer = 'organisation', a.grant_id
                    """),
            },
        };
        foreach (var command in batch.BatchCommands.Cast<NpgsqlBatchCommand>())
            Parameters(command, organisationId, position.Sequence, first, last);
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (bookings, minutes, noShows, late, cancelled) = (reader.GetInt32(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        await reader.NextResultAsync(ct);
        var payers = new List<ActivityPayer>();
        while (await reader.ReadAsync(ct))
        {
            payers.Add(new ActivityPayer(reader.GetString(0), NullableGuid(reader, 1), reader.IsDBNull(4) ? null : reader.GetString(4),
                NullableGuid(reader, 2), reader.GetInt64(3)));
        }
        await reader.DisposeAsync();
        await transaction.CommitAsync(ct);

        var own = payers.Where(p => p.Payer == Allocation.Payers.Organisation).Sum(p => p.AmountCents);
        var total = payers.Sum(p => p.AmountCents);
        var report = new OrganisationActivity(organisationId, first, last, position.AsOf, position.Settled, bookings, minutes, FunderReports.Hours(minutes),
            noShows, late, cancelled, total, total - own, own, payers);
        return output == "csv" ? Results.Text(ActivityCsv(report), $"{CsvType}; charset=utf-8", Encoding.UTF8) : Results.Ok(report);
    }

    /// <summary>
    /// The names a funder report shows: sites, spaces and organisations from Funding's copies of Spaces'
    /// and Membership's contracts, the funder from Funding's own. Names are labels as they are now (a room
    /// renamed since shows its new name); the figures are those of the report's position.
    /// </summary>
    private static async Task<ReportNames> NamesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid funderId,
        IReadOnlyList<PaidAllocation> allocations, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select site_id, name from funding.sites where site_id = any($1)
            union all select space_id, name from funding.spaces where space_id = any($2)
            union all select organisation_id, name from funding.organisations where organisation_id = any($3)
            union all select funder_id, name from funding.funders where funder_id = $4
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. allocations.Select(a => a.SiteId).OfType<Guid>().Distinct()] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. allocations.Select(a => a.SpaceId).OfType<Guid>().Distinct()] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. allocations.Select(a => a.OrganisationId).Distinct()] });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = funderId });
        var names = new Dictionary<Guid, string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            names[reader.GetGuid(0)] = reader.GetString(1);
        return new ReportNames(names.GetValueOrDefault(funderId) ?? "", names);
    }

    /// <summary>What the purpose payments among the allocations were for (ADR 20): recorded once, never changed, so current labels are those of any position.</summary>
    private static async Task<IReadOnlyDictionary<string, PurposeLabel>> PurposeLabelsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<PaidAllocation> allocations, CancellationToken ct)
    {
        var labels = new Dictionary<string, PurposeLabel>(StringComparer.Ordinal);
        string[] costs = [.. allocations.Where(a => a.CostType == Grants.CostTypes.PurposePayments).Select(a => a.CostId).Distinct()];
        if (costs.Length == 0)
            return labels;
        await using var command = new NpgsqlCommand("""
            select payment_id, what_for, receipt_reference from funding.purpose_payments
            where ('purpose-payment-' || payment_id::text) = any($1)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = costs });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            labels[Purposes.PurposePayment.StreamId(id)] = new PurposeLabel(id, reader.GetString(1), reader.GetString(2));
        }
        return labels;
    }

    /// <summary>People counted at open offers held in the paid bookings, by the booking's cost id, as known at the position (ADR 20).</summary>
    private static async Task<IReadOnlyDictionary<string, long>> PeopleReachedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<PaidAllocation> allocations, long position, CancellationToken ct)
    {
        var people = new Dictionary<string, long>(StringComparer.Ordinal);
        Guid[] bookings = [.. allocations.Where(a => a.SourceKind == Allocation.SourceKinds.Booking)
            .Select(a => Guid.TryParse(a.CostId.AsSpan(BookingCostPrefix.Length), out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct()];
        if (bookings.Length == 0)
            return people;
        await using var command = new NpgsqlCommand($"""
            select r.booking_id, sum(r.attendees)::bigint from funding.report_people_reached r
            where r.booking_id = any($1) and {Temporal.KnownAt("r", "$2")}
            group by r.booking_id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = bookings });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            people[Allocation.Cost.BookingStreamId(reader.GetGuid(0))] = reader.GetInt64(1);
        return people;
    }

    /// <summary>Appointments with an advisor held in the paid bookings, as recorded and known at the position (ADR 19).</summary>
    private static async Task<IReadOnlyList<AdviceRow>> AdviceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<PaidAllocation> allocations, long position, CancellationToken ct)
    {
        Guid[] bookings = [.. allocations.Where(a => a.SourceKind == Allocation.SourceKinds.Booking)
            .Select(a => Guid.TryParse(a.CostId.AsSpan(BookingCostPrefix.Length), out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).Distinct()];
        var rows = new List<AdviceRow>();
        if (bookings.Length == 0)
            return rows;
        await using var command = new NpgsqlCommand($"""
            select r.appointment_id, r.booking_id, r.client_id, r.held, r.outcomes::text from funding.report_advice r
            where r.booking_id = any($1) and {Temporal.KnownAt("r", "$2")}
            order by r.appointment_id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = bookings });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new AdviceRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetBoolean(3),
                System.Text.Json.JsonSerializer.Deserialize<List<Advice.AdviceOutcome>>(reader.GetString(4), FundingReportProjection.AdviceJson)!));
        }
        return rows;
    }

    private const string BookingCostPrefix = "booking-cost-";

    /// <summary>$1 the grant or organisation, $2 the position, then ($3, $4) the Berlin dates if given.</summary>
    private static void Parameters(NpgsqlBatchCommand command, Guid id, long position, DateOnly? from = null, DateOnly? to = null)
    {
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = position });
        if (from is { } first && to is { } last)
        {
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = first });
            command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = last });
        }
    }

    private static Guid? NullableGuid(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string N(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string D(DateOnly value) => value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Long form, one figure a row: section, key (an action field, a site, a space, a month, a payer),
    /// measure, value. Invariant numbers, "\n" line ends; names escaped against spreadsheet formulas.
    /// </summary>
    private static string FunderCsv(FunderReport r)
    {
        var rows = new List<(string Section, string Key, string Measure, string Value)>
        {
            ("grant", r.GrantId.ToString(), "name", r.GrantName),
            ("grant", r.GrantId.ToString(), "reference", r.Reference),
            ("grant", r.GrantId.ToString(), "funderId", r.FunderId.ToString()),
            ("funder", r.FunderId.ToString(), "name", r.FunderName),
            ("period", r.Period, "from", D(r.From)),
            ("period", r.Period, "to", D(r.To)),
            ("report", "", "asOf", r.AsOf?.ToString("O", CultureInfo.InvariantCulture) ?? ""),
            ("report", "", "position", r.Position is { } p ? N(p) : ""),
            ("report", "", "madeAt", r.MadeAt.ToString("O", CultureInfo.InvariantCulture)),
            ("total", "", "bookings", N(r.Bookings)),
            ("total", "", "minutes", N(r.Minutes)),
            ("total", "", "hours", N(r.Hours)),
            ("total", "", "organisations", N(r.Organisations)),
            ("total", "", "attendeesReached", N(r.AttendeesReached)),
            ("total", "", "peopleReached", N(r.PeopleReached)),
            ("total", "", "amountCents", N(r.AmountCents)),
        };
        foreach (var f in r.ByOrganisation)
            rows.AddRange([("organisation", f.OrganisationId.ToString(), "name", f.Name), .. Group("organisation", f.OrganisationId.ToString(), f.Bookings, f.Minutes, f.Hours, f.AmountCents)]);
        foreach (var f in r.ByActionField)
            rows.AddRange([("action-field", f.ActionField, "label", f.Label), .. Group("action-field", f.ActionField, f.Bookings, f.Minutes, f.Hours, f.AmountCents),
                ("action-field", f.ActionField, "peopleReached", N(f.PeopleReached))]);
        foreach (var f in r.BySite)
            rows.AddRange([("site", f.SiteId.ToString(), "name", f.Name), .. Group("site", f.SiteId.ToString(), f.Bookings, f.Minutes, f.Hours, f.AmountCents)]);
        foreach (var f in r.BySpace)
            rows.AddRange([("space", f.SpaceId.ToString(), "name", f.Name), ("space", f.SpaceId.ToString(), "siteId", f.SiteId.ToString()),
                .. Group("space", f.SpaceId.ToString(), f.Bookings, f.Minutes, f.Hours, f.AmountCents)]);
        rows.Add(("desk-fees", "", "fees", N(r.DeskFees.Fees)));
        rows.Add(("desk-fees", "", "deskMonths", N(r.DeskFees.DeskMonths)));
        rows.Add(("desk-fees", "", "amountCents", N(r.DeskFees.AmountCents)));
        rows.Add(("cooperative-shares", "", "payments", N(r.CooperativeShares.Payments)));
        rows.Add(("cooperative-shares", "", "amountCents", N(r.CooperativeShares.AmountCents)));
        rows.Add(("usage-fees", "", "fees", N(r.UsageFees.Fees)));
        rows.Add(("usage-fees", "", "amountCents", N(r.UsageFees.AmountCents)));
        rows.Add(("purpose-payments", "", "payments", N(r.Purposes.Payments)));
        rows.Add(("purpose-payments", "", "amountCents", N(r.Purposes.AmountCents)));
        rows.Add(("advice", "", "appointmentsHeld", N(r.Advice.AppointmentsHeld)));
        rows.Add(("advice", "", "appointmentsNotHeld", N(r.Advice.AppointmentsNotHeld)));
        rows.Add(("advice", "", "peopleAdvised", N(r.Advice.PeopleAdvised)));
        foreach (var o in r.Advice.Outcomes)
            rows.Add(("advice-outcome", o.Kind, "count", N(o.Count)));
        foreach (var payment in r.Purposes.Items)
        {
            var key = payment.PaymentId.ToString();
            rows.AddRange([("purpose-payment", key, "paidOn", D(payment.PaidOn)), ("purpose-payment", key, "whatFor", payment.WhatFor),
                ("purpose-payment", key, "receiptReference", payment.ReceiptReference), ("purpose-payment", key, "organisationId", payment.OrganisationId.ToString()),
                ("purpose-payment", key, "amountCents", N(payment.AmountCents))]);
        }
        rows.Add(("budget", "", "budgetCents", N(r.Budget.BudgetCents)));
        rows.Add(("budget", "", "allocatedInPeriodCents", N(r.Budget.AllocatedInPeriodCents)));
        rows.Add(("budget", "", "usedToDateCents", N(r.Budget.UsedToDateCents)));
        rows.Add(("budget", "", "remainingCents", N(r.Budget.RemainingCents)));
        foreach (var month in r.Months)
        {
            foreach (var field in month.MinutesByActionField)
                rows.Add(("month", month.Month, $"minutes:{field.ActionField}", N(field.Minutes)));
            rows.Add(("month", month.Month, "remainingCents", N(month.RemainingCents)));
        }
        return Csv(rows);
    }

    private static IEnumerable<(string, string, string, string)> Group(string section, string key, int bookings, long minutes, decimal hours, long amount) =>
    [
        (section, key, "bookings", N(bookings)), (section, key, "minutes", N(minutes)), (section, key, "hours", N(hours)), (section, key, "amountCents", N(amount)),
    ];

    private static string ActivityCsv(OrganisationActivity r)
    {
        var rows = new List<(string Section, string Key, string Measure, string Value)>
        {
            ("organisation", r.OrganisationId.ToString(), "from", D(r.From)),
            ("organisation", r.OrganisationId.ToString(), "to", D(r.To)),
            ("report", "", "asOf", r.AsOf?.ToString("O", CultureInfo.InvariantCulture) ?? ""),
            ("report", "", "position", r.Position is { } p ? N(p) : ""),
            ("total", "", "bookings", N(r.Bookings)),
            ("total", "", "minutes", N(r.Minutes)),
            ("total", "", "hours", N(r.Hours)),
            ("total", "", "noShows", N(r.NoShows)),
            ("total", "", "lateCancellations", N(r.LateCancellations)),
            ("total", "", "cancellations", N(r.Cancellations)),
            ("total", "", "totalCents", N(r.TotalCents)),
            ("total", "", "grantsCents", N(r.GrantsCents)),
            ("total", "", "ownShareCents", N(r.OwnShareCents)),
        };
        // A grant by its id, with its name (what a member recognises); the own share keyed "organisation".
        foreach (var payer in r.PaidBy)
        {
            var key = payer.GrantId?.ToString() ?? payer.Payer;
            if (payer.GrantName is { } name)
                rows.Add(("paid-by", key, "grantName", name));
            rows.Add(("paid-by", key, "amountCents", N(payer.AmountCents)));
        }
        return Csv(rows);
    }

    private static string Csv(IEnumerable<(string Section, string Key, string Measure, string Value)> rows)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        // Grant names and action fields are free text: escaped so that a spreadsheet never runs one as a formula.
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\n", Injection = CsvInjection.Escape }, true))
        {
            foreach (var header in new[] { "section", "key", "measure", "value" })
                csv.WriteField(header);
            csv.EndRecord();
            foreach (var (section, key, measure, value) in rows)
            {
                csv.WriteField(section);
                csv.WriteField(key);
                csv.WriteField(measure);
                csv.WriteField(value);
                csv.EndRecord();
            }
        }
        return text.ToString();
    }
}
