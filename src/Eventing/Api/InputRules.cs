using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Eventing.Api;

/// <summary>
/// The rules every input of the API meets before any endpoint sees it, in every module alike:
/// text holds no control characters (PostgreSQL refuses NUL outright, and the others only hide
/// things from people), names are one line without bidirectional overrides or zero-width
/// characters (they make one name look like another), and every date and instant lies between
/// 1900-01-01 and 2200-12-31 (ADR 7): far enough for any lease or grant, near enough that adding a
/// period or a time zone offset never leaves the calendar the code and the database can count in.
/// </summary>
public static class InputRules
{
    public static readonly DateOnly EarliestDate = new(1900, 1, 1);
    public static readonly DateOnly LatestDate = new(2200, 12, 31);

    /// <summary>The first instant of <see cref="EarliestDate"/> (UTC).</summary>
    public static readonly DateTimeOffset EarliestInstant = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The end of <see cref="LatestDate"/> (UTC), itself allowed as an exclusive end.</summary>
    public static readonly DateTimeOffset LatestInstant = new(2201, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string DateRange = "between 1900-01-01 and 2200-12-31";

    public static bool InRange(DateOnly date) => date >= EarliestDate && date <= LatestDate;

    public static bool InRange(DateTimeOffset instant) => instant >= EarliestInstant && instant <= LatestInstant;

    /// <summary>Why <paramref name="value"/> is refused as the text of <paramref name="field"/>, or null if it is fine.</summary>
    public static string? TextProblem(string value, string field)
    {
        var name = IsName(field);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return $"{field} holds a broken character (an unpaired surrogate).";
            if (char.IsControl(c) && (name || c is not ('\n' or '\r' or '\t')))
                return name
                    ? $"{field} must be one line without control characters (such as NUL or a line break)."
                    : $"{field} must not contain control characters (such as NUL); line breaks and tabs are allowed.";
            if (name && IsInvisibleFormat(c))
                return $"{field} must not contain bidirectional overrides or zero-width characters (U+{(int)c:X4}).";
        }
        return null;
    }

    /// <summary>
    /// Names are single-line labels people compare by eye: "name", "firstName", "displayName", …, and
    /// the items of a list of strings ("floors[0]", "equipment[1]"), which are labels or codes too.
    /// </summary>
    private static bool IsName(string field)
    {
        if (field.EndsWith(']'))
            return true;
        var last = field[(field.LastIndexOf('.') + 1)..];
        var bracket = last.IndexOf('[', StringComparison.Ordinal);
        if (bracket >= 0)
            last = last[..bracket];
        return last == "name" || last.EndsWith("Name", StringComparison.Ordinal);
    }

    // Bidi marks, embeddings, overrides and isolates; zero-width space, joiners, word joiner, BOM;
    // line and paragraph separators (a second line in disguise).
    private static bool IsInvisibleFormat(char c) => c is '\u061C' or '\u200B' or '\u200C' or '\u200D' or '\u200E' or '\u200F'
        or (>= '\u202A' and <= '\u202E') or '\u2028' or '\u2029' or '\u2060' or (>= '\u2066' and <= '\u2069') or '\uFEFF';

