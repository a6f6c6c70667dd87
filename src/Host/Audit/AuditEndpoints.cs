using Allmende.Eventing.Api;
using Allmende.Eventing.Audit;

namespace Allmende.Host.Audit;

/// <summary>
/// Tamper evidence for funders and auditors (docs/adr/0013): check the hash chain against the log,
/// list and record checkpoints, export events with what a funder needs to verify them offline
/// (`dotnet run --project src/Verifier -- export.jsonl`).
/// </summary>
internal static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder endpoints)
    {
        var audit = endpoints.MapGroup("/api/audit").WithTags("Audit");

        audit.MapGet("/verify", (long? from, long? to, AuditTrail trail, CancellationToken ct) => trail.VerifyAsync(from, to, ct))
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Recomputes the hash chain from the events now in the log (from, to: sequence numbers, both included) " +
                         "and names the first event that was changed, is missing or was inserted, or the first checkpoint that disagrees")
            .Produces<AuditVerification>().ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict); // the chain is being rebuilt: verify again shortly

        audit.MapGet("/checkpoints", (AuditTrail trail, CancellationToken ct) => trail.CheckpointsAsync(ct))
            .RequireAuthorization(Policies.ReadAll)
            .WithSummary("Every checkpoint of the chain (sequence, position, hash, time): keep them outside this system")
            .Produces<IReadOnlyList<AuditCheckpoint>>();

        audit.MapPost("/checkpoints", async (AuditTrail trail, CancellationToken ct) =>
        {
            var (checkpoint, created) = await trail.RecordCheckpointAsync(ct);
            return created ? Results.Created("/api/audit/checkpoints", checkpoint) : Results.Ok(checkpoint);
        }).RequireAuthorization(Policies.Staff)
            .WithSummary("Records a checkpoint at the newest chained event (200 with the existing one if it already has one)")
            .Produces<AuditCheckpoint>(StatusCodes.Status201Created).Produces<AuditCheckpoint>()
            .ProducesProblem(StatusCodes.Status409Conflict);

        audit.MapGet("/export", async (long? from, long? to, string? streamPrefix, HttpContext http, AuditTrail trail, CancellationToken ct) =>
        {
            var selection = string.IsNullOrEmpty(streamPrefix) ? AuditSelection.All : AuditSelection.StreamPrefix(streamPrefix);
            http.Response.ContentType = "application/jsonl; charset=utf-8";
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"allmende-audit-{from ?? 1}-{(to is { } t ? t.ToString(System.Globalization.CultureInfo.InvariantCulture) : "head")}.jsonl\"";
            await trail.ExportAsync(http.Response.Body, selection, from, to, ct);
        }).RequireAuthorization(Policies.ReadAll)
            .WithSummary("Streams an audit export (JSON lines, version 1): the chained events from..to, those of streams starting with " +
                         "streamPrefix in full (all when absent), the others as digests, with the chain's hashes and the checkpoints")
            .Produces(StatusCodes.Status200OK, contentType: "application/jsonl").ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return endpoints;
    }
}
