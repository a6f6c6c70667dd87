using Allmende.Eventing.Projections;
using Allmende.Eventing.Storage;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Storage.SqlParameters;

namespace Allmende.Funding.Reports;

/// <summary>
/// funding.report_costs, report_allocations and report_grants: the history of costs, allocations and
/// grant terms in log positions, so that a report as of a past instant reads exactly what was known at
/// its settled position (ADR 14). Inline, so a report right after a write sees it; a pure function of
/// the log (an allocation copies the line from this projection's own report_costs, never from
/// funding.costs), so a rebuild reproduces it. Idempotent: a version starts only after the current one.
/// </summary>
internal sealed class FundingReportProjection : IProjection
{
    public const string ProjectionName = "funding.report";

    public string Name => ProjectionName;

    internal static readonly System.Text.Json.JsonSerializerOptions AdviceJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        .. CostEventNames.All.Select(e => e.Type),
        typeof(GrantAwarded), typeof(GrantBudgetIncreased), typeof(GrantExtended), typeof(PeopleReached.PeopleReachedCounted),
        typeof(Advice.AdviceRecorded),
    ];

    private const string CostColumns = """
        source_kind, source_id, cost_type, organisation_id, site_id, space_id, action_field, starts_at, cost_date, month,
        minutes, attendees, desk_days, cost_cents
        """;

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        // In order, one statement at a time: an allocation copies the line version written just before it.
        foreach (var e in events)
        {
            var command = e.Data switch
            {
                CostLineRecorded r => Command($"""
                    with ended as (
                        update funding.report_costs set known_until_seq = $2
                        where cost_id = $1 and known_until_seq is null and known_from_seq < $2
                        returning 1)
                    insert into funding.report_costs (cost_id, known_from_seq, {CostColumns}, status)
                    select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 'committed'
                    where not exists (select 1 from funding.report_costs where cost_id = $1 and known_from_seq >= $2)
                    """, e.StreamId, e.Sequence, r.Line.SourceKind, r.Line.SourceId, r.Line.CostType, r.Line.OrganisationId, Uuid(r.Line.SiteId),
                    Uuid(r.Line.SpaceId), Text(r.Line.ActionField), Instant(r.Line.Start), r.Line.Date, r.Line.Month, r.Line.Minutes,
                    r.Line.Attendees, r.Line.DeskDays, r.Line.CostCents),
                CostLineWithdrawn => NextCost(e, "'withdrawn'", "outcome"),
                // A cost settled before its line was ever recorded (cancelled before Funding heard of it) has no row to follow.
                CostSettled s => NextCost(e, "case when $3 then 'spent' else 'withdrawn' end", "$4", s.Charged, s.Outcome),
                CostAllocated a => Command($"""
                    insert into funding.report_allocations (allocation_id, cost_id, payer, grant_id, funder_id, rule, amount_cents, known_from_seq, {CostColumns})
                    select $3, cost_id, $4, $5, $6, $7, $8, $2, {CostColumns}
                    from funding.report_costs where cost_id = $1 and known_until_seq is null
                    on conflict (allocation_id) do nothing
                    """, e.StreamId, e.Sequence, a.AllocationId, a.Payer, Uuid(a.GrantId), Uuid(a.FunderId), a.Rule, a.AmountCents),
                AllocationReversed r => Command("""
                    update funding.report_allocations set known_until_seq = $2
                    where allocation_id = $3 and known_until_seq is null and known_from_seq < $2
                    """, e.StreamId, e.Sequence, r.AllocationId),
                GrantAwarded g => Command("""
                    insert into funding.report_grants (grant_id, known_from_seq, funder_id, name, reference, budget_cents, starts_on, ends_on)
                    values ($1, $2, $3, $4, $5, $6, $7, $8)
                    on conflict do nothing
                    """, g.GrantId, e.Sequence, g.FunderId, g.Name, g.Reference, g.BudgetCents, g.StartsOn, g.EndsOn),
                // A later count for the same date replaces the earlier one from its position on.
                PeopleReached.PeopleReachedCounted p => Command("""
                    with ended as (
                        update funding.report_people_reached set known_until_seq = $2
                        where booking_id = $3 and offer_id = $4 and known_until_seq is null and known_from_seq < $2
                        returning 1)
                    insert into funding.report_people_reached (booking_id, offer_id, attendees, known_from_seq)
                    select $3, $4, $5, $2
                    where not exists (select 1 from funding.report_people_reached where booking_id = $3 and offer_id = $4 and known_from_seq >= $2)
                    """, e.StreamId, e.Sequence, p.BookingId, p.OfferId, p.Attendees),
                // A later record of the same appointment replaces the earlier one from its position on.
                Advice.AdviceRecorded r => Command("""
                    with ended as (
                        update funding.report_advice set known_until_seq = $2
                        where appointment_id = $3 and known_until_seq is null and known_from_seq < $2
                        returning 1)
                    insert into funding.report_advice (appointment_id, booking_id, client_id, held, outcomes, known_from_seq)
                    select $3, $4, $5, $6, $7, $2
                    where not exists (select 1 from funding.report_advice where appointment_id = $3 and known_from_seq >= $2)
                    """, e.StreamId, e.Sequence, r.AppointmentId, r.BookingId, r.ClientId, r.Held,
                    new NpgsqlParameter { Value = System.Text.Json.JsonSerializer.Serialize(r.Outcomes, AdviceJson), NpgsqlDbType = NpgsqlDbType.Jsonb }),
                GrantBudgetIncreased b => NextGrant(b.GrantId, e.Sequence, "$3", "ends_on", b.BudgetCents),
                GrantExtended x => NextGrant(x.GrantId, e.Sequence, "budget_cents", "$3", x.EndsOn),
                _ => null,
            };
            if (command is null)
                continue;
            await using (command)
                await command.ExecuteNonQueryAsync(ct);

            NpgsqlCommand Command(string sql, params object[] values)
            {
                var c = new NpgsqlCommand(sql, context.Connection, context.Transaction);
                foreach (var value in values)
                    c.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
                return c;
            }

            // Ends the cost's current version at this event and starts the next one from it, in one statement.
            NpgsqlCommand NextCost(StoredEvent @event, string status, string outcome, params object[] values) =>
                Command($"""
                    with ended as (
                        update funding.report_costs set known_until_seq = $2
                        where cost_id = $1 and known_until_seq is null and known_from_seq < $2
                        returning *)
                    insert into funding.report_costs (cost_id, known_from_seq, {CostColumns}, status, outcome)
                    select cost_id, $2, {CostColumns}, {status}, {outcome} from ended
                    """, [@event.StreamId, @event.Sequence, .. values]);

            NpgsqlCommand NextGrant(Guid grantId, long seq, string budget, string endsOn, object value) =>
                Command($"""
                    with ended as (
                        update funding.report_grants set known_until_seq = $2
                        where grant_id = $1 and known_until_seq is null and known_from_seq < $2
                        returning *)
                    insert into funding.report_grants (grant_id, known_from_seq, funder_id, name, reference, budget_cents, starts_on, ends_on)
                    select grant_id, $2, funder_id, name, reference, {budget}, starts_on, {endsOn} from ended
                    """, grantId, seq, value);
        }
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate funding.report_costs, funding.report_allocations, funding.report_grants, funding.report_people_reached, funding.report_advice");
        await command.ExecuteNonQueryAsync(ct);
    }
}
