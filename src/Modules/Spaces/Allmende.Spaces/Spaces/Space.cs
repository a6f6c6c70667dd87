using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;

namespace Allmende.Spaces.Spaces;

/// <summary>A space as its decisions see it. Rates: the whole schedule, by effective date.</summary>
internal sealed record Space(
    Guid Id,
    Guid SiteId,
    SpaceDetails Details,
    ValueList<Rate> Rates,
    BookingRules Rules,
    DateTimeOffset? RetiredAt,
    string? RetirementReason) : IEventSourced<Space>
{
    public static string StreamId(Guid id) => $"space-{id:D}";

    public static Space Initial { get; } = new(Guid.Empty, Guid.Empty,
        new SpaceDetails(null, "", SpaceKind.Room, 0, null, [], []), [], BookingRules.Default, null, null);

    public bool IsOpened => Id != Guid.Empty;

    public bool IsRetired => RetiredAt is not null;

    /// <summary>Takes bookings: open, not retired, and not a kitchen, toilet or other never-booked part.</summary>
    public bool IsBookable => IsOpened && !IsRetired && Details.Kind != SpaceKind.NotBookable;

    /// <summary>The rate in force on a local date, if any is.</summary>
    public Rate? RateOn(DateOnly date) => Rates.LastOrDefault(r => r.EffectiveFrom <= date);

    /// <summary>Every decision on a space but opening starts here: a retired space takes no changes.</summary>
    public void EnsureNotRetired()
    {
        if (IsRetired)
            throw new DomainException("space-retired", $"Space '{Details.Name}' was retired on {RetiredAt:yyyy-MM-dd} and takes no changes.");
    }

    public static Space Evolve(Space state, object @event) => @event switch
    {
        SpaceOpened e => state with { Id = e.SpaceId, SiteId = e.SiteId, Details = e.Details, Rates = [e.Rate], Rules = e.Rules },
        SpaceDetailsChanged e => state with { Details = e.Details },
        SpaceRatesChanged e => state with { Rates = [.. state.Rates.Where(r => r.EffectiveFrom < e.Rate.EffectiveFrom), e.Rate] },
        SpaceRulesChanged e => state with { Rules = e.Rules },
        SpaceRetired e => state with { RetiredAt = e.At, RetirementReason = e.Reason },
        _ => state,
    };
}
