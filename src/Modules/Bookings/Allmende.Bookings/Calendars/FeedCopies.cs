using Allmende.Eventing.Messaging;
using Allmende.Eventing.Schema;
using Allmende.Membership.Contracts;
using Allmende.Spaces.Contracts;
using Npgsql;

namespace Allmende.Bookings.Calendars;

/// <summary>
/// What feeds show beyond booking decisions: each site's name and address (LOCATION) and each
/// organisation's name (staff feeds' SUMMARY), copied from Spaces' and Membership's contracts. Deliveries
/// come in any order: each row keeps the id (UUIDv7) of the message it came from and ignores older ones.
/// Sites and organisations that never sent a message since this copy exists have no row: their feeds
/// show the space's name only, until their next change.
/// </summary>
internal sealed class FeedCopies
{
    public static Migration Version7 { get; } = new(BookingsSchema.Module, 7, "calendar feeds with secret URLs; names and addresses for them", """
        create table bookings.site_addresses (
            site_id     uuid primary key,
            name        text not null,
            address     text not null,
            message_id  uuid not null
        );

        create table bookings.organisation_names (
            organisation_id uuid primary key,
            name            text not null,
            message_id      uuid not null
        );

        -- A feed's secret is never stored, only its SHA-256 (as API keys).
        create table bookings.calendar_feeds (
            feed_id       uuid primary key,
            secret_hash   bytea not null,
            scope         text not null,
            target_id     uuid not null,
            view          text not null,
            organisations uuid[] not null,
            created_at    timestamptz not null,
            created_by    text not null,
            revoked_at    timestamptz
        );
        create index calendar_feeds_creator on bookings.calendar_feeds (created_by, created_at);
        """);

    public Task Handle(SiteRegistered m, MessageContext context, CancellationToken ct) => SiteAsync(context, m.SiteId, m.Name, m.Address, ct);

    public Task Handle(SiteChanged m, MessageContext context, CancellationToken ct) => SiteAsync(context, m.SiteId, m.Name, m.Address, ct);

    public Task Handle(OrganisationActivated m, MessageContext context, CancellationToken ct) => OrganisationAsync(context, m.OrganisationId, m.Name, ct);

    public Task Handle(OrganisationChanged m, MessageContext context, CancellationToken ct) => OrganisationAsync(context, m.OrganisationId, m.Name, ct);

    /// <summary>"Werkstattweg 3, 04277 Leipzig": the form calendar apps hand to a map.</summary>
    public static string AddressLine(SiteAddress address) => $"{address.Street}, {address.PostalCode} {address.City}";

    private static Task SiteAsync(MessageContext context, Guid siteId, string name, SiteAddress address, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.site_addresses as t (site_id, name, address, message_id) values ($1, $2, $3, $4)
            on conflict (site_id) do update set name = excluded.name, address = excluded.address, message_id = excluded.message_id
            where t.message_id < excluded.message_id
            """, [siteId, name, AddressLine(address), context.MessageId], ct);

    private static Task OrganisationAsync(MessageContext context, Guid organisationId, string name, CancellationToken ct) =>
        ExecuteAsync(context, """
            insert into bookings.organisation_names as t (organisation_id, name, message_id) values ($1, $2, $3)
            on conflict (organisation_id) do update set name = excluded.name, message_id = excluded.message_id
            where t.message_id < excluded.message_id
            """, [organisationId, name, context.MessageId], ct);

    private static async Task ExecuteAsync(MessageContext context, string sql, object[] values, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, context.Database.Connection, context.Database.Transaction);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }
}
