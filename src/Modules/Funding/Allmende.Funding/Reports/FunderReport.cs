using Allmende.Eventing.Api;
using Allmende.Funding.Allocation;
using Allmende.Funding.Common;
using Allmende.Funding.Grants;

namespace Allmende.Funding.Reports;

/// <summary>Bookings (distinct), their minutes and hours, and what the grant paid, for one group of a funder report.</summary>
internal sealed record ReportFigures(int Bookings, long Minutes, decimal Hours, long AmountCents);

/// <summary>
/// An action field by its code and German label (<see cref="ActionFieldLabels"/>). PeopleReached: who came to
/// the open offers held in the bookings counted here, as staff counted them (ADR 20).
/// </summary>
internal sealed record ActionFieldFigures(string ActionField, string Label, int Bookings, long Minutes, decimal Hours, long AmountCents, long PeopleReached);

internal sealed record SiteFigures(Guid SiteId, string Name, int Bookings, long Minutes, decimal Hours, long AmountCents);

internal sealed record SpaceFigures(Guid SpaceId, string Name, Guid SiteId, int Bookings, long Minutes, decimal Hours, long AmountCents);

/// <summary>An organisation the grant paid for: its bookings, their hours, and all the grant paid for it (bookings, fees, shares).</summary>
internal sealed record OrganisationFigures(Guid OrganisationId, string Name, int Bookings, long Minutes, decimal Hours, long AmountCents);

/// <summary>A payment the grant made for its purpose (ADR 20), as staff recorded it.</summary>
internal sealed record PurposePaymentFigure(Guid PaymentId, DateOnly PaidOn, string WhatFor, string ReceiptReference, Guid OrganisationId, long AmountCents);

/// <summary>What was paid for the grant's purpose (a sponsor's prize or project): each payment in force, by date paid.</summary>
internal sealed record PurposeFigures(int Payments, long AmountCents, IReadOnlyList<PurposePaymentFigure> Items);

/// <summary>What a purpose payment's cost stream was for (never changes once recorded), by cost id.</summary>
internal sealed record PurposeLabel(Guid PaymentId, string WhatFor, string ReceiptReference);

/// <summary>Usage agreements' monthly fees the grant paid.</summary>
internal sealed record UsageFeeFigures(int Fees, long AmountCents);

/// <summary>Names of what a report counts (copies of other modules' contracts; Funding's own funders), by id; the id itself where none is known.</summary>
internal sealed record ReportNames(string FunderName, IReadOnlyDictionary<Guid, string> Names)
{
    public static ReportNames None { get; } = new("", new Dictionary<Guid, string>());

    public string Of(Guid id) => Names.TryGetValue(id, out var name) && name.Length > 0 ? name : id.ToString();
}

/// <summary>Desk fees the grant paid: desk-months (days held ÷ days of the month, summed; two decimals) and the amount.</summary>
internal sealed record DeskFeeFigures(int Fees, decimal DeskMonths, long AmountCents);

internal sealed record ShareFigures(int Payments, long AmountCents);

/// <summary>
/// Budget: as the grant's terms stood at the report's position; allocated in the period; used to date
/// (every allocation in force, whatever its date); remaining = budget − used to date.
/// </summary>
internal sealed record BudgetUse(long BudgetCents, long AllocatedInPeriodCents, long UsedToDateCents, long RemainingCents);

internal sealed record ActionFieldMinutes(string ActionField, long Minutes);

/// <summary>A Berlin month of the period: booked minutes per action field, and the budget remaining at its end.</summary>
internal sealed record ReportMonth(string Month, IReadOnlyList<ActionFieldMinutes> MinutesByActionField, long RemainingCents);

