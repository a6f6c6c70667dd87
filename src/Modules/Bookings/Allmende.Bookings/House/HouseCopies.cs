using System.Text.Json;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Storage;
using Allmende.Membership.Contracts;
using Allmende.Spaces.Contracts;
using Npgsql;
using NpgsqlTypes;
using static Allmende.Eventing.Storage.SqlParameters;

namespace Allmende.Bookings.House;

/// <summary>
/// Keeps Bookings' own copies of sites, spaces and organisations from the integration events of
/// Spaces and Membership (Bookings never reads their tables). Deliveries are exactly once in effect
/// but in no particular order: each column group remembers the id of the message it came from
/// (UUIDv7, ordered by time) and a late message never overwrites a newer one.
/// </summary>
// SiteChanged (name, address, floors) and SpaceRatesChanged (Funding's business) are not needed for
// booking decisions, so Bookings does not subscribe to them.
internal sealed class HouseCopies
{
    public Task Handle(SiteRegistered message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.sites as t (site_id, time_zone, opening_hours, hours_message, lease_starts_at, lease_ends_at, lease_message)
            values ($1, $2, $3, $6, $4, $5, $6)
            on conflict (site_id) do update set
                time_zone = case when t.hours_message < excluded.hours_message then excluded.time_zone else t.time_zone end,
                opening_hours = case when t.hours_message < excluded.hours_message then excluded.opening_hours else t.opening_hours end,
                hours_message = greatest(t.hours_message, excluded.hours_message),
                lease_starts_at = case when t.lease_message < excluded.lease_message then excluded.lease_starts_at else t.lease_starts_at end,
                lease_ends_at = case when t.lease_message < excluded.lease_message then excluded.lease_ends_at else t.lease_ends_at end,
                lease_message = greatest(t.lease_message, excluded.lease_message)
            """, [message.SiteId, message.TimeZone, Hours(message.OpeningHours),
            Instant(message.Lease?.StartsAt), Instant(message.Lease?.EndsAt), context.MessageId], ct);

    public Task Handle(SiteHoursChanged message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.sites as t (site_id, time_zone, opening_hours, hours_message, lease_message)
            values ($1, $2, $3, $4, '00000000-0000-0000-0000-000000000000')
            on conflict (site_id) do update set time_zone = excluded.time_zone, opening_hours = excluded.opening_hours,
                hours_message = excluded.hours_message
            where t.hours_message < excluded.hours_message
            """, [message.SiteId, message.TimeZone, Hours(message.OpeningHours), context.MessageId], ct);

    public Task Handle(SiteLeaseChanged message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.sites as t (site_id, hours_message, lease_starts_at, lease_ends_at, lease_message)
            values ($1, '00000000-0000-0000-0000-000000000000', $2, $3, $4)
            on conflict (site_id) do update set lease_starts_at = excluded.lease_starts_at, lease_ends_at = excluded.lease_ends_at,
                lease_message = excluded.lease_message
            where t.lease_message < excluded.lease_message
            """, [message.SiteId, Instant(message.Lease?.StartsAt), Instant(message.Lease?.EndsAt), context.MessageId], ct);

    public Task Handle(SiteClosureAdded message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.site_closures (closure_id, site_id, during) values ($1, $2, tstzrange($3, $4, '[)'))
            on conflict (closure_id) do nothing
            """, [message.ClosureId, message.SiteId, message.From, message.To], ct);

