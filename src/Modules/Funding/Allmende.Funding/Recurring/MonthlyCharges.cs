using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;
using Allmende.Funding.Common;
using Allmende.Funding.Grants;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Funding.Recurring;

/// <summary>Fires at the start of the Berlin month after <paramref name="Month"/>: charge that month's desk fees (in arrears).</summary>
internal sealed record MonthEnded(DateOnly Month);

/// <summary>On the stream "monthly-charges-&lt;yyyy-MM&gt;": the month's <see cref="MonthEnded"/> is scheduled. Its stream's start is the once-only guard.</summary>
internal sealed record MonthlyChargesScheduled(DateOnly Month, DateTimeOffset DueAt);

/// <summary>Charge one source's desk fee for a month (sent once per source by <see cref="MonthEnded"/>'s handler).</summary>
internal sealed record DeskFeeDue(string SourceKind, Guid SourceId, Guid OrganisationId, DateOnly Month);

internal static class RecurringNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(MonthEnded), "funding.month-ended"),
        (typeof(MonthlyChargesScheduled), "funding.monthly-charges.scheduled"),
        (typeof(DeskFeeDue), "funding.desk-fee-due"),
        (typeof(FlexibleDeskPriceSet), "funding.flexible-desk-price.set"),
    ];
}

/// <summary>
/// Exactly one <see cref="MonthEnded"/> per month, whatever number of hosts start or restart: each
/// month's scheduling starts the stream "monthly-charges-&lt;yyyy-MM&gt;" in the same transaction as the
/// scheduled message, and a second start of that stream fails (someone scheduled it already).
/// </summary>
internal static class MonthlySchedule
{
    public static string StreamId(DateOnly month) => $"monthly-charges-{Berlin.Format(month)}";

    /// <summary>Stages the schedule of <paramref name="month"/>'s charges, unless it exists. True if staged.</summary>
    public static bool Stage(UnitOfWork work, DateOnly month, bool exists)
    {
        if (exists)
            return false;
        var due = Berlin.StartOfNextMonth(month);
        work.StartStream("monthly-charges", StreamId(month), new MonthlyChargesScheduled(month, due));
        work.Schedule(new MonthEnded(month), due);
        return true;
    }

    /// <summary>
    /// Schedules the current month's charges if nobody has yet, in the delivery's unit of work: called when
    /// something chargeable monthly first appears, so a house without desks writes nothing, and from then on
    /// each month's handler schedules the next.
    /// </summary>
    public static async Task EnsureAsync(MessageContext context, DateTimeOffset now, CancellationToken ct)
    {
        var month = Berlin.MonthOf(now);
        await using var command = context.Database.Command("select exists (select 1 from marten.mt_streams where id = $1)", StreamId(month));
        Stage(context.Work, month, await command.ExecuteScalarAsync(ct) is true);
    }
}

/// <summary>
/// A month ended: sends one <see cref="DeskFeeDue"/> per fixed-desk assignment and per flexible-desk
/// plan holder of that month, one usage fee per usage agreement running in it, and schedules the next month's charges. Redelivery sends the same again,
/// which the fee's own stream turns into nothing.
/// </summary>
internal sealed class MonthEndedHandler
{
    public async Task Handle(MonthEnded message, MessageContext context, CancellationToken ct)
    {
        var month = Berlin.MonthOf(message.Month);
        var last = month.AddMonths(1).AddDays(-1);
        await using (var command = context.Database.Command("""
            select 'fixed-desk', assignment_id, organisation_id from funding.desk_assignments where from_date <= $2 and until_date >= $1
            union
            select distinct 'flexible-desk-plan', person_id, organisation_id from funding.flexible_desk_plans
            where valid_from <= $2 and (valid_until is null or valid_until >= $1)
            order by 1, 2, 3
            """, month, last))
        {
            var due = new List<DeskFeeDue>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    due.Add(new DeskFeeDue(reader.GetString(0), reader.GetGuid(1), reader.GetGuid(2), month));
            }
            foreach (var fee in due)
                context.Work.Send(fee);
        }
        await using (var command = context.Database.Command("""
            select agreement_id from funding.usage_agreements where from_date <= $2 and (until_date is null or until_date >= $1) order by agreement_id
            """, month, last))
        {
            var agreements = new List<Guid>();
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                    agreements.Add(reader.GetGuid(0));
            }
            foreach (var agreement in agreements)
                context.Work.Send(new UsageAgreements.UsageFeeDue(agreement, month));
        }
        var next = month.AddMonths(1);
        var exists = await EventStoreVersion(context, MonthlySchedule.StreamId(next), ct);
        MonthlySchedule.Stage(context.Work, next, exists);
    }

    private static async Task<bool> EventStoreVersion(MessageContext context, string streamId, CancellationToken ct)
    {
        await using var command = context.Database.Command("select exists (select 1 from marten.mt_streams where id = $1)", streamId);
        return await command.ExecuteScalarAsync(ct) is true;
    }
}

