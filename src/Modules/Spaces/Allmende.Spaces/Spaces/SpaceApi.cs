using Allmende.Spaces.Common;
using Allmende.Spaces.Contracts;
using FluentValidation;

namespace Allmende.Spaces.Spaces;

// The shapes spaces take in requests, responses and published contracts, and how the state maps to them.

/// <summary>What opening a space and changing its details both say about it.</summary>
internal interface ISpaceDetailsRequest
{
    Guid? FloorId { get; }
    string Name { get; }
    string Kind { get; }
    int Capacity { get; }
    int? Places { get; }
    IReadOnlyList<string>? Accessibility { get; }
    IReadOnlyList<string>? Equipment { get; }
}

/// <summary>EUR cents; 0 is free.</summary>
internal sealed record RatesDto(long HourlyRateCents, long MonthlyDeskFeeCents);

/// <summary>
/// Minutes; null min/max: no limit, null leadTime: 0, null approvalRequired: false, null
/// organisationKinds: every kind may book.
/// </summary>
internal sealed record BookingRulesDto(
    int? MinDurationMinutes,
    int? MaxDurationMinutes,
    int? LeadTimeMinutes,
    bool? ApprovalRequired,
    IReadOnlyList<string>? OrganisationKinds);

internal sealed record RateResponse(long HourlyRateCents, long MonthlyDeskFeeCents, DateOnly EffectiveFrom);

internal sealed record BookingRulesResponse(int? MinDurationMinutes, int? MaxDurationMinutes, int LeadTimeMinutes, bool ApprovalRequired, IReadOnlyList<string> OrganisationKinds);

/// <summary>A space; currentRates: those in force today (Europe/Berlin); rates: the whole schedule.</summary>
internal sealed record SpaceResponse(
    Guid Id,
    Guid SiteId,
    Guid? FloorId,
    string Name,
    string Kind,
    int Capacity,
    int? Places,
    IReadOnlyList<string> Accessibility,
    IReadOnlyList<string> Equipment,
    bool Bookable,
    RateResponse? CurrentRates,
    IReadOnlyList<RateResponse> Rates,
    BookingRulesResponse Rules,
    bool Retired,
    DateTimeOffset? RetiredAt,
    string? RetirementReason,
    long Version)
{
    public static SpaceResponse From(Space space, long version, DateOnly today) => new(
        space.Id,
        space.SiteId,
        space.Details.FloorId,
        space.Details.Name,
        Codes.Of(space.Details.Kind),
        space.Details.Capacity,
        space.Details.Places,
        [.. space.Details.Accessibility.Select(Codes.Of)],
        space.Details.Equipment,
        space.IsBookable,
        space.RateOn(today) is { } current ? SpaceMapping.ToResponse(current) : null,
        [.. space.Rates.Select(SpaceMapping.ToResponse)],
        new BookingRulesResponse(space.Rules.MinDurationMinutes, space.Rules.MaxDurationMinutes, space.Rules.LeadTimeMinutes,
            space.Rules.ApprovalRequired, [.. space.Rules.OrganisationKinds.Select(Codes.Of)]),
        space.IsRetired,
        space.RetiredAt,
        space.RetirementReason,
        version);
}

internal sealed record SpaceSummary(
    Guid Id,
    Guid SiteId,
    Guid? FloorId,
    string Name,
    string Kind,
    int Capacity,
    int? Places,
    IReadOnlyList<string> Accessibility,
    bool Bookable,
    bool Retired,
    long Version);

internal static class SpaceMapping
{
    public static RateResponse ToResponse(Rate r) => new(r.HourlyRateCents, r.MonthlyDeskFeeCents, r.EffectiveFrom);

