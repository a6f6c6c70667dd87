using Allmende.Eventing.Messaging;
using Allmende.Eventing.Schema;
using Allmende.Funding.Contracts;
using Npgsql;

namespace Allmende.Bookings.Reports;

/// <summary>
/// Bookings' copy of where each grant pays (sites, spaces) and whose it is, from Funding's contract:
/// what the funder's occupancy report needs to choose spaces and to check who may read it. A grant's
/// places never change after the award, so the first delivery is the only one that counts.
/// </summary>
internal sealed class GrantPlaces
{
    public static Migration Version8 { get; } = new(BookingsSchema.Module, 8, "copies of the places each grant covers (funder occupancy)", """
        create table bookings.grant_places (
            grant_id  uuid primary key,
            funder_id uuid not null,
            site_ids  uuid[] not null,
            space_ids uuid[] not null
        );
        """);

    public async Task Handle(GrantAwardedForPlaces message, MessageContext context, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into bookings.grant_places (grant_id, funder_id, site_ids, space_ids) values ($1, $2, $3, $4)
            on conflict (grant_id) do nothing
            """, context.Database.Connection, context.Database.Transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.GrantId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.FunderId });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. message.SiteIds] });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. message.SpaceIds] });
        await command.ExecuteNonQueryAsync(ct);
    }
}
