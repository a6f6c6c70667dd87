using Allmende.Eventing.Messaging;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Api;

namespace Allmende.Host.Admin;

/// <summary>Operating the event store: projection status and rebuilds, dead letters.</summary>
internal static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/api/admin").RequireAuthorization(Policies.Staff).WithTags("Admin");

        admin.MapGet("/projections", (ProjectionAdmin projections, CancellationToken ct) => projections.StatusAsync(ct))
            .WithSummary("Every projection with its position, lag, status and rebuild progress");

        admin.MapPost("/projections/{name}/rebuild", async (string name, ProjectionAdmin projections, ProjectionSet set, CancellationToken ct) =>
        {
            if (set.Find(name) is null)
                return Results.Problem(statusCode: 404, title: "Unknown projection", detail: $"There is no projection named '{name}'.");
            var target = await projections.RebuildAsync(name, ct);
            return Results.Accepted($"/api/admin/projections", new { projection = name, rebuildTo = target });
        }).WithSummary("Resets a projection and replays the log into it while the system runs; progress at GET /api/admin/projections")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapGet("/dead-letters", async (DeadLetters deadLetters, int? offset, int? limit, CancellationToken ct) =>
        {
            var (o, l) = (Math.Max(0, offset ?? 0), Math.Clamp(limit ?? 50, 1, 500));
            return new { total = await deadLetters.CountAsync(ct), offset = o, limit = l, items = await deadLetters.ListAsync(o, l, ct) };
        }).WithSummary("Deliveries that ran out of retries (Wolverine's dead letters); ids are Wolverine's envelope ids");

        admin.MapGet("/dead-letters/{id:guid}", async (Guid id, DeadLetters deadLetters, CancellationToken ct) =>
            await deadLetters.FindAsync(id, ct) is { } letter ? Results.Ok(letter) : NotFound(id))
            .WithSummary("One dead letter with its message and the last exception")
            .Produces<DeadLetter>().ProducesProblem(StatusCodes.Status404NotFound);

        admin.MapPost("/dead-letters/{id:guid}/replay", async (Guid id, DeadLetters deadLetters, CancellationToken ct) =>
            await deadLetters.ReplayAsync(id, ct) ? Results.Accepted() : NotFound(id))
            .WithSummary("Delivers the message to its handler again, with a fresh retry budget")
            .Produces(StatusCodes.Status202Accepted).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        admin.MapDelete("/dead-letters/{id:guid}", async (Guid id, DeadLetters deadLetters, CancellationToken ct) =>
            await deadLetters.DiscardAsync(id, ct) ? Results.NoContent() : NotFound(id))
            .WithSummary("Gives the delivery up; the message stays on record")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);

        return endpoints;
    }

    private static IResult NotFound(Guid id) =>
        Results.Problem(statusCode: 404, title: "Unknown dead letter", detail: $"There is no dead letter {id}.");
}
