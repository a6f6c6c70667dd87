using System.Buffers;
using System.Data;
using System.Text.Json;
using Allmende.Eventing.Api;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Eventing.Audit;

/// <summary>A checkpoint of the audit chain: the entry after event <see cref="Seq"/>, the <see cref="Position"/>-th event of the log.</summary>
public sealed record AuditCheckpoint(long Seq, long Position, string Hash, DateTimeOffset At, string Reason);

/// <summary>The result of checking the chain against the log as it is now.</summary>
/// <param name="ChainedThrough">The last event the chain covers (later ones are not chained yet).</param>
/// <param name="FirstBrokenPosition">The broken event's ordinal in the chain, when something broke.</param>
/// <param name="Seq">The broken event's sequence number.</param>
/// <param name="Problem">"changed", "missing", "inserted" or "checkpoint".</param>
/// <param name="LastCheckpoint">The newest checkpoint in the range that the events still give.</param>
public sealed record AuditVerification(
    bool Ok,
    long From,
    long To,
    long ChainedThrough,
    long VerifiedEvents,
    long? FirstBrokenPosition,
    long? Seq,
    string? Problem,
    string? Detail,
    int CheckpointsChecked,
    AuditCheckpoint? LastCheckpoint);

/// <summary>Which events an export carries in full; the others only as digests.</summary>
public sealed class AuditSelection
{
    private readonly Func<string, bool> _includes;
    private readonly Func<string, string, JsonElement, bool>? _includesEvent;

    private AuditSelection(Func<string, bool> includes, string description, Func<string, string, JsonElement, bool>? includesEvent = null)
    {
        _includes = includes;
        _includesEvent = includesEvent;
        Description = description;
    }

    /// <summary>Written to the export's header, so a reader knows what was chosen.</summary>
    public string Description { get; }

    public bool Includes(string streamId) => _includes(streamId);

    /// <summary>Whether this event goes in full: its stream is selected and, where the selection looks closer, the event itself.</summary>
    public bool Includes(string streamId, string eventType, string dataJson)
    {
        if (!_includes(streamId))
            return false;
        if (_includesEvent is null)
            return true;
        using var data = JsonDocument.Parse(dataJson);
        return _includesEvent(streamId, eventType, data.RootElement);
    }

    public static AuditSelection All { get; } = new(_ => true, "all events");

    public static AuditSelection StreamPrefix(string prefix) =>
        new(s => s.StartsWith(prefix, StringComparison.Ordinal), $"streams starting with \"{prefix}\"");

    public static AuditSelection Streams(IEnumerable<string> streamIds)
    {
        var set = streamIds.ToHashSet(StringComparer.Ordinal);
        return new(set.Contains, $"{set.Count} named stream(s)");
    }

    public static AuditSelection Where(Func<string, bool> predicate, string description) => new(predicate, description);

    /// <summary>
    /// Streams by <paramref name="predicate"/>, and of those only the events <paramref name="includesEvent"/>
    /// (stream id, stored type name, data) admits: a stream shared by several readers, such as a cost that
    /// two funders' grants paid parts of, shows each reader its own events in full and the others' as digests.
    /// </summary>
    public static AuditSelection Where(Func<string, bool> predicate, Func<string, string, JsonElement, bool> includesEvent, string description) =>
        new(predicate, description, includesEvent);
}

/// <summary>
/// The audit trail over the log (docs/adr/0013): checks the hash chain against the events as they
/// are now, lists and records checkpoints, and writes exports a funder can verify offline with
/// src/Verifier. Reads stream: a million events never sit in memory. A verification or export fixes
/// its range in one snapshot, then walks it by sequence in pages, each in its own short read-only
/// transaction (<see cref="EventingOptions.AuditPageSize"/>), so that it never holds the async
/// projections back (ADR 13, "Paged reading").
/// </summary>
public sealed class AuditTrail(NpgsqlDataSource dataSource, TimeProvider time, IOptions<EventingOptions> options)
{
    /// <summary>Names a page's transaction in pg_stat_activity, after the host (set locally: the pooled connection gets its own name back).</summary>
    internal string PageApplicationName => $"allmende:{options.Value.HostId}:audit-page";

    /// <summary>
    /// Called at each page's <see cref="AuditPageStage"/>s. For tests that act or look between pages;
    /// null in production.
    /// </summary>
    internal Func<AuditPageMoment, CancellationToken, Task>? PageObserver { get; set; }

