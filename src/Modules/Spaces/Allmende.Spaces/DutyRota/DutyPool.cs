using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;
using Npgsql;

namespace Allmende.Spaces.DutyRota;

/// <summary>
/// Spaces' copy of who takes turns at which site: Membership keeps the rota's members (staff add a
/// person to a site's rota there), Spaces keeps the shifts, and only a person on the site's rota takes
/// one of its shifts.
/// </summary>
internal sealed class DutyPool
{
    public async Task Handle(PersonJoinedDutyRota message, MessageContext context, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            insert into spaces.duty_pool (person_id, site_id) values ($1, $2) on conflict do nothing
            """, context.Database.Connection, context.Database.Transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.PersonId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.SiteId });
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task Handle(PersonLeftDutyRota message, MessageContext context, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("delete from spaces.duty_pool where person_id = $1 and site_id = $2",
            context.Database.Connection, context.Database.Transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.PersonId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = message.SiteId });
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Whether the person is on the site's rota, as Spaces last heard from Membership.</summary>
    public static async Task<bool> IsOnRotaAsync(NpgsqlDataSource db, Guid personId, Guid siteId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select exists (select 1 from spaces.duty_pool where person_id = $1 and site_id = $2)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = personId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = siteId });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
