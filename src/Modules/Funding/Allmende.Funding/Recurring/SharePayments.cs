using Allmende.Eventing.Messaging;
using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;
using Allmende.Membership.Contracts;
using Microsoft.Extensions.Options;

namespace Allmende.Funding.Recurring;

/// <summary>
/// A payment on cooperative shares is a one-off cost of the organisation, allocated when Membership
/// records it (to grants covering "cooperative-shares", e.g. the city authority paying its own shares).
/// Its stream "share-payment-&lt;organisation&gt;-&lt;paid cents after it&gt;" makes it once only: the total paid
/// only grows, so each payment has its own.
/// </summary>
[RetryPolicy(MaxAttempts = 12, InitialDelayMilliseconds = 200, MaxDelayMilliseconds = 30_000)]
internal sealed class SharePaymentHandler(IOptions<FundingOptions> options, TimeProvider time)
{
    public static string StreamId(Guid organisationId, long paidCents) => $"share-payment-{organisationId:D}-{paidCents}";

    public async Task Handle(CooperativeSharePaymentRecorded message, MessageContext context, CancellationToken ct)
    {
        var streamId = StreamId(message.OrganisationId, message.PaidCents);
        if (await context.Work.LoadAsync<Cost>(streamId, ct) is not null)
            return;
        var line = new CostLine(CostTypes.CooperativeShares, SourceKinds.CooperativeShares, message.OrganisationId, message.OrganisationId, null, null, null,
            null, null, message.PaidOn, 0, 0, 0, message.AmountCents, message.AmountCents);
        await RecurringCosts.ChargeAsync(context, "share-payment", streamId, line, "paid", options.Value, time.GetUtcNow(), ct);
    }
}
