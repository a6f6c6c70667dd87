using System.Text.Json;
using System.Text.RegularExpressions;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Allmende.Host;

/// <summary>
/// One place that turns what slices throw into RFC 9457 problem details: bad input 400 naming the
/// field, unknown ids 404, a missing If-Match 428, and lost races or refused transitions 409 (never
/// a 500 and never a lost write).
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
            _ => null,
        };
        if (problem is null)
            return false;

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
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
            return new ProblemDetails { Status = e.StatusCode, Title = "The request could not be read", Detail = e.Message };
        if (e.InnerException is JsonException { Path: { Length: > 1 } path } json)
            return Invalid(Validation.FieldName(path.TrimStart('$').TrimStart('.')), json.Message);
        if (BoundParameter().Match(e.Message) is { Success: true } bound)
            return Invalid(bound.Groups["name"].Value, e.Message);
        return new ProblemDetails { Status = 400, Title = "The request could not be read", Detail = e.InnerException?.Message ?? e.Message };
    }

    // The framework's message for a parameter it cannot bind: Failed to bind parameter "int? limit" from "abc".
    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\" from")]
    private static partial Regex BoundParameter();
}
