using Allmende.Eventing.Messaging;
using Allmende.Host.Web.SignIn;
using Microsoft.Extensions.Options;

namespace Allmende.Host.Mail;

/// <summary>
/// Sent with an invitation (AccountStore.InviteAsync). SealedLink: the one-time token sealed with the
/// account's key, like its address; Language: "de", "en" or null (the installation's).
/// </summary>
internal sealed record InvitationMailDue(Guid AccountId, string SealedLink, string? Language)
{
    public override string ToString() => $"InvitationMailDue {{ AccountId = {AccountId} }}";
}

/// <summary>
/// Mails the one-time link to the invited address, opened at send time with the account's key: an
/// invitation revoked, used or forgotten before the send is not mailed.
/// </summary>
[RetryPolicy(MaxAttempts = 5, InitialDelayMilliseconds = 2_000, MaxDelayMilliseconds = 5 * 60_000)]
internal sealed class InvitationMails(MailSending mail, IOptions<MailOptions> options)
{
    public async Task Handle(InvitationMailDue m, MessageContext context, CancellationToken ct)
    {
        const string kind = "invitation";
        if (!mail.Enabled(kind, m.AccountId))
            return;
        await using var command = context.Database.Command("""
            select a.email_sealed, k.key, a.role, a.invitation_expires_at
            from signin.accounts a join signin.account_keys k using (account_id)
            where a.account_id = $1 and a.revoked_at is null and a.invitation_hash is not null and a.email_sealed is not null
            """, m.AccountId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            mail.Dropped(kind, m.AccountId, "the invitation was used, revoked or forgotten before it was sent");
            return;
        }
        var key = reader.GetFieldValue<byte[]>(1);
        var address = AccountStore.Open(key, m.AccountId, reader.GetString(0));
        var token = AccountStore.Open(key, m.AccountId, m.SealedLink, "invitation");
        var (role, expires) = (reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
        await reader.CloseAsync();
        var link = $"{options.Value.PublicUrl.TrimEnd('/')}/einladung/{token}";
        var text = MailTexts.Invitation(MailTexts.Language(m.Language, options.Value.Language), role, link, expires);
        await mail.SendAsync(kind, m.AccountId, context.MessageId, new Recipient(null, address), text, ct);
    }
}
