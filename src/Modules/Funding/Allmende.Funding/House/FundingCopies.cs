using Allmende.Bookings.Contracts;
using Allmende.Eventing.Messaging;
using Allmende.Funding.Recurring;
using Allmende.Membership.Contracts;
using Allmende.Spaces.Contracts;
using Npgsql;

namespace Allmende.Funding.House;

/// <summary>
/// Funding's own copies of spaces (kind, site), their rate schedules, organisations (kind, non-profit),
/// fixed-desk assignments and flexible-desk plans, kept from the other modules' contracts (never their
/// tables). Deliveries come in any order: rows remember the id (UUIDv7, time-ordered) of the message
/// they came from and a late message never overwrites a newer one; rates are keyed by their day, which
/// a later change for the same day replaces; an assignment's or plan's end only ever moves earlier.
/// </summary>
internal sealed class FundingCopies(TimeProvider time)
{
    public Task Handle(SpaceOpened m, MessageContext context, CancellationToken ct) =>
        SpaceAsync(context, m.SpaceId, m.SiteId, m.FloorId, m.Name, m.Kind, m.Rates, ct);

    public Task Handle(SpaceChanged m, MessageContext context, CancellationToken ct) =>
        SpaceAsync(context, m.SpaceId, m.SiteId, m.FloorId, m.Name, m.Kind, m.Rates, ct);

    // Sites only by name: what a funder report shows.
    public Task Handle(SiteRegistered m, MessageContext context, CancellationToken ct) => SiteAsync(context, m.SiteId, m.Name, ct);

    public Task Handle(SiteChanged m, MessageContext context, CancellationToken ct) => SiteAsync(context, m.SiteId, m.Name, ct);

    public Task Handle(SpaceRatesChanged m, MessageContext context, CancellationToken ct) =>
        RatesAsync(context, m.SpaceId, [new SpaceRate(m.HourlyRateCents, m.MonthlyDeskFeeCents, m.EffectiveFrom)], ct);

    public Task Handle(OrganisationActivated m, MessageContext context, CancellationToken ct) =>
        OrganisationAsync(context, m.OrganisationId, m.Name, m.Kind, m.NonProfit, ct);

    public Task Handle(OrganisationChanged m, MessageContext context, CancellationToken ct) =>
        OrganisationAsync(context, m.OrganisationId, m.Name, m.Kind, m.NonProfit, ct);

    public async Task Handle(DeskAssigned m, MessageContext context, CancellationToken ct)
    {
        await MonthlySchedule.EnsureAsync(context, time.GetUtcNow(), ct);
        await ExecuteAsync(context, """
            insert into funding.desk_assignments as t (assignment_id, space_id, site_id, organisation_id, from_date, until_date)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (assignment_id) do update set until_date = least(t.until_date, excluded.until_date)
            """, [m.AssignmentId, m.SpaceId, m.SiteId, m.OrganisationId, m.From, m.Until], ct);
    }

    // Ending early only ever shortens: whichever of the two messages comes first, the earlier last day wins.
    public Task Handle(DeskAssignmentEnded m, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into funding.desk_assignments as t (assignment_id, space_id, site_id, organisation_id, from_date, until_date)
            values ($1, $2, $3, $4, $5, $6)
            on conflict (assignment_id) do update set until_date = least(t.until_date, excluded.until_date)
            """, [m.AssignmentId, m.SpaceId, m.SiteId, m.OrganisationId, m.From, m.Until], ct);

    /// <summary>Flexible-desk plans through an organisation are charged monthly; other plans cost Funding nothing (fixed desks are charged by their assignment).</summary>
    public async Task Handle(MembershipPlanChanged m, MessageContext context, CancellationToken ct)
    {
        if (m.Plan != "flexible-desk" || m.OrganisationId is not { } organisationId)
            return;
        await MonthlySchedule.EnsureAsync(context, time.GetUtcNow(), ct);
        await ExecuteAsync(context, """
                insert into funding.flexible_desk_plans as t (person_id, organisation_id, valid_from, valid_until) values ($1, $2, $3, $4)
                on conflict (person_id, organisation_id, valid_from) do update set valid_until =
                    case when t.valid_until is null then excluded.valid_until
                         when excluded.valid_until is null then t.valid_until
                         else least(t.valid_until, excluded.valid_until) end
                """, [m.PersonId, organisationId, m.ValidFrom, (object?)m.ValidUntil], ct);
    }

    private static async Task SpaceAsync(MessageContext context, Guid spaceId, Guid siteId, Guid? floorId, string name, string kind,
        IReadOnlyList<SpaceRate> rates, CancellationToken ct)
    {
        await ExecuteAsync(context, """
            insert into funding.spaces as t (space_id, site_id, kind, last_message, name, floor_id) values ($1, $2, $3, $4, $5, $6)
            on conflict (space_id) do update set site_id = excluded.site_id, kind = excluded.kind, last_message = excluded.last_message,
                name = excluded.name, floor_id = excluded.floor_id
            where t.last_message < excluded.last_message
            """, [spaceId, siteId, kind, context.MessageId, name, Allmende.Eventing.Storage.SqlParameters.OrNull(floorId, NpgsqlTypes.NpgsqlDbType.Uuid)], ct);
        await RatesAsync(context, spaceId, rates, ct);
    }

    private static async Task RatesAsync(MessageContext context, Guid spaceId, IReadOnlyList<SpaceRate> rates, CancellationToken ct)
    {
        foreach (var rate in rates)
            await ExecuteAsync(context, """
                insert into funding.space_rates as t (space_id, effective_from, hourly_rate_cents, monthly_desk_fee_cents, message)
                values ($1, $2, $3, $4, $5)
                on conflict (space_id, effective_from) do update set hourly_rate_cents = excluded.hourly_rate_cents,
                    monthly_desk_fee_cents = excluded.monthly_desk_fee_cents, message = excluded.message
                where t.message < excluded.message
                """, [spaceId, rate.EffectiveFrom, rate.HourlyRateCents, rate.MonthlyDeskFeeCents, context.MessageId], ct);
    }

    private static Task OrganisationAsync(MessageContext context, Guid organisationId, string name, string kind, bool nonProfit, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into funding.organisations as t (organisation_id, kind, non_profit, message, name) values ($1, $2, $3, $4, $5)
            on conflict (organisation_id) do update set kind = excluded.kind, non_profit = excluded.non_profit, message = excluded.message,
                name = excluded.name
            where t.message < excluded.message
            """, [organisationId, kind, nonProfit, context.MessageId, name], ct);

    private static Task SiteAsync(MessageContext context, Guid siteId, string name, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into funding.sites as t (site_id, name, last_message) values ($1, $2, $3)
            on conflict (site_id) do update set name = excluded.name, last_message = excluded.last_message
            where t.last_message < excluded.last_message
            """, [siteId, name, context.MessageId], ct);

    private static async Task ExecuteAsync(MessageContext context, string sql, object?[] values, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, context.Database.Connection, context.Database.Transaction);
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter
                ?? (value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date } : new NpgsqlParameter { Value = value }));
        await command.ExecuteNonQueryAsync(ct);
    }
}
