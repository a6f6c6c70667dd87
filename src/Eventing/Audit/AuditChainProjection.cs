using System.Text.Json;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.Options;

namespace Allmende.Eventing.Audit;

/// <summary>
/// Keeps the audit hash chain: one entry per event of the log, in the daemon's exact global order
/// (ADR 5), so the chain's order is the committed order of the log. Records a checkpoint after every
/// <see cref="EventingOptions.AuditCheckpointInterval"/> events. A rebuild recomputes the entries
/// from the first event and must meet every checkpoint recorded before: if it does not, the log
/// changed, and the projection stops on that event with the reason, visible in the admin status
/// and in health.
/// </summary>
internal sealed class AuditChainProjection(IOptions<EventingOptions> options) : IWholeLogProjection
{
    public const string ProjectionName = "eventing.audit-chain";

    public string Name => ProjectionName;

    public IReadOnlyCollection<Type> EventTypes => [];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        var (headSeq, position, hash) = await HeadAsync(context, ct);
        var interval = Math.Max(1, options.Value.AuditCheckpointInterval);
        var seqs = new List<long>(events.Count);
        var positions = new List<long>(events.Count);
        var hashes = new List<byte[]>(events.Count);
        foreach (var e in events)
        {
            if (e.Sequence <= headSeq)
                continue; // chained already; the runner's checkpoint commits with the entries, so only a bug gets here
            hash = AuditChain.Link(hash, Digest(e));
            position++;
            seqs.Add(e.Sequence);
            positions.Add(position);
            hashes.Add(hash);
        }
        if (seqs.Count == 0)
            return;

        await using (var insert = context.Command("""
            insert into eventing.audit_chain (seq, position, hash)
            select * from unnest($1::bigint[], $2::bigint[], $3::bytea[])
            """, seqs.ToArray(), positions.ToArray(), hashes.ToArray()))
        {
            await insert.ExecuteNonQueryAsync(ct);
        }

        await MeetRecordedCheckpointsAsync(context, headSeq, seqs, positions, hashes, ct);

        var periodic = Enumerable.Range(0, seqs.Count).Where(i => positions[i] % interval == 0).ToList();
        if (periodic.Count > 0)
        {
            await using var checkpoint = context.Command("""
                insert into eventing.audit_checkpoints (seq, position, hash, created_at, reason)
                select s, p, h, now(), 'periodic' from unnest($1::bigint[], $2::bigint[], $3::bytea[]) as c(s, p, h)
                on conflict (seq) do nothing
                """, periodic.Select(i => seqs[i]).ToArray(), periodic.Select(i => positions[i]).ToArray(), periodic.Select(i => hashes[i]).ToArray());
            await checkpoint.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>Only the entries go: checkpoints are what a rebuild is checked against.</summary>
    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate eventing.audit_chain");
        await command.ExecuteNonQueryAsync(ct);
    }

    internal static byte[] Digest(StoredEvent e)
    {
        using var data = JsonDocument.Parse((string)e.Data);
        return AuditChain.Digest(new AuditEvent(e.Sequence, e.EventId, e.StreamId, e.StreamVersion, e.EventType, e.RecordedAt,
            e.Metadata.Actor, e.Metadata.CorrelationId, e.Metadata.CausationId, data.RootElement));
    }

    private static async Task<(long Seq, long Position, byte[] Hash)> HeadAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("select seq, position, hash from eventing.audit_chain order by seq desc limit 1");
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? (reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2))
            : (0, 0, AuditChain.Genesis);
    }

    /// <summary>Checkpoints recorded earlier (before a rebuild) over these entries must agree with them.</summary>
    private static async Task MeetRecordedCheckpointsAsync(ProjectionContext context, long headSeq,
        List<long> seqs, List<long> positions, List<byte[]> hashes, CancellationToken ct)
    {
        await using var command = context.Command(
            "select seq, position, hash from eventing.audit_checkpoints where seq > $1 and seq <= $2 order by seq", headSeq, seqs[^1]);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var (seq, position, hash) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
            var i = seqs.BinarySearch(seq);
            if (i < 0)
                throw new AuditChainBrokenException(seq, $"A checkpoint names event {seq}, which is not in the log.");
            if (positions[i] != position || !hashes[i].AsSpan().SequenceEqual(hash))
                throw new AuditChainBrokenException(seq,
                    $"The chain recomputed at event {seq} (position {positions[i]}, hash {AuditChain.Hex(hashes[i])}) " +
                    $"disagrees with its checkpoint (position {position}, hash {AuditChain.Hex(hash)}): the log changed.");
        }
    }
}

/// <summary>The log no longer gives the chain its checkpoints recorded: it was changed.</summary>
public sealed class AuditChainBrokenException(long seq, string message) : Exception(message)
{
    public long Seq { get; } = seq;
}
