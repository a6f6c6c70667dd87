using Allmende.Eventing.Messaging;
using Allmende.Funding.Allocation;
using Allmende.Funding.Common;
using Allmende.Funding.Recurring;
using Microsoft.Extensions.Options;

namespace Allmende.Funding.UsageAgreements;

/// <summary>Charge one usage agreement's fee for one Berlin month (sent by <see cref="MonthEndedHandler"/>, or at once for months already ended).</summary>
internal sealed record UsageFeeDue(Guid AgreementId, DateOnly Month);

/// <summary>
/// Charges a usage agreement's monthly fee once, as desk fees are: the fee's stream
/// "usage-fee-&lt;agreement&gt;-&lt;yyyy-MM&gt;" is started with its allocations, and a second start (a
/// redelivery, another host, the month end after the agreement charged the month at its creation) finds
/// it and does nothing, or fails and is retried into finding it. Spent at once.
/// </summary>
[RetryPolicy(MaxAttempts = 12, InitialDelayMilliseconds = 200, MaxDelayMilliseconds = 30_000)]
internal sealed class UsageFeeHandler(IOptions<FundingOptions> options, TimeProvider time)
{
    public static string StreamId(Guid agreementId, DateOnly month) => $"usage-fee-{agreementId:D}-{Berlin.Format(month)}";

    public async Task Handle(UsageFeeDue message, MessageContext context, CancellationToken ct)
    {
        var streamId = StreamId(message.AgreementId, message.Month);
        if (await context.Work.LoadAsync<Cost>(streamId, ct) is not null)
            return;
        var agreement = await context.Work.LoadAsync<UsageAgreement>(UsageAgreement.StreamId(message.AgreementId), ct);
        if (agreement?.State.LineFor(message.Month) is not { } line)
            return; // ended before that month after all
        await RecurringCosts.ChargeAsync(context, "usage-fee", streamId, line, "charged-monthly", options.Value, time.GetUtcNow(), ct);
    }
}