    public async Task<IReadOnlyList<AuditCheckpoint>> CheckpointsAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select seq, position, hash, created_at, reason from eventing.audit_checkpoints order by seq");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var checkpoints = new List<AuditCheckpoint>();
        while (await reader.ReadAsync(ct))
            checkpoints.Add(ReadCheckpoint(reader));
        return checkpoints;
    }

    /// <summary>
    /// Records a checkpoint at the newest chained event (the chain follows the log within moments).
    /// </summary>
    /// <returns>The checkpoint, and whether it is new (one may already stand at that event).</returns>
    public async Task<(AuditCheckpoint Checkpoint, bool Created)> RecordCheckpointAsync(CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            with head as (select seq, position, hash from eventing.audit_chain order by seq desc limit 1),
            added as (
                insert into eventing.audit_checkpoints (seq, position, hash, created_at, reason)
                select seq, position, hash, $1, 'requested' from head
                on conflict (seq) do nothing
                returning seq, position, hash, created_at, reason)
            select seq, position, hash, created_at, reason, true from added
            union all
            select c.seq, c.position, c.hash, c.created_at, c.reason, false
            from eventing.audit_checkpoints c join head using (seq) where not exists (select 1 from added)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            throw new DomainException("audit-chain-empty", "The audit chain has no events yet: there is nothing to checkpoint.");
        return (ReadCheckpoint(reader), reader.GetBoolean(5));
    }

    /// <summary>
    /// Recomputes the chain from the events now in the log (from <paramref name="from"/> to
    /// <paramref name="to"/>, both included, default the whole chain) and compares it entry by entry
    /// with what was chained and with the recorded checkpoints; stops at the first difference.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(long? from = null, long? to = null, CancellationToken ct = default)
    {
        CheckRange(from, to);
        var range = await RangeAsync(from, to, ct);
        var walk = new ChainWalk(range.Start.Seq, range.Start.Position, range.Start.Hash);
        await WalkAsync(range, row =>
        {
            if (row.Checkpoint is { } checkpoint)
                return ValueTask.FromResult(walk.Checkpoint(ToChain(checkpoint)));
            var digest = row.DataJson is null ? null : DigestOf(row);
            return ValueTask.FromResult(walk.Entry(row.Seq, row.Position, row.Hash, digest));
        }, ct);

        var problem = walk.Problem;
        return new AuditVerification(problem is null, range.From, range.To, range.ChainedThrough, walk.Verified,
            problem?.Position, problem?.Seq, problem?.Kind, problem?.Detail, walk.CheckpointsChecked,
            walk.LastCheckpoint is { } last ? range.Checkpoints.Single(c => c.Seq == last.Seq) : null);
    }

    /// <summary>
    /// Writes an audit export (JSON lines, <see cref="AuditExportFormat"/>) of the chained events from
    /// <paramref name="from"/> to <paramref name="to"/>: those of streams in <paramref name="selection"/>
    /// in full, the others as digests, each with the chain's recorded position and hash, and the
    /// checkpoints in the range. Digests are computed from the log as it is now, never copied from the
    /// chain, so an export taken after a change shows it.
    /// </summary>
    public async Task ExportAsync(Stream output, AuditSelection selection, long? from = null, long? to = null, CancellationToken ct = default)
    {
        CheckRange(from, to);
        var range = await RangeAsync(from, to, ct);

        var buffer = new ArrayBufferWriter<byte>(128 * 1024);
        // Relaxed escaping: the file is read by people too, and never embedded in HTML.
        await using var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        async ValueTask EndLineAsync(bool force)
        {
            json.Flush();
            json.Reset();
            buffer.Write("\n"u8);
            if (force || buffer.WrittenCount >= 64 * 1024)
            {
                await output.WriteAsync(buffer.WrittenMemory, ct);
                buffer.ResetWrittenCount();
            }
        }

        json.WriteStartObject();
        json.WriteString(AuditExportFormat.FormatField, AuditExportFormat.Format);
        json.WriteNumber(AuditExportFormat.VersionField, AuditExportFormat.Version);
        json.WriteString(AuditExportFormat.CanonicalField, AuditChain.CanonicalVersion);
        json.WriteString(AuditExportFormat.ExportedAt, AuditChain.FormatInstant(TruncateToMicroseconds(time.GetUtcNow())));
        json.WriteString(AuditExportFormat.Selection, selection.Description);
        json.WriteNumber(AuditExportFormat.From, range.From);
        json.WriteNumber(AuditExportFormat.To, range.To);
        json.WriteStartObject(AuditExportFormat.Start);
        json.WriteNumber(AuditExportFormat.Seq, range.Start.Seq);
        json.WriteNumber(AuditExportFormat.Position, range.Start.Position);
        json.WriteString(AuditExportFormat.Hash, AuditChain.Hex(range.Start.Hash));
        json.WriteEndObject();
        json.WriteEndObject();
        await EndLineAsync(force: false);

        long entries = 0, events = 0, lastSeq = range.Start.Seq;
        var lastHash = range.Start.Hash;
        var canonical = new ArrayBufferWriter<byte>(1024);
        await WalkAsync(range, async row =>
        {
            json.WriteStartObject();
            if (row.Checkpoint is { } checkpoint)
            {
                json.WriteStartObject(AuditExportFormat.Checkpoint);
                json.WriteNumber(AuditExportFormat.Seq, checkpoint.Seq);
                json.WriteNumber(AuditExportFormat.Position, checkpoint.Position);
                json.WriteString(AuditExportFormat.Hash, checkpoint.Hash);
                json.WriteString(AuditExportFormat.At, AuditChain.FormatInstant(checkpoint.At));
                json.WriteEndObject();
            }
            else
            {
                entries++;
                json.WriteNumber(AuditExportFormat.Seq, row.Seq);
                if (row.Position is { } position)
                    json.WriteNumber(AuditExportFormat.Position, position);
                if (row.Hash is { } hash)
                {
                    json.WriteString(AuditExportFormat.Hash, AuditChain.Hex(hash));
                    (lastSeq, lastHash) = (row.Seq, hash);
                }
                if (row.DataJson is not null && selection.Includes(row.StreamId!, row.EventType!, row.DataJson))
                {
                    events++;
                    using var data = JsonDocument.Parse(row.DataJson);
                    canonical.ResetWrittenCount();
                    AuditChain.WriteCanonicalJson(data.RootElement, canonical);
                    json.WriteStartObject(AuditExportFormat.Event);
                    json.WriteString(AuditExportFormat.EventId, row.EventId!.Value);
                    json.WriteString(AuditExportFormat.StreamId, row.StreamId);
                    json.WriteNumber(AuditExportFormat.StreamVersion, row.StreamVersion!.Value);
                    json.WriteString(AuditExportFormat.EventType, row.EventType);
                    json.WriteString(AuditExportFormat.RecordedAt, AuditChain.FormatInstant(row.RecordedAt!.Value));
                    json.WriteString(AuditExportFormat.Actor, row.Actor);
                    json.WriteString(AuditExportFormat.CorrelationId, row.CorrelationId);
                    json.WriteString(AuditExportFormat.CausationId, row.CausationId);
                    json.WritePropertyName(AuditExportFormat.Data);
                    json.WriteRawValue(canonical.WrittenSpan, skipInputValidation: true);
                    json.WriteEndObject();
                }
                else if (row.DataJson is not null)
                {
                    json.WriteString(AuditExportFormat.Digest, AuditChain.Hex(DigestOf(row)));
                }
            }
            json.WriteEndObject();
            await EndLineAsync(force: false);
            return true;
        }, ct);

        json.WriteStartObject();
        json.WriteStartObject(AuditExportFormat.End);
        json.WriteNumber(AuditExportFormat.Entries, entries);
        json.WriteNumber(AuditExportFormat.Events, events);
        json.WriteNumber(AuditExportFormat.LastSeq, lastSeq);
        json.WriteString(AuditExportFormat.Hash, AuditChain.Hex(lastHash));
        json.WriteEndObject();
        json.WriteEndObject();
        await EndLineAsync(force: true);
        await output.FlushAsync(ct);
    }

    private static void CheckRange(long? from, long? to)
    {
        if (from is < 1)
            throw new BadInputException("from", "from must be 1 or more.");
        if (to is < 1)
            throw new BadInputException("to", "to must be 1 or more.");
        if (from > to)
            throw new BadInputException("from", "from must not be after to.");
    }

    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset instant) =>
        new(instant.UtcTicks - instant.UtcTicks % 10, TimeSpan.Zero);

    /// <summary>A stored checkpoint in the range, in the API's shape (hash as hex).</summary>
    private static AuditCheckpoint ReadCheckpoint(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetInt64(1), AuditChain.Hex(reader.GetFieldValue<byte[]>(2)),
            reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4));

    private static ChainCheckpoint ToChain(AuditCheckpoint c) => new(c.Seq, c.Position, AuditChain.ParseHash(c.Hash), c.At);

    private static byte[] DigestOf(LogRow row)
    {
        using var data = JsonDocument.Parse(row.DataJson!);
        return AuditChain.Digest(new AuditEvent(row.Seq, row.EventId!.Value, row.StreamId!, row.StreamVersion!.Value, row.EventType!,
            row.RecordedAt!.Value, row.Actor, row.CorrelationId, row.CausationId, data.RootElement));
    }

    /// <summary>A short read-only repeatable-read transaction, named in pg_stat_activity while it runs.</summary>
    private async Task<(NpgsqlConnection, NpgsqlTransaction)> BeginReadAsync(CancellationToken ct)
    {
        var connection = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            // Read only: no xid. Short: Marten's high-water detection waits on any ACTIVE transaction
            // older than a gap, read-only ones included, so a long one would hold every async projection.
            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand("set transaction read only"),
                    new NpgsqlBatchCommand("select set_config('application_name', $1, true)")
                    {
                        Parameters = { new NpgsqlParameter<string> { TypedValue = PageApplicationName } },
                    },
                },
            };
            await batch.ExecuteNonQueryAsync(ct);
            return (connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed record Start(long Seq, long Position, byte[] Hash);

    private sealed record Range(long From, long To, long ChainedThrough, Start Start, IReadOnlyList<AuditCheckpoint> Checkpoints);

    /// <summary>
    /// The range clipped to what is chained (later events are not chained yet, which is not a
    /// problem), the chain's entry just before it, and the recorded checkpoints from that entry on.
    /// </summary>
    private async Task<Range> RangeAsync(long? from, long? to, CancellationToken ct)
    {
        var (connection, transaction) = await BeginReadAsync(ct);
        await using var _ = connection;
        await using var __ = transaction;
        var range = await RangeAsync(connection, transaction, from, to, ct);
        await transaction.CommitAsync(ct);
        return range;
    }

    private static async Task<Range> RangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long? from, long? to, CancellationToken ct)
    {
        long chainedThrough;
        await using (var head = new NpgsqlCommand("select coalesce(max(seq), 0) from eventing.audit_chain", connection, transaction))
            chainedThrough = (long)(await head.ExecuteScalarAsync(ct))!;
        var first = from ?? 1;
        var last = Math.Min(to ?? chainedThrough, chainedThrough);

        var start = new Start(0, 0, AuditChain.Genesis);
        await using (var before = new NpgsqlCommand(
            "select seq, position, hash from eventing.audit_chain where seq < $1 order by seq desc limit 1", connection, transaction))
        {
            before.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
            await using var reader = await before.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct))
                start = new Start(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
        }

        var checkpoints = new List<AuditCheckpoint>();
        await using (var recorded = new NpgsqlCommand("""
            select seq, position, hash, created_at, reason from eventing.audit_checkpoints
            where seq >= $1 and seq <= $2 and seq > 0 order by seq
            """, connection, transaction))
        {
            recorded.Parameters.Add(new NpgsqlParameter<long> { TypedValue = start.Seq });
            recorded.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
            await using var reader = await recorded.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                checkpoints.Add(ReadCheckpoint(reader));
        }
        return new Range(first, last, chainedThrough, start, checkpoints);
    }

    /// <summary>An entry (an event of the log, an entry of the chain, or both) or a checkpoint, in order.</summary>
    private sealed record LogRow(
        long Seq, long? Position, byte[]? Hash, Guid? EventId, string? StreamId, long? StreamVersion, string? EventType,
        DateTimeOffset? RecordedAt, string? Actor, string? CorrelationId, string? CausationId, string? DataJson,
        AuditCheckpoint? Checkpoint = null);

    /// <summary>
    /// Merges, in sequence order, the log's events with the chain's entries (an event may lack an
    /// entry, an entry its event) and puts each checkpoint right after the entry it names. Walks the
    /// range in pages of sequence numbers, each read in its own short transaction; the checkpoints
    /// (fixed with the range) and what <paramref name="visit"/> keeps carry from page to page, so the
    /// rows come in the same order as from one snapshot.
    /// </summary>
    private async Task WalkAsync(Range range, Func<LogRow, ValueTask<bool>> visit, CancellationToken ct)
    {
        var checkpoints = new Queue<AuditCheckpoint>(range.Checkpoints);
        var seen = new SeenEntry(range.Start.Seq, range.Start.Position, range.Start.Hash);
        long pageSize = Math.Max(1, options.Value.AuditPageSize);
        for (var first = range.From; first <= range.To;)
        {
            var last = range.To - first < pageSize ? range.To : first + pageSize - 1;
            if (!await PageAsync(first, last, checkpoints, seen, visit, ct))
                return;
            if (PageObserver is { } observer)
                await observer(new AuditPageMoment(first, last, AuditPageStage.Ended), ct);
            if (last == range.To)
                break;
            first = last + 1;
        }
        while (checkpoints.TryDequeue(out var checkpoint))
        {
            if (!await visit(CheckpointRow(checkpoint)))
                return;
        }
    }

    /// <summary>
    /// One page, sequence numbers <paramref name="first"/> to <paramref name="last"/>: the chain's
    /// entries that lost their event (few: none, unless someone deleted events) first, then the events
    /// in one ordered scan, then the checkpoints up to the page's end. Reads only a page the chain
    /// covers in this snapshot: one a rebuild has not reached again waits for it (see <see cref="AwaitChainAsync"/>).
    /// </summary>
    /// <returns>False once <paramref name="visit"/> wants no more.</returns>
    private async Task<bool> PageAsync(long first, long last, Queue<AuditCheckpoint> checkpoints, SeenEntry seen,
        Func<LogRow, ValueTask<bool>> visit, CancellationToken ct)
    {
        while (true)
        {
            var (connection, transaction) = await BeginReadAsync(ct);
            await using var _ = connection;
            await using var __ = transaction;
            var chain = await ChainProgressAsync(connection, transaction, ct);
            if (chain is { } behind && behind.Position < last)
            {
                // The range was chained when it was fixed: entries missing now mean a rebuild truncated
                // the chain since (ADR 13). Never read them as tampering: wait for the rebuild outside any transaction.
                await transaction.CommitAsync(ct);
                await connection.DisposeAsync();
                if (PageObserver is { } waiting)
                    await waiting(new AuditPageMoment(first, last, AuditPageStage.WaitingForChain), ct);
                await AwaitChainAsync(last, behind, ct);
                continue;
            }
            await SameEntryAsync(connection, transaction, seen, ct);

            var more = await ReadPageAsync(connection, transaction, first, last, checkpoints, seen, visit, ct);
            if (more && PageObserver is { } observer)
                await observer(new AuditPageMoment(first, last, AuditPageStage.Read), ct);
            await transaction.CommitAsync(ct);
            return more;
        }
    }

    /// <summary>What the chain's projection has applied (it commits its entries with its position), or null if it does not run here.</summary>
    private sealed record ChainProgress(long Position, string Status, long? ErrorSeq, string? Error);

    private static async Task<ChainProgress?> ChainProgressAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select position, status, error_seq, error from eventing.projection_checkpoints where projection = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = AuditChainProjection.ProjectionName });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ChainProgress(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3))
            : null;
    }

    /// <summary>
    /// Waits, bounded by <see cref="EventingOptions.AuditRebuildWait"/>, until the chain covers event
    /// <paramref name="last"/> again; polls in single statements, holding no transaction.
    /// </summary>
    private async Task AwaitChainAsync(long last, ChainProgress progress, CancellationToken ct)
    {
        var deadline = time.GetUtcNow() + options.Value.AuditRebuildWait;
        while (true)
        {
            if (progress.Status == "stopped")
                throw new DomainException("audit-chain-stopped",
                    $"The audit chain was being rebuilt and stopped at event {progress.ErrorSeq} before reaching event {last}: {progress.Error} " +
                    "See the projections' status; verify again once the chain runs.");
            if (progress.Position >= last)
                return;
            if (time.GetUtcNow() >= deadline)
                throw new DomainException("audit-chain-rebuilding",
                    $"The audit chain is being rebuilt (it has reached event {progress.Position}; this range needs event {last}): verify again shortly.");
            await Task.Delay(RebuildPoll, time, ct);
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            progress = await ChainProgressAsync(connection, null, ct) ?? progress with { Position = long.MaxValue };
        }
    }

    /// <summary>The last chain entry the walk read (or the range's start entry): what the next page must still find.</summary>
    private sealed class SeenEntry(long seq, long position, byte[] hash)
    {
        public long Seq { get; set; } = seq;
        public long Position { get; set; } = position;
        public byte[] Hash { get; set; } = hash;
    }

    /// <summary>
    /// A rebuild over an unchanged log gives the same entries, so the pages before fit the pages after.
    /// If the entry the walk read last is now different (or gone), the chain was recomputed over a log
    /// that changed meanwhile: the pages would not fit together, and the walk would name a wrong place.
    /// </summary>
    private static async Task SameEntryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SeenEntry seen, CancellationToken ct)
    {
        if (seen.Seq == 0)
            return;
        await using var command = new NpgsqlCommand("select position, hash from eventing.audit_chain where seq = $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = seen.Seq });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (await reader.ReadAsync(ct) && reader.GetInt64(0) == seen.Position && reader.GetFieldValue<byte[]>(1).AsSpan().SequenceEqual(seen.Hash))
            return;
        throw new DomainException("audit-chain-changed",
            $"The audit chain was recomputed while this walk read it, and its entry for event {seen.Seq} is no longer the one read: verify again.");
    }

    private static readonly TimeSpan RebuildPoll = TimeSpan.FromMilliseconds(50);

    private static LogRow CheckpointRow(AuditCheckpoint checkpoint) =>
        new(checkpoint.Seq, null, null, null, null, null, null, null, null, null, null, null, checkpoint);

    private static async Task<bool> ReadPageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long first, long last,
        Queue<AuditCheckpoint> checkpoints, SeenEntry seen, Func<LogRow, ValueTask<bool>> visit, CancellationToken ct)
    {
        ValueTask<bool> Visit(LogRow row)
        {
            if (row is { Hash: { } hash, Position: { } position })
                (seen.Seq, seen.Position, seen.Hash) = (row.Seq, position, hash);
            return visit(row);
        }

        var orphans = new Queue<LogRow>();
        await using (var missing = new NpgsqlCommand("""
            select c.seq, c.position, c.hash from eventing.audit_chain c
            where c.seq >= $1 and c.seq <= $2 and not exists (select 1 from marten.mt_events e where e.seq_id = c.seq)
            order by c.seq
            """, connection, transaction))
        {
            missing.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
            missing.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
            await using var reader = await missing.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                orphans.Enqueue(new LogRow(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2), null, null, null, null, null, null, null, null, null));
        }

        async ValueTask<bool> UpToAsync(long seq)
        {
            // Everything before seq: orphaned entries and checkpoints, in order (a checkpoint after its entry).
            while (true)
            {
                var orphan = orphans.TryPeek(out var o) && o.Seq < seq ? o : null;
                var checkpoint = checkpoints.TryPeek(out var c) && c.Seq < seq ? c : null;
                if (orphan is null && checkpoint is null)
                    return true;
                var next = checkpoint is not null && (orphan is null || checkpoint.Seq < orphan.Seq)
                    ? CheckpointRow(checkpoints.Dequeue())
                    : orphans.Dequeue();
                if (!await Visit(next))
                    return false;
            }
        }

        await using (var events = new NpgsqlCommand("""
            select e.seq_id, c.position, c.hash, e.id, e.stream_id, e.version, e.type, e.timestamp,
                   e.user_name, e.correlation_id, e.causation_id, e.data::text
            from marten.mt_events e left join eventing.audit_chain c on c.seq = e.seq_id
            where e.seq_id >= $1 and e.seq_id <= $2
            order by e.seq_id
            """, connection, transaction))
        {
            events.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
            events.Parameters.Add(new NpgsqlParameter<long> { TypedValue = last });
            await using var reader = await events.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
            while (await reader.ReadAsync(ct))
            {
                var seq = reader.GetInt64(0);
                if (!await UpToAsync(seq))
                    return false;
                var row = new LogRow(seq,
                    reader.IsDBNull(1) ? null : reader.GetInt64(1),
                    reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2),
                    reader.GetGuid(3), reader.GetString(4), reader.GetInt64(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9),
                    reader.IsDBNull(10) ? null : reader.GetString(10),
                    reader.GetString(11));
                if (!await Visit(row))
                    return false;
            }
        }
        return await UpToAsync(last == long.MaxValue ? last : last + 1);
    }
}

/// <summary>A moment of a paged walk, in page <see cref="From"/>..<see cref="To"/>.</summary>
internal readonly record struct AuditPageMoment(long From, long To, AuditPageStage Stage);

internal enum AuditPageStage
{
    /// <summary>The page's rows were read; its transaction is still open.</summary>
    Read,

    /// <summary>The page's transaction ended.</summary>
    Ended,

    /// <summary>The chain does not cover the page (a rebuild is under way): the walk waits, in no transaction.</summary>
    WaitingForChain,
}
