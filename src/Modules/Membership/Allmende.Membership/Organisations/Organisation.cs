using Allmende.Eventing.Streams;

namespace Allmende.Membership.Organisations;

/// <summary>An organisation as its decisions see it.</summary>
internal sealed record Organisation(
    Guid Id,
    OrganisationDetails Details,
    OrganisationStatus Status,
    int SharesSubscribed,
    long CentsPerShare,
    long PaidCents) : IEventSourced<Organisation>
{
    public static string StreamId(Guid id) => $"organisation-{id:D}";

    public static Organisation Initial { get; } = new(Guid.Empty, new OrganisationDetails("", OrganisationKind.Initiative, false, null, null),
        OrganisationStatus.Applied, 0, 0, 0);

    public long SubscribedCents => SharesSubscribed * CentsPerShare;

    public static Organisation Evolve(Organisation state, object @event) => @event switch
    {
        OrganisationApplied e => state with { Id = e.OrganisationId, Details = e.Details, Status = OrganisationStatus.Applied },
        OrganisationDetailsChanged e => state with { Details = e.Details },
        OrganisationActivated or OrganisationReactivated => state with { Status = OrganisationStatus.Active },
        OrganisationSuspended => state with { Status = OrganisationStatus.Suspended },
        OrganisationEnded => state with { Status = OrganisationStatus.Ended },
        CooperativeSharesSubscribed e => state with { SharesSubscribed = e.Shares, CentsPerShare = e.CentsPerShare },
        CooperativeSharePaymentRecorded e => state with { PaidCents = state.PaidCents + e.AmountCents },
        _ => state,
    };
}
