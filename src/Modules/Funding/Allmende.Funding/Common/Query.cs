using System.Globalization;
using Allmende.Eventing.Api;

namespace Allmende.Funding.Common;

/// <summary>Query parameters arrive as text so that a malformed one is a 400 naming it.</summary>
internal static class Query
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

    /// <summary>A month "yyyy-MM", as its first day.</summary>
    public static DateOnly? Month(string? value, string name) =>
        value is null ? null
        : DateOnly.TryParseExact(value + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) ? month
        : throw new BadInputException(name, $"{name} must be a month like 2027-06.");

    public static DateOnly RequiredMonth(string? value, string name) =>
        Month(value, name) ?? throw new BadInputException(name, $"{name} is required, a month like 2027-06.");

    public static PageRequest Page(string? offset, string? limit) => PageRequest.From(Int(offset, "offset"), Int(limit, "limit"));
}
