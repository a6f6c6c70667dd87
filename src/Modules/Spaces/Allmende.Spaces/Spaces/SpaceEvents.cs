using Allmende.Spaces.Common;

namespace Allmende.Spaces.Spaces;

// The space stream's events ("space-<id>"). Private to the module; stored as "spaces.space.<past-tense>".
// What other modules learn is published from Allmende.Spaces.Contracts.

internal interface ISpaceEvent
{
    Guid SpaceId { get; }
}

/// <summary>
/// What a space is. Places: desk places of a flexible-desk area (null for other kinds). Equipment is
/// free text ("projector", "flipchart").
/// </summary>
internal sealed record SpaceDetails(
    Guid? FloorId,
    string Name,
    SpaceKind Kind,
    int Capacity,
    int? Places,
    ValueList<AccessibilityFeature> Accessibility,
    ValueList<string> Equipment);

/// <summary>EUR cents, from a Europe/Berlin local date on until the next rate's date.</summary>
internal sealed record Rate(long HourlyRateCents, long MonthlyDeskFeeCents, DateOnly EffectiveFrom);

/// <summary>Durations and lead time in minutes (null: no limit); the organisation kinds that may book.</summary>
internal sealed record BookingRules(
    int? MinDurationMinutes,
    int? MaxDurationMinutes,
    int LeadTimeMinutes,
    bool ApprovalRequired,
    ValueList<OrganisationKind> OrganisationKinds)
{
    public static BookingRules Default { get; } = new(null, null, 0, false, [.. Enum.GetValues<OrganisationKind>()]);
}

internal sealed record SpaceOpened(Guid SpaceId, Guid SiteId, SpaceDetails Details, Rate Rate, BookingRules Rules) : ISpaceEvent;

internal sealed record SpaceDetailsChanged(Guid SpaceId, SpaceDetails Details) : ISpaceEvent;

/// <summary>New rates from Rate.EffectiveFrom on, replacing a rate scheduled for the same day.</summary>
internal sealed record SpaceRatesChanged(Guid SpaceId, Rate Rate) : ISpaceEvent;

internal sealed record SpaceRulesChanged(Guid SpaceId, BookingRules Rules) : ISpaceEvent;

/// <summary>Takes no bookings from now on; stays in history.</summary>
internal sealed record SpaceRetired(Guid SpaceId, DateTimeOffset At, string? Reason) : ISpaceEvent;

internal static class SpaceEventNames
{
    public static readonly IReadOnlyList<(Type Type, string Name)> All =
    [
        (typeof(SpaceOpened), "spaces.space.opened"),
        (typeof(SpaceDetailsChanged), "spaces.space.details-changed"),
        (typeof(SpaceRatesChanged), "spaces.space.rates-changed"),
        (typeof(SpaceRulesChanged), "spaces.space.rules-changed"),
        (typeof(SpaceRetired), "spaces.space.retired"),
    ];
}
