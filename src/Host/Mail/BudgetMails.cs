using Allmende.Eventing.Messaging;
using Allmende.Funding.Contracts;
using Microsoft.Extensions.Options;

namespace Allmende.Host.Mail;

/// <summary>A grant reached a warning threshold: the funder's contact address is told (its own delivery, so a failure to one never resends the other).</summary>
[RetryPolicy(MaxAttempts = 5, InitialDelayMilliseconds = 2_000, MaxDelayMilliseconds = 5 * 60_000)]
internal sealed class BudgetWarningToFunder(MailSending mail)
{
    public async Task Handle(GrantBudgetThresholdReached m, MessageContext context, CancellationToken ct)
    {
        const string kind = "budget-warning-funder";
        if (!mail.Enabled(kind, m.GrantId))
            return;
        var grant = await MailFacts.GrantAsync(context.Database, m.GrantId, m.FunderId, ct);
        if (string.IsNullOrWhiteSpace(grant.FunderEmail))
        {
            mail.Dropped(kind, m.GrantId, "the funder has no contact address");
            return;
        }
        var text = MailTexts.BudgetWarning(mail.DefaultLanguage, null, grant.Funder, grant.Grant, grant.Reference, m.ThresholdPercent, m.UsedCents, m.BudgetCents);
        await mail.SendAsync(kind, m.GrantId, context.MessageId, new Recipient(grant.Funder, grant.FunderEmail), text, ct);
    }
}

/// <summary>A grant reached a warning threshold: the staff's role address (Mail:StaffAddress) is told.</summary>
[RetryPolicy(MaxAttempts = 5, InitialDelayMilliseconds = 2_000, MaxDelayMilliseconds = 5 * 60_000)]
internal sealed class BudgetWarningToStaff(MailSending mail, IOptions<MailOptions> options)
{
    public async Task Handle(GrantBudgetThresholdReached m, MessageContext context, CancellationToken ct)
    {
        const string kind = "budget-warning-staff";
        if (!mail.Enabled(kind, m.GrantId))
            return;
        if (string.IsNullOrWhiteSpace(options.Value.StaffAddress))
        {
            mail.Dropped(kind, m.GrantId, "no staff address is set (Mail:StaffAddress)");
            return;
        }
        var grant = await MailFacts.GrantAsync(context.Database, m.GrantId, m.FunderId, ct);
        var text = MailTexts.BudgetWarning(mail.DefaultLanguage, null, grant.Funder, grant.Grant, grant.Reference, m.ThresholdPercent, m.UsedCents, m.BudgetCents);
        await mail.SendAsync(kind, m.GrantId, context.MessageId, new Recipient("Raumverwaltung", options.Value.StaffAddress), text, ct);
    }
}
