using Allmende.Spaces.Common;
using Allmende.Spaces.Contracts;
using FluentValidation;

namespace Allmende.Spaces.Sites;

// The shapes sites take in requests, responses and published contracts, and how the state maps to them.

internal sealed record AddressDto(string Street, string PostalCode, string City);

/// <summary>"day": "monday" … "sunday"; "opens"/"closes": "HH:mm", local time; "closes" may be "24:00".</summary>
internal sealed record OpeningIntervalDto(string Day, string Opens, string Closes);

/// <summary>Local dates, both inclusive; either may be null (open-ended).</summary>
internal sealed record LeaseDto(DateOnly? From, DateOnly? Until);

internal sealed record FloorResponse(Guid Id, string Name);

internal sealed record ClosureResponse(Guid Id, DateTimeOffset From, DateTimeOffset To, DateOnly? FirstDay, DateOnly? LastDay, string Reason);

internal sealed record SiteResponse(
    Guid Id,
    string Name,
    AddressDto Address,
    string TimeZone,
    IReadOnlyList<FloorResponse> Floors,
    IReadOnlyList<OpeningIntervalDto> OpeningHours,
    IReadOnlyList<ClosureResponse> Closures,
    LeaseDto? Lease,
    long Version)
{
    public static SiteResponse From(Site site, long version) => new(
        site.Id,
        site.Name,
        SiteMapping.ToDto(site.Address),
        Berlin.TimeZoneId,
        [.. site.Floors.Select(f => new FloorResponse(f.FloorId, f.Name))],
        [.. SiteMapping.ToDtos(site.OpeningHours)],
        [.. site.Closures.OrderBy(c => c.From).Select(SiteMapping.ToResponse)],
        site.Lease is { } lease ? new LeaseDto(lease.From, lease.Until) : null,
        version);
}

internal sealed record SiteSummary(Guid Id, string Name, AddressDto Address, LeaseDto? Lease, long Version);

internal static class SiteMapping
{
    private static readonly DayOfWeek[] WeekOrder =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday, DayOfWeek.Saturday, DayOfWeek.Sunday];

    public static AddressDto ToDto(Address a) => new(a.Street, a.PostalCode, a.City);

    public static Address ToAddress(AddressDto a) => new(a.Street.Trim(), a.PostalCode.Trim(), a.City.Trim());

    public static string DayName(DayOfWeek day) => day.ToString().ToLowerInvariant();

    public static bool TryParseDay(string? text, out DayOfWeek day)
    {
        day = WeekOrder.FirstOrDefault(d => DayName(d) == text);
        return text is not null && DayName(day) == text;
    }

    /// <summary>Validated request intervals as the events keep them: Monday first, then by opening time.</summary>
    public static ValueList<OpeningInterval> ToIntervals(IEnumerable<OpeningIntervalDto> dtos) =>
        Normalise(dtos.Select(d =>
        {
            _ = TryParseDay(d.Day, out var day);
            _ = Berlin.TryParseClockTime(d.Opens, closing: false, out var opens);
            _ = Berlin.TryParseClockTime(d.Closes, closing: true, out var closes);
            return new OpeningInterval(day, opens, closes);
        }));

    public static ValueList<OpeningInterval> Normalise(IEnumerable<OpeningInterval> intervals) =>
        intervals.OrderBy(i => Array.IndexOf(WeekOrder, i.Day)).ThenBy(i => i.OpensMinute).ToValueList();

    public static IEnumerable<OpeningIntervalDto> ToDtos(IEnumerable<OpeningInterval> intervals) =>
        Normalise(intervals).Select(i => new OpeningIntervalDto(DayName(i.Day), Berlin.FormatOpens(i.Opens), Berlin.FormatCloses(i.Closes)));

    public static ClosureResponse ToResponse(Closure c) => new(c.ClosureId, c.From, c.To, c.FirstDay, c.LastDay, c.Reason);

    // Contracts: everything a subscriber needs, in BCL types only.

    public static SiteAddress ToContract(Address a) => new(a.Street, a.PostalCode, a.City);

    public static IReadOnlyList<SiteFloor> FloorsContract(Site site) => [.. site.Floors.Select(f => new SiteFloor(f.FloorId, f.Name))];

    public static IReadOnlyList<Contracts.OpeningInterval> HoursContract(Site site) =>
        [.. Normalise(site.OpeningHours).Select(i => new Contracts.OpeningInterval(i.Day, i.Opens, i.Closes))];

    public static SiteLease? LeaseContract(Site site) =>
        site.Lease is { } l ? new SiteLease(l.From, l.Until, l.StartsAt, l.EndsAt) : null;

    public static Contracts.SiteRegistered Registered(Site site) =>
        new(site.Id, site.Name, ToContract(site.Address), Berlin.TimeZoneId, FloorsContract(site), HoursContract(site), LeaseContract(site));

    public static SiteChanged Changed(Site site) => new(site.Id, site.Name, ToContract(site.Address), FloorsContract(site));

    public static SiteHoursChanged HoursChanged(Site site) => new(site.Id, Berlin.TimeZoneId, HoursContract(site));

    public static SiteLeaseChanged LeaseChanged(Site site) => new(site.Id, LeaseContract(site));
}

