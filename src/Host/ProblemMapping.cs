using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Diagnostics;

namespace Allmende.Host;

/// <summary>
/// Turns the store's conflicts into 409 problem details wherever an endpoint lets them through:
/// a lost race is the client's to resolve (reload and retry), never a 500 and never a lost write.
/// </summary>
internal sealed class ConflictProblemHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (title, detail) = exception switch
        {
            ConcurrencyException e => ("The resource was changed by someone else", e.Message),
            StreamAlreadyExistsException e => ("The resource already exists", e.Message),
            _ => (null, null),
        };
        if (title is null)
            return false;

        httpContext.Response.StatusCode = StatusCodes.Status409Conflict;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = StatusCodes.Status409Conflict, Title = title, Detail = detail },
        });
    }
}
