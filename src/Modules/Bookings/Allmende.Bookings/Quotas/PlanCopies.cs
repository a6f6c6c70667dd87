using Allmende.Eventing.Storage;
using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;
using NpgsqlTypes;

namespace Allmende.Bookings.Quotas;

/// <summary>
/// Keeps bookings.organisation_plans, Bookings' copy of the plans held for organisations, from
/// Membership's <see cref="MembershipPlanChanged"/> (a person's own plan, without an organisation,
/// gives no organisation an allowance and is not kept). A plan period is known by person,
/// organisation and first day. Membership only ever ends a period earlier (a later plan ends an open
/// one), never reopens or lengthens it, so the earliest end seen wins: deliveries in any order, and
/// again, leave the same row.
/// </summary>
internal sealed class PlanCopies
{
    public async Task Handle(MembershipPlanChanged message, MessageContext context, CancellationToken ct)
    {
        if (message.OrganisationId is not { } organisationId)
            return;
        await using var command = context.Database.Command("""
            insert into bookings.organisation_plans as t (person_id, organisation_id, valid_from, plan, valid_until)
            values ($1, $2, $3, $4, $5)
            on conflict (person_id, organisation_id, valid_from) do update set
                plan = excluded.plan,
                valid_until = case when t.valid_until is null then excluded.valid_until
                                   when excluded.valid_until is null then t.valid_until
                                   else least(t.valid_until, excluded.valid_until) end
            """, message.PersonId, organisationId, message.ValidFrom, message.Plan, null);
        command.Parameters[4] = SqlParameters.OrNull(message.ValidUntil, NpgsqlDbType.Date);
        await command.ExecuteNonQueryAsync(ct);
    }
}
