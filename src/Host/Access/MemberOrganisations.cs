using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;

namespace Allmende.Host.Access;

/// <summary>
/// Keeps access.person_organisations from Membership's integration events: what a member's key may
/// act for. A forgotten person's keys are revoked with them.
/// </summary>
internal sealed class MemberOrganisations
{
    public async Task Handle(PersonActsForOrganisation message, MessageContext context, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            insert into access.person_organisations (person_id, organisation_id, role) values ($1, $2, $3)
            on conflict (person_id, organisation_id) do update set role = excluded.role
            """, message.PersonId, message.OrganisationId, message.Role);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task Handle(PersonStoppedActingForOrganisation message, MessageContext context, CancellationToken ct)
    {
        await using var command = context.Database.Command(
            "delete from access.person_organisations where person_id = $1 and organisation_id = $2", message.PersonId, message.OrganisationId);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task Handle(PersonForgotten message, MessageContext context, CancellationToken ct)
    {
        await using var command = context.Database.Command("""
            delete from access.person_organisations where person_id = $1
            """, message.PersonId);
        await command.ExecuteNonQueryAsync(ct);
        await using var revoke = context.Database.Command(
            "update access.api_keys set revoked_at = $2 where person_id = $1 and revoked_at is null", message.PersonId, message.At);
        await revoke.ExecuteNonQueryAsync(ct);
    }
}
