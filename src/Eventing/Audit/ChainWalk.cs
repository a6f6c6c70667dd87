// Compiled into the event store AND into the offline verifier (src/Verifier links it), so that the
// verify endpoint and a funder's verifier judge a chain by the same rules. Base library only.
namespace Allmende.Eventing.Audit;

/// <summary>What broke where: the first place a walk found the chain and the log disagree.</summary>
/// <param name="Seq">The event's global sequence number.</param>
/// <param name="Position">The event's ordinal in the chain (the n-th event of the log).</param>
/// <param name="Kind">One of <see cref="ChainProblems"/>.</param>
internal sealed record ChainProblem(long Seq, long Position, string Kind, string Detail);

internal static class ChainProblems
{
    /// <summary>The event differs from what was chained.</summary>
    public const string Changed = "changed";

    /// <summary>The chain has an event the log (or the export) no longer has.</summary>
    public const string Missing = "missing";

    /// <summary>The log has an event, among chained ones, that was never chained.</summary>
    public const string Inserted = "inserted";

    /// <summary>A checkpoint disagrees with the chain recomputed from the events.</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>An export that is not well-formed (out of order, cut off, unreadable).</summary>
    public const string Malformed = "malformed";
}

/// <summary>A checkpoint as recorded: the chain's entry after the event <see cref="Seq"/>.</summary>
internal sealed record ChainCheckpoint(long Seq, long Position, byte[] Hash, DateTimeOffset? At);

/// <summary>
/// Recomputes a chain entry by entry in sequence order from a known starting entry and stops at the
/// first place where it breaks. Each entry brings what the chain recorded for a sequence number (its
/// position and hash, absent if the chain has no such entry) and the digest of the event the log has
/// now (absent if the log has no such event). Checkpoints come in two kinds: recorded ones (from the
/// operator's table or export) and anchors (ones the reader kept from earlier, e.g. a funder).
/// </summary>
internal sealed class ChainWalk
{
    private readonly SortedDictionary<long, byte[]> _anchors;
    private readonly long _startSeq;

    public ChainWalk(long startSeq, long startPosition, byte[] startHash, IReadOnlyDictionary<long, byte[]>? anchors = null)
    {
        _startSeq = startSeq;
        LastSeq = startSeq;
        Position = startPosition;
        Hash = startHash;
        _anchors = new SortedDictionary<long, byte[]>(anchors?.ToDictionary() ?? []);
        CheckAnchor();
    }

    public long LastSeq { get; private set; }

    public long Position { get; private set; }

    public byte[] Hash { get; private set; }

    /// <summary>Events whose digest chained to the recorded entry.</summary>
    public long Verified { get; private set; }

    public ChainProblem? Problem { get; private set; }

    public int CheckpointsChecked { get; private set; }

    public int AnchorsChecked { get; private set; }

    /// <summary>The newest recorded checkpoint that agreed with the recomputed chain.</summary>
    public ChainCheckpoint? LastCheckpoint { get; private set; }

    /// <returns>False once the walk has found a problem.</returns>
    public bool Entry(long seq, long? recordedPosition, byte[]? recordedHash, byte[]? digest)
    {
        if (Problem is not null)
            return false;
        if (seq <= LastSeq)
            return Fail(seq, Position, ChainProblems.Malformed, $"Event {seq} comes after event {LastSeq}: entries must ascend.");
        if (!PassAnchorsBefore(seq))
            return false;
        if (digest is null)
            return Fail(seq, recordedPosition ?? Position + 1, ChainProblems.Missing,
                $"Event {seq} was chained (position {recordedPosition}) but is no longer in the log.");
        if (recordedHash is null || recordedPosition is null)
            return Fail(seq, Position + 1, ChainProblems.Inserted,
                $"Event {seq} is in the log between chained events but was never chained.");
        if (recordedPosition != Position + 1)
            return Fail(seq, Position + 1, ChainProblems.Missing,
                $"The chain holds event {seq} at position {recordedPosition}, but it follows position {Position} (event {LastSeq}): " +
                $"{recordedPosition - Position - 1} chained event(s) between them are gone.");
        var link = AuditChain.Link(Hash, digest);
        if (!link.AsSpan().SequenceEqual(recordedHash))
            return Fail(seq, Position + 1, ChainProblems.Changed,
                $"Event {seq} differs from the event that was chained at position {recordedPosition}.");

        Hash = link;
        LastSeq = seq;
        Position++;
        Verified++;
        return CheckAnchor();
    }