/// <summary>
/// What one grant paid for in a period of Berlin dates, as of a log position (null: current). Only
/// allocations to this grant in force at that position count. MadeAt: when the report was made, the
/// asOf instant for a report as of then (so that it is the same each time it is asked).
/// </summary>
internal sealed record FunderReport(
    Guid GrantId, string GrantName, string Reference, Guid FunderId, string FunderName, string Period, DateOnly From, DateOnly To, DateTimeOffset? AsOf,
    long? Position, DateTimeOffset MadeAt,
    int Bookings, long Minutes, decimal Hours, int Organisations, long AttendeesReached, long PeopleReached, long AmountCents,
    IReadOnlyList<OrganisationFigures> ByOrganisation, IReadOnlyList<ActionFieldFigures> ByActionField, IReadOnlyList<SiteFigures> BySite,
    IReadOnlyList<SpaceFigures> BySpace, DeskFeeFigures DeskFees, ShareFigures CooperativeShares, UsageFeeFigures UsageFees,
    PurposeFigures Purposes, BudgetUse Budget,
    IReadOnlyList<ReportMonth> Months)
{
    /// <summary>Appointments with an advisor whose room booking the grant paid (ADR 19): numbers only, never names.</summary>
    public AdviceFigures Advice { get; init; } = AdviceFigures.None;
}

/// <summary>An outcome of appointments by its code and German label, how many in all.</summary>
internal sealed record OutcomeFigure(string Kind, string Label, long Count);

/// <summary>
/// Appointments with an advisor (ADR 19) whose room booking the grant paid in the period, as recorded by the advisor:
/// held (and not held: the client did not come), distinct people advised at the held ones, and the outcomes recorded
/// with consent, per kind.
/// </summary>
internal sealed record AdviceFigures(int AppointmentsHeld, int AppointmentsNotHeld, int PeopleAdvised, IReadOnlyList<OutcomeFigure> Outcomes)
{
    public static AdviceFigures None { get; } = new(0, 0, 0, []);

    public static AdviceFigures Of(IReadOnlyList<AdviceRow> rows)
    {
        var held = rows.Where(r => r.Held).ToList();
        return rows.Count == 0 ? None : new AdviceFigures(held.Count, rows.Count - held.Count, held.Select(r => r.ClientId).Distinct().Count(),
            [.. held.SelectMany(r => r.Outcomes).GroupBy(o => o.Kind).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new OutcomeFigure(g.Key, Advice.OutcomeLabels.GermanOf(g.Key), g.Sum(o => (long)o.Count)))]);
    }
}

/// <summary>One appointment's record as known at the report's position.</summary>
internal sealed record AdviceRow(Guid AppointmentId, Guid BookingId, Guid ClientId, bool Held, IReadOnlyList<Advice.AdviceOutcome> Outcomes);

/// <summary>The grant's terms as a report reads them.</summary>
internal sealed record ReportGrant(Guid GrantId, Guid FunderId, string Name, string Reference, long BudgetCents);

/// <summary>An allocation of the grant in force at the report's position (one row of report_allocations).</summary>
internal sealed record PaidAllocation(
    string CostId, string SourceKind, string CostType, Guid OrganisationId, Guid? SiteId, Guid? SpaceId, string? ActionField, DateOnly CostDate,
    int Minutes, int Attendees, int DeskDays, long AmountCents);

/// <summary>The report's period: a Berlin month, quarter or year containing a date, or any range of dates.</summary>
internal sealed record ReportPeriod(string Kind, DateOnly From, DateOnly To)
{
    public const string Month = "month";
    public const string Quarter = "quarter";
    public const string Year = "year";
    public const string Custom = "custom";

    public static readonly IReadOnlyList<string> Kinds = [Month, Quarter, Year, Custom];

    /// <summary>A custom period covers at most ten years.</summary>
    public const int MaxDays = 3660;

