using System.Collections.Immutable;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Funding.Allocation;
using Allmende.Funding.Common;
using Allmende.Funding.Grants;
using Allmende.Funding.Recurring;

namespace Allmende.Funding.UsageAgreements;

// The private events of a usage agreement's stream "usage-agreement-<id>". Stored names
// "funding.usage-agreement.<kebab>"; never rename one.

/// <summary>
/// An organisation pays a monthly fee (cents) for a set of spaces at one site (a whole floor, say),
/// from From (a Berlin date) until Until (inclusive; null: open-ended). Charged in arrears each month.
/// </summary>
internal sealed record UsageAgreementMade(
    Guid AgreementId, Guid OrganisationId, Guid SiteId, string Name, IReadOnlyList<Guid> SpaceIds, DateOnly From, DateOnly? Until, long MonthlyFeeCents,
    DateTimeOffset At);

/// <summary>New terms from a month's first day on (replacing any set for that month or later).</summary>
internal sealed record UsageAgreementAmended(Guid AgreementId, DateOnly EffectiveFrom, long MonthlyFeeCents, IReadOnlyList<Guid> SpaceIds, string Reason,
    DateTimeOffset At);

/// <summary>The agreement ends earlier: Until is its last day now.</summary>
internal sealed record UsageAgreementEnded(Guid AgreementId, DateOnly Until, DateOnly? PreviousUntil, string Reason, DateTimeOffset At);

internal static class UsageAgreementNames
{
    public static IReadOnlyList<(Type Type, string Name)> All { get; } =
    [
        (typeof(UsageAgreementMade), "funding.usage-agreement.made"),
        (typeof(UsageAgreementAmended), "funding.usage-agreement.amended"),
        (typeof(UsageAgreementEnded), "funding.usage-agreement.ended"),
        (typeof(UsageFeeDue), "funding.usage-fee-due"),
    ];
}

/// <summary>The monthly fee and the spaces in force from a month's first day.</summary>
internal sealed record UsageTerms(DateOnly EffectiveFrom, long MonthlyFeeCents, IReadOnlyList<Guid> SpaceIds);

internal sealed record UsageAgreement(
    Guid Id, Guid OrganisationId, Guid SiteId, string Name, DateOnly From, DateOnly? Until, ImmutableList<UsageTerms> Terms) : IEventSourced<UsageAgreement>
{
    public static string StreamId(Guid id) => $"usage-agreement-{id:D}";

    public static UsageAgreement Initial { get; } = new(Guid.Empty, Guid.Empty, Guid.Empty, "", default, null, []);

    public bool Exists => Id != Guid.Empty;

    public UsageTerms Current => Terms[^1];

    public static UsageAgreement Evolve(UsageAgreement state, object @event) => @event switch
    {
        // The first terms run from the start month's first day, so that an amendment for that month replaces them.
        UsageAgreementMade e => new(e.AgreementId, e.OrganisationId, e.SiteId, e.Name, e.From, e.Until,
            [new UsageTerms(Berlin.MonthOf(e.From), e.MonthlyFeeCents, e.SpaceIds)]),
        UsageAgreementAmended e => state with
        {
            Terms = state.Terms.RemoveAll(t => t.EffectiveFrom >= e.EffectiveFrom).Add(new UsageTerms(e.EffectiveFrom, e.MonthlyFeeCents, e.SpaceIds)),
        },
        UsageAgreementEnded e => state with { Until = e.Until },
        _ => state,
    };

    /// <summary>
    /// The fee of a Berlin month: the terms in force in that month, pro rata by the days the agreement
    /// runs in it (rounded half up, as desk fees); null if it does not run in that month at all.
    /// </summary>
    public CostLine? LineFor(DateOnly month)
    {
        month = Berlin.MonthOf(month);
        var last = month.AddMonths(1).AddDays(-1);
        var first = From > month ? From : month;
        var until = Until is { } u && u < last ? u : last;
        if (!Exists || until < first)
            return null;
        var terms = Terms.LastOrDefault(t => t.EffectiveFrom <= month) ?? Terms[0];
        var days = until.DayNumber - first.DayNumber + 1;
        return new CostLine(CostTypes.UsageFees, SourceKinds.UsageAgreement, Id, OrganisationId, SiteId, null, null, null, null, month, 0, 0, days,
            terms.MonthlyFeeCents, DeskFeeHandler.ProRata(terms.MonthlyFeeCents, days, Berlin.DaysIn(month)), terms.SpaceIds);
    }
}

/// <summary>
/// Pure decisions on an agreement. Months are charged in arrears once they end, so a change never
/// reaches back into a month that ended: rules (the "rule" of a 409) month-charged, not-earlier, before-start.
/// </summary>
internal static class UsageAgreementDecisions
{
    public const string MonthCharged = "month-charged";
    public const string NotEarlier = "not-earlier";
    public const string BeforeStart = "before-start";

    public static IReadOnlyList<object> Amend(UsageAgreement state, DateOnly effectiveFrom, long monthlyFeeCents, IReadOnlyList<Guid>? spaceIds,
        string reason, DateTimeOffset now)
    {
        var current = Berlin.MonthOf(now);
        if (effectiveFrom < current)
            throw new DomainException(MonthCharged, $"Months before {Berlin.Format(current)} have ended and are charged; amend from {current:yyyy-MM-dd} on.");
        if (effectiveFrom < Berlin.MonthOf(state.From))
            throw new DomainException(BeforeStart, $"The agreement starts on {state.From:yyyy-MM-dd}.");
        return [new UsageAgreementAmended(state.Id, effectiveFrom, monthlyFeeCents, spaceIds ?? state.Current.SpaceIds, reason, now)];
    }

    public static IReadOnlyList<object> End(UsageAgreement state, DateOnly until, string reason, DateTimeOffset now)
    {
        var current = Berlin.MonthOf(now);
        if (until < state.From)
            throw new DomainException(BeforeStart, $"The agreement starts on {state.From:yyyy-MM-dd}; its last day cannot be earlier.");
        if (until < current.AddDays(-1))
            throw new DomainException(MonthCharged, $"Months before {Berlin.Format(current)} have ended and are charged; the last day must be {current.AddDays(-1):yyyy-MM-dd} or later.");
        if (state.Until is { } previous && until >= previous)
            throw new DomainException(NotEarlier, $"The agreement ends on {previous:yyyy-MM-dd} already; an end must be earlier.");
        return [new UsageAgreementEnded(state.Id, until, state.Until, reason, now)];
    }
}