    /// <summary>A recorded checkpoint, given after the entry it names.</summary>
    public bool Checkpoint(ChainCheckpoint checkpoint)
    {
        if (Problem is not null)
            return false;
        if (checkpoint.Seq != LastSeq)
            return Fail(checkpoint.Seq, checkpoint.Position, ChainProblems.Missing,
                $"A checkpoint names event {checkpoint.Seq}, which the chain no longer has (the last event before it is {LastSeq}).");
        if (checkpoint.Position != Position || !checkpoint.Hash.AsSpan().SequenceEqual(Hash))
            return Fail(checkpoint.Seq, checkpoint.Position, ChainProblems.Checkpoint,
                $"The checkpoint at event {checkpoint.Seq} records position {checkpoint.Position} and hash {AuditChain.Hex(checkpoint.Hash)}; " +
                $"the events give position {Position} and hash {AuditChain.Hex(Hash)}.");
        CheckpointsChecked++;
        LastCheckpoint = checkpoint;
        return true;
    }

    /// <summary>Anchors the walk never reached: outside the range it covered.</summary>
    public IReadOnlyList<long> AnchorsNotCovered() =>
        _anchors.Keys.Where(seq => seq < _startSeq || seq > LastSeq).ToList();

    /// <summary>
    /// Anchors below <paramref name="seq"/> and above the last entry name events the chain does not
    /// have (any more).
    /// </summary>
    private bool PassAnchorsBefore(long seq)
    {
        foreach (var anchor in _anchors.Keys)
        {
            if (anchor > LastSeq && anchor < seq)
                return Fail(anchor, Position, ChainProblems.Missing,
                    $"Your checkpoint names event {anchor}, which the chain no longer has (it goes from event {LastSeq} to {seq}).");
        }
        return true;
    }

    private bool CheckAnchor()
    {
        if (!_anchors.TryGetValue(LastSeq, out var expected))
            return true;
        if (!expected.AsSpan().SequenceEqual(Hash))
            return Fail(LastSeq, Position, ChainProblems.Checkpoint,
                $"Your checkpoint at event {LastSeq} has hash {AuditChain.Hex(expected)}; the chain gives {AuditChain.Hex(Hash)}.");
        AnchorsChecked++;
        return true;
    }

    private bool Fail(long seq, long position, string kind, string detail)
    {
        Problem = new ChainProblem(seq, position, kind, detail);
        return false;
    }
}

/// <summary>
/// The audit export, JSON lines, version 1 (docs/adr/0013-tamper-evidence.md): a header line, then in
/// sequence order one line per event (in full when selected, else only its digest) with the chain's
/// recorded position and hash, the recorded checkpoints each after the event it names, and an end line.
/// </summary>
internal static class AuditExportFormat
{
    public const string Format = "allmende-audit-export";
    public const int Version = 1;

    // header
    public const string FormatField = "format";
    public const string VersionField = "version";
    public const string CanonicalField = "canonical";
    public const string ExportedAt = "exportedAt";
    public const string Selection = "selection";
    public const string From = "from";
    public const string To = "to";
    public const string Start = "start";

    // entries
    public const string Seq = "seq";
    public const string Position = "position";
    public const string Hash = "hash";
    public const string Digest = "digest";
    public const string Event = "event";
    public const string EventId = "id";
    public const string StreamId = "stream";
    public const string StreamVersion = "version";
    public const string EventType = "type";
    public const string RecordedAt = "recordedAt";
    public const string Actor = "actor";
    public const string CorrelationId = "correlationId";
    public const string CausationId = "causationId";
    public const string Data = "data";

    // checkpoints and end
    public const string Checkpoint = "checkpoint";
    public const string At = "at";
    public const string End = "end";
    public const string Entries = "entries";
    public const string Events = "events";
    public const string LastSeq = "lastSeq";
}