    public static ReportPeriod Parse(string? period, string? from, string? to)
    {
        if (period is null)
            throw new BadInputException("period", $"period is required, one of {string.Join(", ", Kinds)}.");
        // A week is no funder's reporting period: say what is offered rather than that nothing was asked.
        if (!Kinds.Contains(period))
            throw new BadInputException("period", $"period must be one of {string.Join(", ", Kinds)} (for any other range, period=custom with from and to).");
        var date = Query.Date(from, "from") ?? throw new BadInputException("from", "from is required, a date like 2027-07-01.");
        var until = Query.Date(to, "to");
        if (period != Custom)
        {
            if (until is not null)
                throw new BadInputException("to", "to is only for period=custom; a month, quarter or year is picked by from.");
            var first = period switch
            {
                Month => new DateOnly(date.Year, date.Month, 1),
                Quarter => new DateOnly(date.Year, (date.Month - 1) / 3 * 3 + 1, 1),
                _ => new DateOnly(date.Year, 1, 1),
            };
            var next = period switch { Month => first.AddMonths(1), Quarter => first.AddMonths(3), _ => first.AddYears(1) };
            return new ReportPeriod(period, first, next.AddDays(-1));
        }
        var last = until ?? throw new BadInputException("to", "to is required for period=custom, a date like 2027-09-30.");
        if (last < date)
            throw new BadInputException("to", "to must be on or after from.");
        if (last.DayNumber - date.DayNumber + 1 > MaxDays)
            throw new BadInputException("to", $"A report covers at most {MaxDays} days.");
        return new ReportPeriod(period, date, last);
    }

    /// <summary>The first days of the Berlin months the period touches.</summary>
    public IEnumerable<DateOnly> Months()
    {
        for (var month = Berlin.MonthOf(From); month <= To; month = month.AddMonths(1))
            yield return month;
    }
}

/// <summary>
/// Pure computation of a funder report from the grant's allocations. A booking counts once however
/// many allocations of the grant it has (its minutes and attendees once, its amounts all).
/// </summary>
internal static class FunderReports
{
    public static FunderReport Compute(ReportGrant grant, ReportPeriod period, DateTimeOffset? asOf, long? position, DateTimeOffset madeAt,
        IReadOnlyList<PaidAllocation> inPeriod, IReadOnlyDictionary<DateOnly, long> usedByMonth, ReportNames names,
        IReadOnlyDictionary<string, PurposeLabel>? purposeLabels = null, IReadOnlyDictionary<string, long>? peopleByCost = null,
        IReadOnlyList<AdviceRow>? advice = null)
    {
        long People(IEnumerable<PaidAllocation> group) => group.DistinctBy(a => a.CostId).Sum(a => peopleByCost?.GetValueOrDefault(a.CostId) ?? 0);
        var bookings = inPeriod.Where(a => a.SourceKind == SourceKinds.Booking).ToList();
        var distinct = bookings.DistinctBy(a => a.CostId).ToList();

        var byActionField = bookings.GroupBy(a => a.ActionField ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Figures(g, (b, m, h, c) => new ActionFieldFigures(g.Key, ActionFieldLabels.GermanOf(g.Key), b, m, h, c, People(g)))).ToList();
        var bySite = inPeriod.Where(a => a.SiteId is not null).GroupBy(a => a.SiteId!.Value).OrderBy(g => g.Key)
            .Select(g => Figures(g, (b, m, h, c) => new SiteFigures(g.Key, names.Of(g.Key), b, m, h, c))).ToList();
        var bySpace = inPeriod.Where(a => a.SpaceId is not null).GroupBy(a => (a.SpaceId!.Value, a.SiteId ?? Guid.Empty)).OrderBy(g => g.Key.Item1)
            .Select(g => Figures(g, (b, m, h, c) => new SpaceFigures(g.Key.Item1, names.Of(g.Key.Item1), g.Key.Item2, b, m, h, c))).ToList();
        // By name (what a reader looks up), then id; every organisation the grant paid anything for.
        var byOrganisation = inPeriod.GroupBy(a => a.OrganisationId)
            .Select(g => Figures(g, (b, m, h, c) => new OrganisationFigures(g.Key, names.Of(g.Key), b, m, h, c)))
            .OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.OrganisationId).ToList();
        var usage = inPeriod.Where(a => a.CostType == CostTypes.UsageFees).ToList();

