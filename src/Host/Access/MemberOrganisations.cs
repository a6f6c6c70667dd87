using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;

namespace Allmende.Host.Access;

/// <summary>
/// Keeps access.person_organisations from Membership's integration events: what a member's key may
/// act for. Messages can arrive in any order, so each row keeps the person stream's version and
/// only a newer fact changes it; forgetting a person and ending an organisation are final. A
/// forgotten person's keys are revoked (as events, for the audit trail) and lose their labels.
/// </summary>
internal sealed class MemberOrganisations
{
    public async Task Handle(PersonActsForOrganisation message, MessageContext context, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            insert into access.person_organisations as p (person_id, organisation_id, role, person_version, acting)
            select $1, $2, $3, $4, true
            where not exists (select 1 from access.forgotten_people f where f.person_id = $1)
            on conflict (person_id, organisation_id) do update set role = excluded.role, person_version = excluded.person_version, acting = true
            where p.person_version < excluded.person_version
            """, message.PersonId, message.OrganisationId, message.Role, message.PersonVersion);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task Handle(PersonStoppedActingForOrganisation message, MessageContext context, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            insert into access.person_organisations as p (person_id, organisation_id, role, person_version, acting)
            values ($1, $2, '', $3, false)
            on conflict (person_id, organisation_id) do update set person_version = excluded.person_version, acting = false
            where p.person_version < excluded.person_version
            """, message.PersonId, message.OrganisationId, message.PersonVersion);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task Handle(PersonForgotten message, MessageContext context, CancellationToken ct)
    {
        await using (var forget = context.Database.Command(
            "insert into access.forgotten_people (person_id) values ($1) on conflict do nothing", message.PersonId))
            await forget.ExecuteNonQueryAsync(ct);
        await using (var drop = context.Database.Command(
            "update access.person_organisations set acting = false where person_id = $1", message.PersonId))
            await drop.ExecuteNonQueryAsync(ct);

        var keys = new List<Guid>();
        await using (var find = context.Database.Command(
            "select key_id from access.api_keys where person_id = $1 and revoked_at is null for update", message.PersonId))
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                keys.Add(reader.GetGuid(0));
        }
        foreach (var key in keys)
            context.Work.Append(ApiKeyFormat.StreamId(key), new ApiKeyRevoked(key, "person forgotten"));
        // A label staff typed may name the person: it goes with them.
        await using var erase = context.Database.Command(
            "update access.api_keys set revoked_at = coalesce(revoked_at, $2), name = '(erased)' where person_id = $1",
            message.PersonId, message.At);
        await erase.ExecuteNonQueryAsync(ct);
    }

    public async Task Handle(OrganisationEnded message, MessageContext context, CancellationToken ct)
    {
        await using (var end = context.Database.Command(
            "insert into access.ended_organisations (organisation_id) values ($1) on conflict do nothing", message.OrganisationId))
            await end.ExecuteNonQueryAsync(ct);
        await using var drop = context.Database.Command(
            "update access.person_organisations set acting = false where organisation_id = $1", message.OrganisationId);
        await drop.ExecuteNonQueryAsync(ct);
    }
}