/// <summary>
/// Charges one desk fee for one month, once: the fee's stream "desk-fee-&lt;source&gt;-&lt;yyyy-MM&gt;" is started
/// with its allocations, and a second start (a redelivery, another host) finds it and does nothing, or
/// fails and is retried into finding it. The fee is charged in arrears, pro rata by the days held, and
/// is spent at once.
/// </summary>
[RetryPolicy(MaxAttempts = 12, InitialDelayMilliseconds = 200, MaxDelayMilliseconds = 30_000)]
internal sealed class DeskFeeHandler(IOptions<FundingOptions> options, TimeProvider time)
{
    public static string StreamId(DeskFeeDue fee) => $"desk-fee-{fee.SourceKind}-{fee.SourceId:D}-{fee.OrganisationId:D}-{Berlin.Format(fee.Month)}";

    public async Task Handle(DeskFeeDue message, MessageContext context, CancellationToken ct)
    {
        var streamId = StreamId(message);
        if (await context.Work.LoadAsync<Cost>(streamId, ct) is not null)
            return;
        var line = message.SourceKind == SourceKinds.FixedDesk
            ? await FixedDeskLineAsync(context, message, ct)
            : await FlexibleDeskLineAsync(context, message, ct);
        if (line is null)
            return;
        await RecurringCosts.ChargeAsync(context, "desk-fee", streamId, line, "charged-monthly", options.Value, time.GetUtcNow(), ct);
    }

    /// <summary>Monthly fee × days held ÷ days of the month, rounded half up; the desk's fee in force on the first day held.</summary>
    public static long ProRata(long monthlyFeeCents, int daysHeld, int daysInMonth) =>
        (long)(((Int128)monthlyFeeCents * daysHeld * 2 + daysInMonth) / (2 * daysInMonth));

    private static async Task<CostLine?> FixedDeskLineAsync(MessageContext context, DeskFeeDue fee, CancellationToken ct)
    {
        var last = fee.Month.AddMonths(1).AddDays(-1);
        await using var command = context.Database.Command("""
            select a.space_id, a.site_id, greatest(a.from_date, $2), least(a.until_date, $3),
                   coalesce((select r.monthly_desk_fee_cents from funding.space_rates r
                             where r.space_id = a.space_id and r.effective_from <= greatest(a.from_date, $2) order by r.effective_from desc limit 1), 0)
            from funding.desk_assignments a where a.assignment_id = $1 and a.from_date <= $3 and a.until_date >= $2
            """, fee.SourceId, fee.Month, last);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null; // ended before the month after all
        var (space, site) = (reader.GetGuid(0), reader.GetGuid(1));
        var (from, until) = (reader.GetFieldValue<DateOnly>(2), reader.GetFieldValue<DateOnly>(3));
        var monthly = reader.GetInt64(4);
        var days = until.DayNumber - from.DayNumber + 1;
        return new CostLine(CostTypes.DeskFees, SourceKinds.FixedDesk, fee.SourceId, fee.OrganisationId, site, space, null, null, null, fee.Month,
            0, 0, days, monthly, ProRata(monthly, days, Berlin.DaysIn(fee.Month)));
    }

    private async Task<CostLine?> FlexibleDeskLineAsync(MessageContext context, DeskFeeDue fee, CancellationToken ct)
    {
        var last = fee.Month.AddMonths(1).AddDays(-1);
        await using var command = context.Database.Command("""
            select coalesce(sum(least(coalesce(valid_until, $4), $4) - greatest(valid_from, $3) + 1), 0)::int,
                   (select monthly_fee_cents from funding.flexible_desk_prices where effective_from <= $3 order by effective_from desc limit 1)
            from funding.flexible_desk_plans
            where person_id = $1 and organisation_id = $2 and valid_from <= $4 and (valid_until is null or valid_until >= $3)
            """, fee.SourceId, fee.OrganisationId, fee.Month, last);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var days = Math.Min(reader.GetInt32(0), Berlin.DaysIn(fee.Month));
        var monthly = reader.IsDBNull(1) ? options.Value.FlexibleDeskMonthlyFeeCents : reader.GetInt64(1);
        if (days == 0)
            return null;
        return new CostLine(CostTypes.DeskFees, SourceKinds.FlexibleDeskPlan, fee.SourceId, fee.OrganisationId, null, null, null, null, null, fee.Month,
            0, 0, days, monthly, ProRata(monthly, days, Berlin.DaysIn(fee.Month)));
    }
}

/// <summary>Allocates a one-off or monthly cost on a new stream of its own and settles it at once (it is spent).</summary>
internal static class RecurringCosts
{
    public static async Task ChargeAsync(MessageContext context, string streamType, string streamId, CostLine line, string outcome, FundingOptions options,
        DateTimeOffset now, CancellationToken ct)
    {
        var organisation = await CostWrites.OrganisationAsync(context, line.OrganisationId, ct)
            ?? throw new InvalidOperationException($"Funding does not know organisation {line.OrganisationId} yet; retried once Membership's message arrives.");
        var grants = await CostWrites.LoadGrantsAsync(context, line, Cost.Initial, ct);
        var ledger = new Ledger(grants.Values.Select(g => g.State), options.Thresholds, Guid.CreateVersion7);
        var events = new List<object>(ledger.Allocate(line, organisation, now)) { new CostSettled(line.SourceId, outcome, true, now) };
        CostWrites.Stage(context.Work, streamType, streamId, null, Cost.Initial, events, ledger, grants);
    }
}
