using System.Globalization;

namespace Allmende.Eventing.Api;

/// <summary>
/// Query parameters arrive as text and are read here, so that a malformed one is a 400 naming it
/// (the framework's own binding failure names nothing outside Development).
/// </summary>
public static class Query
{
    public static Guid? Guid(string? value, string name) =>
        value is null ? null
        : System.Guid.TryParse(value, out var id) ? id
        : throw new BadInputException(name, $"{name} must be an id like 0195a0b0-0000-7000-8000-000000000001.");

    public static int? Int(string? value, string name) =>
        value is null ? null
        : int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number
        : throw new BadInputException(name, $"{name} must be a whole number.");

    public static bool? Bool(string? value, string name) =>
        value is null ? null
        : bool.TryParse(value, out var flag) ? flag
        : throw new BadInputException(name, $"{name} must be true or false.");

    /// <summary>A calendar date (yyyy-MM-dd), e.g. a Europe/Berlin local day.</summary>
    public static DateOnly? Date(string? value, string name) =>
        value is null ? null
        : DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? Bounded(date, name)
        : throw new BadInputException(name, $"{name} must be a date like 2026-03-29.");

    /// <summary>A required calendar date (yyyy-MM-dd).</summary>
    public static DateOnly RequiredDate(string? value, string name, string example = "2026-03-29") =>
        Date(value, name) ?? throw new BadInputException(name, $"{name} is required, a date like {example}.");

    /// <summary>A month "yyyy-MM", as its first day.</summary>
    public static DateOnly? Month(string? value, string name) =>
        value is null ? null
        : value.Length == 7 && DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) ? Bounded(month, name)
        : throw new BadInputException(name, $"{name} must be a month like 2027-06.");

    public static DateOnly RequiredMonth(string? value, string name) =>
        Month(value, name) ?? throw new BadInputException(name, $"{name} is required, a month like 2027-06.");

    /// <summary>An instant; it must carry its offset (a local time alone names no instant).</summary>
    public static DateTimeOffset? Instant(string? value, string name) =>
        value is null ? null
        : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) && value.Contains('T', StringComparison.Ordinal)
            && HasOffset(value)
            ? Bounded(instant.ToUniversalTime(), name)
            : throw new BadInputException(name, $"{name} must be an instant with offset like 2026-10-24T23:00:00+02:00 (encode + as %2B).");

    /// <summary>A date inside the range every input keeps to (<see cref="InputRules"/>), else a 400 naming it.</summary>
    public static DateOnly Bounded(DateOnly date, string name) =>
        InputRules.InRange(date) ? date : throw new BadInputException(name, $"{name} must be {InputRules.DateRange}.");

    /// <summary>An instant inside the range every input keeps to (<see cref="InputRules"/>), else a 400 naming it.</summary>
    public static DateTimeOffset Bounded(DateTimeOffset instant, string name) =>
        InputRules.InRange(instant) ? instant : throw new BadInputException(name, $"{name} must be {InputRules.DateRange}.");

    public static PageRequest Page(string? offset, string? limit) => PageRequest.From(Int(offset, "offset"), Int(limit, "limit"));

    private static bool HasOffset(string value)
    {
        var time = value[(value.IndexOf('T', StringComparison.Ordinal) + 1)..];
        return time.EndsWith('Z') || time.EndsWith('z') || time.Contains('+', StringComparison.Ordinal) || time.Contains('-', StringComparison.Ordinal);
    }
}