        var fees = inPeriod.Where(a => a.CostType == CostTypes.DeskFees).ToList();
        var deskMonths = fees.DistinctBy(a => a.CostId).Sum(a => (decimal)a.DeskDays / Berlin.DaysIn(a.CostDate));
        var shares = inPeriod.Where(a => a.CostType == CostTypes.CooperativeShares).ToList();
        var purposes = inPeriod.Where(a => a.CostType == CostTypes.PurposePayments).Select(a =>
        {
            var label = purposeLabels?.GetValueOrDefault(a.CostId);
            return new PurposePaymentFigure(label?.PaymentId ?? Guid.Empty, a.CostDate, label?.WhatFor ?? "", label?.ReceiptReference ?? "", a.OrganisationId,
                a.AmountCents);
        }).ToList();

        var months = new List<ReportMonth>();
        foreach (var month in period.Months())
        {
            var minutes = distinct.Where(a => Berlin.MonthOf(a.CostDate) == month).GroupBy(a => a.ActionField ?? "").OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new ActionFieldMinutes(g.Key, g.Sum(a => (long)a.Minutes))).ToList();
            var usedByThen = usedByMonth.Where(m => m.Key <= month).Sum(m => m.Value);
            months.Add(new ReportMonth(Berlin.Format(month), minutes, grant.BudgetCents - usedByThen));
        }

        var allocated = inPeriod.Sum(a => a.AmountCents);
        var used = usedByMonth.Values.Sum();
        var totalMinutes = distinct.Sum(a => (long)a.Minutes);
        return new FunderReport(grant.GrantId, grant.Name, grant.Reference, grant.FunderId, names.FunderName, period.Kind, period.From, period.To, asOf,
            position, madeAt, distinct.Count, totalMinutes, Hours(totalMinutes), inPeriod.Select(a => a.OrganisationId).Distinct().Count(),
            distinct.Sum(a => (long)a.Attendees), People(bookings), allocated, byOrganisation, byActionField, bySite, bySpace,
            new DeskFeeFigures(fees.DistinctBy(a => a.CostId).Count(), Math.Round(deskMonths, 2, MidpointRounding.AwayFromZero), fees.Sum(a => a.AmountCents)),
            new ShareFigures(shares.DistinctBy(a => a.CostId).Count(), shares.Sum(a => a.AmountCents)),
            new UsageFeeFigures(usage.DistinctBy(a => a.CostId).Count(), usage.Sum(a => a.AmountCents)),
            new PurposeFigures(purposes.Count, purposes.Sum(p => p.AmountCents), purposes),
            new BudgetUse(grant.BudgetCents, allocated, used, grant.BudgetCents - used), months)
        {
            // Only appointments whose room booking this grant paid in the period.
            Advice = AdviceFigures.Of([.. (advice ?? []).Where(a => distinct.Any(b => b.CostId == Allocation.Cost.BookingStreamId(a.BookingId)))]),
        };
    }

    /// <summary>Minutes as hours, rounded half up to two decimals (90 → 1.5, 20 → 0.33).</summary>
    public static decimal Hours(long minutes) => Math.Round(minutes / 60m, 2, MidpointRounding.AwayFromZero);

    private static T Figures<T>(IEnumerable<PaidAllocation> group, Func<int, long, decimal, long, T> make)
    {
        var all = group.ToList();
        var booked = all.Where(a => a.SourceKind == SourceKinds.Booking).DistinctBy(a => a.CostId).ToList();
        var minutes = booked.Sum(a => (long)a.Minutes);
        return make(booked.Count, minutes, Hours(minutes), all.Sum(a => a.AmountCents));
    }
}
