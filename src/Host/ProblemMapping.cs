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
            ConcurrencyException e => new ProblemDetails { Status = 409, Title = "Changed by someone else meanwhile: reload and retry", Detail = e.Message },
            StreamAlreadyExistsException e => new ProblemDetails { Status = 409, Title = "Already exists", Detail = e.Message },
            DomainException e => new ProblemDetails { Status = 409, Title = "Not allowed in the current state", Detail = e.Message, Extensions = { ["rule"] = e.Rule } },
            _ => null,
        };
        if (problem is null)
            return false;

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
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
