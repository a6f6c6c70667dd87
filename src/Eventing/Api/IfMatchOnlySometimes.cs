using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Allmende.Eventing.Api;

/// <summary>
/// Marks an update that reads If-Match only in some cases (say, once a first setting exists), so that the
/// OpenAPI document shows the header as optional and says when it is needed. Every other endpoint that
/// declares 428 needs it always.
/// </summary>
public sealed record IfMatchOnlySometimes(string When);

public static class IfMatchEndpoints
{
    /// <summary>
    /// The answers of an update at an expected version (ADR 7): 404 for what does not exist, 409 for a
    /// stale If-Match or a rule, 428 without If-Match (which also puts the header into the document).
    /// </summary>
    public static RouteHandlerBuilder ProducesUpdateProblems(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status428PreconditionRequired);

    /// <summary>If-Match is needed only <paramref name="when"/> (e.g. "once the plan's free hours were set").</summary>
    public static RouteHandlerBuilder IfMatchOnly(this RouteHandlerBuilder builder, string when) =>
        builder.WithMetadata(new IfMatchOnlySometimes(when));
}
