using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;
using Allmende.Funding.Grants;

namespace Allmende.Funding.Purposes;

// A payment for a sponsor's named purpose (the prize of a photo contest, a health project) is a cost like
// every other: its own stream "purpose-payment-<id>" holds the payment's facts, then the cost events
// (line, allocation in full to the grant, settled) that every report and the audit export already read
// (ADR 20). Stored names "funding.purpose-payment.<kebab>"; never rename one.

/// <summary>
/// Staff paid AmountCents from the grant on PaidOn (a Berlin date) for WhatFor, with the receipt's
/// reference; OrganisationId runs the purpose (the association holding the contest). WhatFor names a
/// purpose, never a person: the log cannot forget it (ADR 20).
/// </summary>
internal sealed record PurposePaymentRecorded(
    Guid PaymentId, Guid GrantId, Guid FunderId, Guid OrganisationId, DateOnly PaidOn, long AmountCents, string WhatFor, string ReceiptReference,
    DateTimeOffset At);

/// <summary>The payment was undone (booked in error, money returned); the grant gets the amount back.</summary>
internal sealed record PurposePaymentReversed(Guid PaymentId, string Reason, DateTimeOffset At);

internal static class PurposePaymentNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(PurposePaymentRecorded), "funding.purpose-payment.recorded"),
        (typeof(PurposePaymentReversed), "funding.purpose-payment.reversed"),
    ];
}

/// <summary>What staff record: the grant comes from the route.</summary>
internal sealed record PurposePaymentTerms(Guid OrganisationId, DateOnly PaidOn, long AmountCents, string WhatFor, string ReceiptReference);

/// <summary>The payment's stream folded: its facts, whether it was reversed, and the cost it is (for the ledger).</summary>
internal sealed record PurposePayment(PurposePaymentRecorded? Recorded, PurposePaymentReversed? Reversed, Cost Cost) : IEventSourced<PurposePayment>
{
    public static string StreamId(Guid id) => $"purpose-payment-{id:D}";

    public static PurposePayment Initial { get; } = new(null, null, Cost.Initial);

    public static PurposePayment Evolve(PurposePayment state, object @event) => (@event switch
    {
        PurposePaymentRecorded e => state with { Recorded = e },
        PurposePaymentReversed e => state with { Reversed = e },
        _ => state,
    }) with { Cost = Cost.Evolve(state.Cost, @event) };
}

/// <summary>
/// Pure decisions on a purpose payment. Rules (409): grant-closed, not-covered (the grant pays no
/// purposes, or not for that organisation), over-budget, payment-reversed. A date outside the grant's
/// period is bad input (400 on paidOn): the grant's period is known to whoever fills in the form.
/// </summary>
internal static class PurposePaymentDecisions
{
    public const string OverBudget = "over-budget";
    public const string NotCovered = "not-covered";
    public const string AlreadyReversed = "payment-reversed";

    public static CostLine LineOf(Guid paymentId, PurposePaymentTerms t) =>
        new(CostTypes.PurposePayments, SourceKinds.PurposePayment, paymentId, t.OrganisationId, null, null, null, null, null, t.PaidOn, 0, 0, 0,
            t.AmountCents, t.AmountCents);

    public static IReadOnlyList<object> Record(Grant grant, OrganisationFacts organisation, Guid paymentId, PurposePaymentTerms t, Ledger ledger,
        DateTimeOffset now)
    {
        if (grant.Closed)
            throw new DomainException(GrantDecisions.Closed, $"Grant {grant.Id} is closed: it pays nothing more.");
        if (!grant.Coverage.CostTypes.Contains(CostTypes.PurposePayments))
            throw new DomainException(NotCovered, $"Grant {grant.Id} does not pay for purposes (its cost types lack {CostTypes.PurposePayments}).");
        if (t.PaidOn < grant.StartsOn || t.PaidOn > grant.EndsOn)
            throw new BadInputException("paidOn", $"paidOn must lie in the grant's period, {grant.StartsOn:yyyy-MM-dd} to {grant.EndsOn:yyyy-MM-dd}.");
        var line = LineOf(paymentId, t);
        if (!grant.Covers(line, organisation))
            throw new DomainException(NotCovered, $"Grant {grant.Id} does not pay for this organisation (its organisations, kinds, non-profit rule or places).");
        if (t.AmountCents > grant.RemainingCents)
            throw new DomainException(OverBudget, $"Grant {grant.Id} has {grant.RemainingCents} cents left; the payment of {t.AmountCents} cents exceeds it.");
        return
        [
            new PurposePaymentRecorded(paymentId, grant.Id, grant.FunderId, t.OrganisationId, t.PaidOn, t.AmountCents, t.WhatFor, t.ReceiptReference, now),
            .. ledger.PayInFull(line, grant.Id, now),
            // Paid is final: spent at once, like a share payment.
            new CostSettled(paymentId, "paid", true, now),
        ];
    }

    public static IReadOnlyList<object> Reverse(PurposePayment payment, string reason, Ledger ledger, DateTimeOffset now)
    {
        if (payment.Reversed is not null || payment.Cost.Line is null)
            throw new DomainException(AlreadyReversed, $"Payment {payment.Recorded?.PaymentId} was reversed already.");
        return [new PurposePaymentReversed(payment.Recorded!.PaymentId, reason, now), .. ledger.Withdraw(payment.Cost, reason, now)];
    }
}