    /// <summary>
    /// An endpoint filter for a whole group of endpoints: the request body, if the endpoint has one,
    /// is checked field by field (every string, date and instant in it, nested records and lists
    /// included) and a breach answers 400 naming each field as the client spelt it.
    /// </summary>
    public static EndpointFilterDelegate BodyFilter(EndpointFilterFactoryContext factory, EndpointFilterDelegate next)
    {
        var services = factory.ApplicationServices.GetService<IServiceProviderIsService>();
        var index = Array.FindIndex(factory.MethodInfo.GetParameters(), p => IsBody(p, services));
        if (index < 0)
            return next;
        return async context =>
        {
            var errors = new Dictionary<string, List<string>>();
            if (context.Arguments[index] is { } body)
                Check(body, "", errors, depth: 0);
            if (errors.Count == 0)
                return await next(context);
            return Results.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()),
                title: "The request has invalid fields", detail: $"Invalid: {string.Join(", ", errors.Keys)}.");
        };
    }

    /// <summary>As minimal APIs bind: [FromBody], or one of our own records that is no service and not bound from elsewhere.</summary>
    private static bool IsBody(ParameterInfo parameter, IServiceProviderIsService? services)
    {
        var attributes = parameter.GetCustomAttributes(inherit: true);
        if (attributes.OfType<IFromBodyMetadata>().Any())
            return true;
        if (attributes.Any(a => a is IFromServiceMetadata or IFromQueryMetadata or IFromRouteMetadata or IFromHeaderMetadata or IFromFormMetadata or AsParametersAttribute))
            return false;
        var type = parameter.ParameterType;
        return type.Namespace?.StartsWith("Allmende", StringComparison.Ordinal) == true && !type.IsEnum
            && services?.IsService(type) != true;
    }

    /// <summary>Every field of <paramref name="body"/> that breaks a rule, keyed by its JSON path ("openingHours[0].opens").</summary>
    public static IReadOnlyDictionary<string, string[]> Breaches(object body)
    {
        var errors = new Dictionary<string, List<string>>();
        Check(body, "", errors, depth: 0);
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    private static void Check(object? value, string path, Dictionary<string, List<string>> errors, int depth)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                if (TextProblem(text, path.Length == 0 ? "value" : path) is { } problem)
                    Add(errors, path, problem);
                return;
            case DateOnly date:
                if (!InRange(date))
                    Add(errors, path, $"{path} must be a date {DateRange}.");
                return;
            case DateTimeOffset instant:
                if (!InRange(instant))
                    Add(errors, path, $"{path} must be an instant {DateRange} (UTC).");
                return;
            case DateTime dateTime:
                if (!InRange(new DateTimeOffset(DateTime.SpecifyKind(dateTime, DateTimeKind.Utc))))
                    Add(errors, path, $"{path} must be an instant {DateRange} (UTC).");
                return;
        }
        if (depth > 10)
            return;
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is Guid or decimal or TimeOnly or TimeSpan or JsonElement)
            return;
        if (value is IDictionary dictionary)
        {
            foreach (DictionaryEntry entry in dictionary)
            {
                var key = $"{path}[{entry.Key}]";
                if (entry.Key is string k && TextProblem(k, key) is { } problem)
                    Add(errors, key, problem);
                Check(entry.Value, key, errors, depth + 1);
            }
            return;
        }
        if (value is IEnumerable items)
        {
            var i = 0;
            foreach (var item in items)
                Check(item, $"{path}[{i++}]", errors, depth + 1);
            return;
        }
        // Only our own request records are walked: nothing else is bound from a body.
        if (type.Namespace?.StartsWith("Allmende", StringComparison.Ordinal) != true)
            return;
        foreach (var (property, jsonName) in Properties.GetOrAdd(type, ReadableProperties))
            Check(property.GetValue(value), path.Length == 0 ? jsonName : $"{path}.{jsonName}", errors, depth + 1);
    }

    private static readonly ConcurrentDictionary<Type, (PropertyInfo Property, string JsonName)[]> Properties = new();

    private static (PropertyInfo, string)[] ReadableProperties(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => (p, p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name)))];

    private static void Add(Dictionary<string, List<string>> errors, string path, string message)
    {
        if (!errors.TryGetValue(path, out var list))
            errors[path] = list = [];
        list.Add(message);
    }

    /// <summary>
    /// A query value or path segment with control characters is refused before routing and binding:
    /// such a value is never a real filter, and PostgreSQL would refuse the NUL with a 500.
    /// </summary>
    public static void CheckQueryAndPath(HttpRequest request)
    {
        foreach (var (key, values) in request.Query)
        {
            if (!IsOneLine(key))
                throw new BadInputException("query", "A query parameter's name must not contain control characters (such as NUL).");
            if (values.Any(value => value is not null && !IsOneLine(value)))
                throw new BadInputException(key, $"{key} must be one line without control characters (such as NUL).");
        }
        if (request.Path.Value is { } path && !IsOneLine(path))
            throw new BadInputException("path", "The path must not contain control characters (such as NUL).");
    }

    private static bool IsOneLine(string value) => !value.Any(char.IsControl) && TextProblem(value, "value") is null;
}
