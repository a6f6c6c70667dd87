using System.Globalization;
using Allmende.Eventing.Api;

namespace Allmende.Spaces.Common;

/// <summary>
/// Query parameters arrive as text and are read here, so that a malformed one is a 400 naming it
/// (the framework's own binding failure names nothing outside Development).
/// </summary>
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

    public static DateOnly? Date(string? value, string name) =>
        value is null ? null
        : DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date
        : throw new BadInputException(name, $"{name} must be a date like 2026-03-29.");

    public static PageRequest Page(string? offset, string? limit) => PageRequest.From(Int(offset, "offset"), Int(limit, "limit"));
}
