using Allmende.Eventing.Messaging;
using Allmende.Membership.Contracts;

namespace Allmende.Host.Web.SignIn;

/// <summary>
/// A forgotten person loses their sign-in: the account is revoked (an event, for the audit trail), its
/// address key deleted, its address hash and sealed address cleared, its passkeys deleted.
/// </summary>
internal sealed class ForgottenAccounts
{
    public async Task Handle(PersonForgotten message, MessageContext context, CancellationToken ct)
    {
        var accounts = new List<(Guid Id, bool Revoked)>();
        await using (var find = context.Database.Command(
            "select account_id, revoked_at is not null from signin.accounts where person_id = $1 for update", message.PersonId))
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
                accounts.Add((reader.GetGuid(0), reader.GetBoolean(1)));
        }
        foreach (var (id, revoked) in accounts.Where(a => !a.Revoked))
            context.Work.Append(AccountStreams.Id(id), new AccessRevoked(id, "person forgotten"));
        await using (var passkeys = context.Database.Command(
            "delete from signin.passkeys where account_id in (select account_id from signin.accounts where person_id = $1)", message.PersonId))
            await passkeys.ExecuteNonQueryAsync(ct);
        await using (var keys = context.Database.Command(
            "delete from signin.account_keys where account_id in (select account_id from signin.accounts where person_id = $1)", message.PersonId))
            await keys.ExecuteNonQueryAsync(ct);
        await using var erase = context.Database.Command("""
            update signin.accounts set revoked_at = coalesce(revoked_at, $2), security_stamp = gen_random_uuid(), email_hash = null,
                   email_sealed = null, password_hash = null, invitation_hash = null
            where person_id = $1
            """, message.PersonId, message.At);
        await erase.ExecuteNonQueryAsync(ct);
    }
}
