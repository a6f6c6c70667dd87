using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Allmende.Host;

/// <summary>
/// One place that turns what slices throw into RFC 9457 problem details: bad input 400 naming the
/// field, unknown ids 404, a missing If-Match 428, and lost races or refused transitions 409 (never
/// a 500 and never a lost write); a database that cannot be reached 503 with Retry-After. Messages
/// name fields as the client spelt them, never CLR types.
/// </summary>
internal sealed partial class ProblemMapping(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            BadInputException e => Invalid(e.Field, e.Message),
            BadHttpRequestException e => Unreadable(e),
            NotFoundException e => new ProblemDetails { Status = 404, Title = $"Unknown {e.What}", Detail = e.Message },
            PreconditionRequiredException e => new ProblemDetails { Status = 428, Title = "If-Match required", Detail = e.Message },
            ConcurrencyException e => Conflict(httpContext.Request, e),
            StreamAlreadyExistsException => new ProblemDetails
            {
                Status = 409, Title = "Already exists", Detail = "What this request creates exists already: made by an earlier or a concurrent request.",
            },
            DomainException e => new ProblemDetails { Status = 409, Title = "Not allowed in the current state", Detail = e.Message, Extensions = { ["rule"] = e.Rule } },
            _ when DatabaseUnreachable(exception) => new ProblemDetails
            {
                Status = 503, Title = "The database cannot be reached", Detail = "Nothing was changed. Try again shortly.",
            },
            _ => null,
        };
        if (problem is null)
            return false;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds;

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    private const string RetryAfterSeconds = "5";

    /// <summary>
    /// The connection failed or the server is going away or not yet accepting (SQLSTATE class 08,
    /// 57P01-57P03, too many connections): the request may succeed later, so 503, not 500. A query
    /// the server refused (a constraint, a bad value) is none of these and stays what it is.
    /// </summary>
    private static bool DatabaseUnreachable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || pg.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException:
                case SocketException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A lost optimistic race, told without the store's stream names (they are ours, not the client's):
    /// the client's own If-Match is stale, so it reloads; or a concurrent request changed what this one
    /// depends on (a race the server could not retry away), so it sends the same request again.
    /// </summary>
    private static ProblemDetails Conflict(HttpRequest request, ConcurrencyException e)
    {
        var sent = request.Headers.IfMatch.ToString().Trim();
        if (sent == Versions.ETag(e.ExpectedVersion))
            return new ProblemDetails
            {
                Status = 409, Title = "Changed by someone else meanwhile: reload and retry",
                Detail = e.ActualVersion is { } now
                    ? $"You sent If-Match {sent}, but it is now at {Versions.ETag(now)}: GET it again, check the change, and retry with its ETag."
                    : $"You sent If-Match {sent}, but it does not exist at any version yet: GET it first.",
            };
        return new ProblemDetails
        {
            Status = 409, Title = "Changed by a concurrent request: send it again",
            Detail = "Another request changed what this one depends on at the same moment. Nothing was written; the same request may succeed now.",
        };
    }

    private static HttpValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = 400, Title = "The request has invalid fields", Detail = $"Invalid: {field}.",
        };

    /// <summary>A body or parameter the framework could not read: 400 naming the field where it can be told.</summary>
    private static ProblemDetails Unreadable(BadHttpRequestException e)
    {
        if (e.StatusCode != StatusCodes.Status400BadRequest)
            return new ProblemDetails { Status = e.StatusCode, Title = "The request could not be read", Detail = WithoutTypes(e.Message) };
        if (e.InnerException is JsonException { Path: { Length: > 1 } path } json)
        {
            var field = Validation.FieldName(path.TrimStart('$').TrimStart('.'));
            return Invalid(field, JsonMessage(json, field));
        }
        if (e.InnerException is JsonException whole)
            return new ProblemDetails { Status = 400, Title = "The request could not be read", Detail = JsonMessage(whole, "The body") };
        if (BoundParameter().Match(e.Message) is { Success: true } bound)
            return Invalid(bound.Groups["name"].Value, WithoutTypes(e.Message));
        return new ProblemDetails { Status = 400, Title = "The request could not be read", Detail = WithoutTypes(e.InnerException?.Message ?? e.Message) };
    }

    /// <summary>
    /// The serializer's own messages name CLR types ("could not be converted to System.String") and
    /// repeat the path: say instead what the field must be. Our converters' messages pass unchanged.
    /// </summary>
    private static string JsonMessage(JsonException json, string field)
    {
        var message = PathSuffix().Replace(json.Message, "");
        if (Converted().Match(message) is { Success: true } converted)
            return $"{field} must be {Expected(converted.Groups["type"].Value)}.";
        if (Duplicate().Match(message) is { Success: true } duplicate)
            return $"The property '{duplicate.Groups["name"].Value}' appears more than once in the same object.";
        return WithoutTypes(message);
    }

    private static string Expected(string clrType)
    {
        var inner = Nullable().Match(clrType) is { Success: true } nullable ? nullable.Groups["inner"].Value : clrType;
        return inner switch
        {
            "System.String" => "text (a JSON string)",
            "System.Guid" => "an id like 0195a0b0-0000-7000-8000-000000000001",
            "System.Boolean" => "true or false",
            "System.Int32" or "System.Int64" or "System.Int16" or "System.Byte" => "a whole number within range",
            "System.Decimal" or "System.Double" or "System.Single" => "a number",
            "System.DateOnly" => "a date like 2026-03-29",
            "System.TimeOnly" => "a time like 09:00",
            "System.DateTimeOffset" or "System.DateTime" => "an instant with offset like 2026-03-29T09:00:00+02:00",
            _ when inner.StartsWith("System.Collections", StringComparison.Ordinal) || inner.EndsWith("[]", StringComparison.Ordinal) => "a list",
            _ => "a value of the type and format the API document gives for it",
        };
    }

    /// <summary>Drops CLR type names ("int? limit", "Allmende.Spaces.RegisterSite") from a framework message.</summary>
    private static string WithoutTypes(string message) =>
        ClrType().Replace(TypedParameter().Replace(message, "parameter \"${name}\""), "the value");

    // The framework's message for a parameter it cannot bind: Failed to bind parameter "int? limit" from "abc".
    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\" from")]
    private static partial Regex BoundParameter();

    [GeneratedRegex("parameter \"[^\"]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex TypedParameter();

    [GeneratedRegex("'?\\b(?:System|Allmende|Microsoft|NodaTime)\\.[A-Za-z0-9_.`+\\[\\],]*'?")]
    private static partial Regex ClrType();

    [GeneratedRegex("could not be converted to (?<type>[^ ]+?)\\.?(?: |$)")]
    private static partial Regex Converted();

    [GeneratedRegex("[Dd]uplicate property '(?<name>[^']*)'")]
    private static partial Regex Duplicate();

    [GeneratedRegex("^System\\.Nullable`1\\[\\[?(?<inner>[^,\\]]+)")]
    private static partial Regex Nullable();

    [GeneratedRegex(" ?Path: .*$")]
    private static partial Regex PathSuffix();
}
