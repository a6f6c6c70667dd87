using System.Globalization;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Audit;
using Allmende.Eventing.Streams;
using Allmende.Funding.Funders;
using Allmende.Funding.Grants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Funding.Audit;

/// <summary>
/// A funder's audit export (ADR 13): the events relevant to its grants in full, every other event of
/// the log as a digest, with the chain's hashes and checkpoints, as one file the offline verifier
/// (src/Verifier) accepts. In full: the funder's stream, its grants' streams, the cost streams of every
/// source its grants received allocations from (reversed ones too: a reversal is part of the story), and
/// the streams of those bookings and usage agreements.
/// </summary>
internal static class FunderAuditExport
{
    /// <summary>
    /// Bookings' stream id of a booking: "booking-&lt;id&gt;" (Bookings' README documents it). Funding may not
    /// reference the Bookings module, so the convention is written here; a booking's cost stream
    /// ("booking-cost-&lt;id&gt;") shares the prefix, which is why the selection names streams, never a prefix.
    /// </summary>
    public const string BookingStreamPrefix = "booking-";

    public static string BookingStreamId(Guid bookingId) => $"{BookingStreamPrefix}{bookingId:D}";

    public static void Map(RouteGroupBuilder funding) =>
        funding.MapGet("/funders/{funderId:guid}/audit-export", Handle)
            .RequireAuthorization(Policies.ReadFunding)
            .WithSummary("Streams an audit export for one funder (JSON lines, version 1; from, to: sequence numbers, both included): " +
                         "the events of its funder, its grants, the costs they paid parts of and those bookings in full, every other event as a digest; " +
                         "a funder's key reads only its own")
            .Produces(StatusCodes.Status200OK, contentType: "application/jsonl")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict); // the chain is being rebuilt: export again shortly

    private static async Task Handle(Guid funderId, long? from, long? to, HttpContext http, EventStore store, NpgsqlDataSource db,
        AuditTrail trail, CancellationToken ct)
    {
        if (!http.User.CanReadFunder(funderId) || await store.CurrentVersionAsync(Funder.StreamId(funderId), ct) is null)
            throw new NotFoundException("funder", funderId);
        var (streams, shown) = await StreamsOfAsync(db, funderId, ct);
        http.Response.ContentType = "application/jsonl; charset=utf-8";
        http.Response.Headers.ContentDisposition =
            $"attachment; filename=\"allmende-audit-funder-{funderId:D}-{from ?? 1}-{(to is { } t ? t.ToString(CultureInfo.InvariantCulture) : "head")}.jsonl\"";
        await trail.ExportAsync(http.Response.Body,
            AuditSelection.Where(streams.Contains, (_, type, data) => Shows(shown, streams, type, data),
                $"funder {funderId:D}: its funder, grant, cost and booking streams ({streams.Count}); other grants' allocations as digests"),
            from, to, ct);
    }

    /// <summary>
    /// Of the selected streams' events, all go in full but allocations (and their reversals) to another
    /// funder's grant: a cost two funders' grants paid parts of is one stream, and each funder sees its own
    /// part and the organisation's own share in full, the other funder's only as a digest (which still
    /// chains, so the verifier accepts the file and a changed part still shows).
    /// </summary>
    /// A re-allocation by staff that put another funder's grant first is that funder's business too: a digest.
    private static bool Shows(IReadOnlySet<Guid> shownAllocations, IReadOnlySet<string> streams, string eventType, JsonElement data)
    {
        if (eventType == ReallocatedEvent)
        {
            return !data.TryGetProperty("preferredGrantId", out var preferred) || preferred.ValueKind == JsonValueKind.Null
                || (preferred.TryGetGuid(out var grant) && streams.Contains(Grant.StreamId(grant)));
        }
        return !AllocationEvents.Contains(eventType)
            || (data.TryGetProperty("allocationId", out var id) && id.TryGetGuid(out var allocation) && shownAllocations.Contains(allocation));
    }

    private static readonly string ReallocatedEvent = Allocation.CostEventNames.All.Single(n => n.Type == typeof(Allocation.CostReallocated)).Name;

    /// <summary>The stored type names of a cost stream's allocation events (both carry the allocation's id).</summary>
    private static readonly HashSet<string> AllocationEvents = Allocation.CostEventNames.All
        .Where(n => n.Type == typeof(Allocation.CostAllocated) || n.Type == typeof(Allocation.AllocationReversed))
        .Select(n => n.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// The streams relevant to a funder, from Funding's read models (inline, so as current as the log), and
    /// the allocations of those costs it may read in full: its own grants' and the organisations' own shares.
    /// Taken before the export's snapshot: a grant or allocation added in between shows as digests, never the other way round.
    /// </summary>
    public static async Task<(IReadOnlySet<string> Streams, IReadOnlySet<Guid> Allocations)> StreamsOfAsync(NpgsqlDataSource db, Guid funderId,
        CancellationToken ct)
    {
        var streams = new HashSet<string>(StringComparer.Ordinal) { Funder.StreamId(funderId) };
        var allocations = new HashSet<Guid>();
        await using var batch = db.CreateBatch();
        batch.BatchCommands.Add(new("""
            select 'grant', g.grant_id, null from funding.grants g where g.funder_id = $1
            union
            select a.source_kind, a.source_id, a.cost_id from funding.allocations a
            where a.grant_id in (select grant_id from funding.grants where funder_id = $1)
            """));
        batch.BatchCommands.Add(new("""
            select a.allocation_id from funding.allocations a
            where a.cost_id in (select cost_id from funding.allocations where grant_id in (select grant_id from funding.grants where funder_id = $1))
              and (a.grant_id is null or a.grant_id in (select grant_id from funding.grants where funder_id = $1))
            """));
        foreach (var command in batch.BatchCommands)
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = funderId });
        await using var reader = await batch.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var kind = reader.GetString(0);
            var id = reader.GetGuid(1);
            if (kind == "grant")
            {
                streams.Add(Grant.StreamId(id));
                continue;
            }
            streams.Add(reader.GetString(2));
            if (kind == Allocation.SourceKinds.Booking)
                streams.Add(BookingStreamId(id));
            else if (kind == Allocation.SourceKinds.UsageAgreement)
                streams.Add(UsageAgreements.UsageAgreement.StreamId(id)); // the terms its fees were charged by
        }
        await reader.NextResultAsync(ct);
        while (await reader.ReadAsync(ct))
            allocations.Add(reader.GetGuid(0));
        return (streams, allocations);
    }
}