    // A removal that overtakes its addition leaves a tombstone, so the late addition changes nothing.
    public Task Handle(SiteClosureRemoved message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.site_closures (closure_id, site_id, during, removed) values ($1, $2, tstzrange($3, $4, '[)'), true)
            on conflict (closure_id) do update set removed = true
            """, [message.ClosureId, message.SiteId, message.From, message.To], ct);

    public Task Handle(SpaceOpened m, MessageContext context, CancellationToken ct) =>
        UpsertSpaceAsync(context, m.SpaceId, m.SiteId, m.Name, m.Kind, m.Bookable, m.Capacity, m.Places, m.Rules, ct);

    public Task Handle(SpaceChanged m, MessageContext context, CancellationToken ct) =>
        UpsertSpaceAsync(context, m.SpaceId, m.SiteId, m.Name, m.Kind, m.Bookable, m.Capacity, m.Places, m.Rules, ct);

    // Retirement is final, whatever order messages arrive in.
    public Task Handle(SpaceRetired message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            update bookings.spaces set retired_at = $2, bookable = false where space_id = $1
            """, [message.SpaceId, message.RetiredAt], ct);

    public Task Handle(OrganisationActivated message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.organisations as t (organisation_id, kind, kind_message, status, status_message)
            values ($1, $2, $3, 'active', $3)
            on conflict (organisation_id) do update set
                kind = case when t.kind_message is null or t.kind_message < excluded.kind_message then excluded.kind else t.kind end,
                kind_message = greatest(t.kind_message, excluded.kind_message),
                status = case when t.status_message is null or t.status_message < excluded.status_message then excluded.status else t.status end,
                status_message = greatest(t.status_message, excluded.status_message)
            """, [message.OrganisationId, message.Kind, context.MessageId], ct);

    public Task Handle(OrganisationChanged message, MessageContext context, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.organisations as t (organisation_id, kind, kind_message) values ($1, $2, $3)
            on conflict (organisation_id) do update set kind = excluded.kind, kind_message = excluded.kind_message
            where t.kind_message is null or t.kind_message < excluded.kind_message
            """, [message.OrganisationId, message.Kind, context.MessageId], ct);

    public Task Handle(OrganisationSuspended message, MessageContext context, CancellationToken ct) =>
        StatusAsync(context, message.OrganisationId, "suspended", ct);

    public Task Handle(OrganisationEnded message, MessageContext context, CancellationToken ct) =>
        StatusAsync(context, message.OrganisationId, "ended", ct);

    private static Task StatusAsync(MessageContext context, Guid organisationId, string status, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.organisations as t (organisation_id, status, status_message) values ($1, $2, $3)
            on conflict (organisation_id) do update set status = excluded.status, status_message = excluded.status_message
            where t.status_message is null or t.status_message < excluded.status_message
            """, [organisationId, status, context.MessageId], ct);

    private static Task UpsertSpaceAsync(MessageContext context, Guid spaceId, Guid siteId, string name, string kind, bool bookable,
        int capacity, int? places, SpaceBookingRules rules, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.spaces as t (space_id, site_id, name, kind, bookable, capacity, places, min_duration, max_duration,
                lead_time, approval_required, organisation_kinds, last_message)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            on conflict (space_id) do update set site_id = excluded.site_id, name = excluded.name, kind = excluded.kind,
                bookable = excluded.bookable and t.retired_at is null, capacity = excluded.capacity, places = excluded.places,
                min_duration = excluded.min_duration, max_duration = excluded.max_duration, lead_time = excluded.lead_time,
                approval_required = excluded.approval_required, organisation_kinds = excluded.organisation_kinds,
                last_message = excluded.last_message
            where t.last_message < excluded.last_message
            """, [spaceId, siteId, name, kind, bookable, capacity, Int(places), Int(rules.MinDurationMinutes), Int(rules.MaxDurationMinutes),
            rules.LeadTimeMinutes, rules.ApprovalRequired, new NpgsqlParameter<string[]> { TypedValue = [.. rules.OrganisationKinds] },
            context.MessageId], ct);

    private static NpgsqlParameter Hours(IReadOnlyList<OpeningInterval> hours) =>
        new() { Value = JsonSerializer.Serialize(hours, EventingJson.Options), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static async Task ExecuteAsync(MessageContext context, string sql, object?[] values, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, context.Database.Connection, context.Database.Transaction);
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