    /// <summary>Validated request details as the events keep them (codes parsed, duplicates dropped, text trimmed).</summary>
    public static SpaceDetails ToDetails(ISpaceDetailsRequest r) => new(
        r.FloorId,
        r.Name.Trim(),
        Codes.Parse<SpaceKind>(r.Kind),
        r.Capacity,
        r.Places,
        (r.Accessibility ?? []).Select(Codes.Parse<AccessibilityFeature>).Distinct().Order().ToValueList(),
        (r.Equipment ?? []).Select(e => e.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToValueList());

    public static BookingRules ToRules(BookingRulesDto? r) => r is null
        ? BookingRules.Default
        : new BookingRules(
            r.MinDurationMinutes,
            r.MaxDurationMinutes,
            r.LeadTimeMinutes ?? 0,
            r.ApprovalRequired ?? false,
            r.OrganisationKinds is null
                ? BookingRules.Default.OrganisationKinds
                : r.OrganisationKinds.Select(Codes.Parse<OrganisationKind>).Distinct().Order().ToValueList());

    // Contracts: the whole space as it is after the change.

    private static IReadOnlyList<SpaceRate> RatesContract(Space s) =>
        [.. s.Rates.Select(r => new SpaceRate(r.HourlyRateCents, r.MonthlyDeskFeeCents, r.EffectiveFrom))];

    private static SpaceBookingRules RulesContract(Space s) =>
        new(s.Rules.MinDurationMinutes, s.Rules.MaxDurationMinutes, s.Rules.LeadTimeMinutes, s.Rules.ApprovalRequired,
            [.. s.Rules.OrganisationKinds.Select(Codes.Of)]);

    public static Contracts.SpaceOpened Opened(Space s) => new(
        s.Id, s.SiteId, s.Details.FloorId, s.Details.Name, Codes.Of(s.Details.Kind), s.IsBookable, s.Details.Capacity, s.Details.Places,
        [.. s.Details.Accessibility.Select(Codes.Of)], [.. s.Details.Equipment], RatesContract(s), RulesContract(s));

    public static SpaceChanged Changed(Space s) => new(
        s.Id, s.SiteId, s.Details.FloorId, s.Details.Name, Codes.Of(s.Details.Kind), s.IsBookable, s.Details.Capacity, s.Details.Places,
        [.. s.Details.Accessibility.Select(Codes.Of)], [.. s.Details.Equipment], RatesContract(s), RulesContract(s));
}

internal sealed class SpaceDetailsValidator : AbstractValidator<ISpaceDetailsRequest>
{
    public const int MaxCapacity = 10_000;

    public SpaceDetailsValidator()
    {
        RuleFor(r => r.FloorId).NotEqual(Guid.Empty).When(r => r.FloorId is not null);
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Kind).Must(Codes.IsValid<SpaceKind>).WithMessage($"kind must be {Codes.OneOf<SpaceKind>()}.");
        RuleFor(r => r.Capacity).InclusiveBetween(1, MaxCapacity).When(r => r.Kind != Codes.Of(SpaceKind.NotBookable))
            .WithMessage($"capacity must be between 1 and {MaxCapacity} people.");
        RuleFor(r => r.Capacity).InclusiveBetween(0, MaxCapacity).When(r => r.Kind == Codes.Of(SpaceKind.NotBookable))
            .WithMessage($"capacity must be between 0 and {MaxCapacity} people.");
        When(r => r.Kind == Codes.Of(SpaceKind.FlexibleDeskArea), () =>
        {
            RuleFor(r => r.Places).NotNull().WithMessage("A flexible-desk-area needs its number of places.")
                .InclusiveBetween(1, MaxCapacity)
                .LessThanOrEqualTo(r => r.Capacity).WithMessage("places must not exceed capacity.");
        }).Otherwise(() =>
            RuleFor(r => r.Places).Null().WithMessage("Only a flexible-desk-area has places; leave places out."));
        RuleFor(r => r.Accessibility).Must(a => a is null || a.Count <= 50).WithMessage("At most 50 accessibility codes.");
        RuleForEach(r => r.Accessibility).Must(Codes.IsValid<AccessibilityFeature>)
            .WithMessage($"Accessibility codes are {Codes.OneOf<AccessibilityFeature>()}.");
        RuleFor(r => r.Equipment).Must(e => e is null || e.Count <= 50).WithMessage("At most 50 pieces of equipment.");
        RuleForEach(r => r.Equipment).NotEmpty().MaximumLength(100);
    }
}

internal sealed class RatesValidator : AbstractValidator<RatesDto>
{
    public const long MaxCents = 10_000_000;

    public RatesValidator()
    {
        RuleFor(r => r.HourlyRateCents).InclusiveBetween(0, MaxCents);
        RuleFor(r => r.MonthlyDeskFeeCents).InclusiveBetween(0, MaxCents);
    }
}

internal sealed class BookingRulesValidator : AbstractValidator<BookingRulesDto>
{
    private const int Year = 366 * 24 * 60;

    public BookingRulesValidator()
    {
        RuleFor(r => r.MinDurationMinutes).InclusiveBetween(1, Year).When(r => r.MinDurationMinutes is not null);
        RuleFor(r => r.MaxDurationMinutes).InclusiveBetween(1, Year).When(r => r.MaxDurationMinutes is not null);
        RuleFor(r => r.MaxDurationMinutes).GreaterThanOrEqualTo(r => r.MinDurationMinutes)
            .When(r => r.MinDurationMinutes is not null && r.MaxDurationMinutes is not null)
            .WithMessage("maxDurationMinutes must not be less than minDurationMinutes.");
        RuleFor(r => r.LeadTimeMinutes).InclusiveBetween(0, Year).When(r => r.LeadTimeMinutes is not null);
        RuleFor(r => r.OrganisationKinds).Must(k => k is null || k.Count > 0)
            .WithMessage("Name at least one organisation kind, or leave organisationKinds out to admit every kind.");
        RuleForEach(r => r.OrganisationKinds).Must(Codes.IsValid<OrganisationKind>)
            .WithMessage($"Organisation kinds are {Codes.OneOf<OrganisationKind>()}.");
    }
}