internal sealed class AddressValidator : AbstractValidator<AddressDto>
{
    public AddressValidator()
    {
        RuleFor(a => a.Street).NotEmpty().MaximumLength(200);
        RuleFor(a => a.PostalCode).NotEmpty().MaximumLength(20);
        RuleFor(a => a.City).NotEmpty().MaximumLength(100);
    }
}

internal sealed class LeaseValidator : AbstractValidator<LeaseDto>
{
    public LeaseValidator()
    {
        RuleFor(l => l.Until).GreaterThanOrEqualTo(l => l.From).When(l => l.From is not null && l.Until is not null)
            .WithMessage("until must not be before from.");
        RuleFor(l => l.From).Must(Berlin.IsSupported).WithMessage("from " + Berlin.SupportedRange);
        RuleFor(l => l.Until).Must(Berlin.IsSupported).WithMessage("until " + Berlin.SupportedRange);
    }
}

/// <summary>A week's intervals must not overlap on any day (touching is fine: 08:00–12:00, 12:00–14:00).</summary>
internal static class OpeningHoursRules
{
    public const int MaxIntervals = 7 * 24;

    public static bool NotOverlap(IReadOnlyList<OpeningIntervalDto>? list) => list is null || Overlapping(list) is null;

    public static string OverlapMessage(IReadOnlyList<OpeningIntervalDto>? list) =>
        $"Opening intervals overlap on {(list is null ? "" : Overlapping(list))}.";

    private static string? Overlapping(IReadOnlyList<OpeningIntervalDto> list)
    {
        var parsed = list
            .Where(d => d is not null && OpeningIntervalValidator.IsValid(d))
            .Select(d => SiteMapping.ToIntervals([d])[0]);
        foreach (var day in parsed.GroupBy(i => i.Day))
        {
            var ordered = day.OrderBy(i => i.OpensMinute).ToList();
            for (var k = 1; k < ordered.Count; k++)
            {
                if (ordered[k].OpensMinute < ordered[k - 1].ClosesMinute)
                    return SiteMapping.DayName(day.Key);
            }
        }
        return null;
    }
}

internal sealed class OpeningIntervalValidator : AbstractValidator<OpeningIntervalDto>
{
    public OpeningIntervalValidator()
    {
        RuleFor(i => i.Day).Must(d => SiteMapping.TryParseDay(d, out _))
            .WithMessage("day must be one of monday, tuesday, wednesday, thursday, friday, saturday, sunday.");
        RuleFor(i => i.Opens).Must(t => Berlin.TryParseClockTime(t, closing: false, out _))
            .WithMessage("opens must be a local time \"HH:mm\" from 00:00 to 23:59.");
        RuleFor(i => i.Closes).Must(t => Berlin.TryParseClockTime(t, closing: true, out _))
            .WithMessage("closes must be a local time \"HH:mm\" from 00:01 to 24:00.");
        RuleFor(i => i.Closes).Must((i, _) => ClosesAfterOpens(i))
            .When(i => Berlin.TryParseClockTime(i.Opens, false, out _) && Berlin.TryParseClockTime(i.Closes, true, out _))
            .WithMessage("closes must be after opens (an interval ends at 24:00 at the latest; split overnight hours at midnight).");
    }

    public static bool IsValid(OpeningIntervalDto d) =>
        SiteMapping.TryParseDay(d.Day, out _)
        && Berlin.TryParseClockTime(d.Opens, false, out _)
        && Berlin.TryParseClockTime(d.Closes, true, out _)
        && ClosesAfterOpens(d);

    private static bool ClosesAfterOpens(OpeningIntervalDto d)
    {
        _ = Berlin.TryParseClockTime(d.Opens, false, out var opens);
        _ = Berlin.TryParseClockTime(d.Closes, true, out var closes);
        var interval = new OpeningInterval(DayOfWeek.Monday, opens, closes);
        return interval.ClosesMinute > interval.OpensMinute;
    }
}
