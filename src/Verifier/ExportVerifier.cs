using System.Text.Json;
using Allmende.Eventing.Audit;
using F = Allmende.Eventing.Audit.AuditExportFormat;

namespace Allmende.Verifier;

/// <summary>What reading an export found.</summary>
/// <param name="Problem">The first break, or null when everything agreed.</param>
internal sealed record ExportReport(
    string Selection,
    string ExportedAt,
    long StartSeq,
    long LastSeq,
    long LastPosition,
    string LastHash,
    long Entries,
    long EventsInFull,
    int CheckpointsChecked,
    int YourCheckpointsChecked,
    IReadOnlyList<long> YourCheckpointsNotCovered,
    ChainProblem? Problem);

/// <summary>
/// Reads an audit export line by line (docs/adr/0013) and recomputes the chain: each event given in
/// full is hashed from its fields, each other event enters by its digest, and every entry must give
/// the hash the server recorded for it. The export's checkpoints and the ones the reader passes must
/// match the recomputed chain. Stops at the first break.
/// </summary>
internal static class ExportVerifier
{
    public static async Task<ExportReport> VerifyAsync(TextReader export, IReadOnlyDictionary<long, byte[]> yourCheckpoints, CancellationToken ct)
    {
        var number = 0;
        string? line;
        ChainWalk? walk = null;
        string selection = "", exportedAt = "";
        long entries = 0, inFull = 0, startSeq = 0;
        var ended = false;

        ExportReport Report(ChainProblem? problem) => new(selection, exportedAt, startSeq, walk?.LastSeq ?? 0, walk?.Position ?? 0,
            walk is null ? "" : AuditChain.Hex(walk.Hash), entries, inFull, walk?.CheckpointsChecked ?? 0, walk?.AnchorsChecked ?? 0,
            walk?.AnchorsNotCovered() ?? [], problem);

        ChainProblem Malformed(string detail) =>
            new(walk?.LastSeq ?? 0, walk?.Position ?? 0, ChainProblems.Malformed, $"Line {number}: {detail}");

        while ((line = await export.ReadLineAsync(ct)) is not null)
        {
            number++;
            if (line.Length == 0)
                continue;
            if (ended)
                return Report(Malformed("there is more after the end line."));
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (walk is null)
                {
                    if (Text(root, F.FormatField) != F.Format || root.GetProperty(F.VersionField).GetInt32() != F.Version)
                        return Report(Malformed($"not an audit export of version {F.Version} (\"{F.FormatField}\": \"{F.Format}\")."));
                    if (Text(root, F.CanonicalField) != AuditChain.CanonicalVersion)
                        return Report(Malformed($"the events are hashed as {Text(root, F.CanonicalField)}; this verifier knows {AuditChain.CanonicalVersion}."));
                    selection = Text(root, F.Selection) ?? "";
                    exportedAt = Text(root, F.ExportedAt) ?? "";
                    var start = root.GetProperty(F.Start);
                    startSeq = start.GetProperty(F.Seq).GetInt64();
                    walk = new ChainWalk(start.GetProperty(F.Seq).GetInt64(), start.GetProperty(F.Position).GetInt64(),
                        AuditChain.ParseHash(Text(start, F.Hash)!), yourCheckpoints);
                    if (walk.Problem is { } atStart)
                        return Report(atStart);
                }
                else if (root.TryGetProperty(F.Checkpoint, out var checkpoint))
                {
                    walk.Checkpoint(new ChainCheckpoint(checkpoint.GetProperty(F.Seq).GetInt64(), checkpoint.GetProperty(F.Position).GetInt64(),
                        AuditChain.ParseHash(Text(checkpoint, F.Hash)!), AuditChain.ParseInstant(Text(checkpoint, F.At)!)));
                }
                else if (root.TryGetProperty(F.End, out var end))
                {
                    ended = true;
                    if (end.GetProperty(F.Entries).GetInt64() != entries || end.GetProperty(F.Events).GetInt64() != inFull)
                        return Report(Malformed($"the end line counts {end.GetProperty(F.Entries)} entries ({end.GetProperty(F.Events)} in full); " +
                                                $"the file has {entries} ({inFull} in full)."));
                    if (end.GetProperty(F.LastSeq).GetInt64() != walk.LastSeq || Text(end, F.Hash) != AuditChain.Hex(walk.Hash))
                        return Report(Malformed($"the end line names event {end.GetProperty(F.LastSeq)} with hash {Text(end, F.Hash)}; " +
                                                $"the chain recomputed ends at event {walk.LastSeq} with {AuditChain.Hex(walk.Hash)}."));
                }
                else
                {
                    entries++;
                    var seq = root.GetProperty(F.Seq).GetInt64();
                    long? position = root.TryGetProperty(F.Position, out var p) ? p.GetInt64() : null;
                    var hash = Text(root, F.Hash) is { } h ? AuditChain.ParseHash(h) : null;
                    byte[]? digest = null;
                    if (root.TryGetProperty(F.Event, out var e))
                    {
                        inFull++;
                        digest = AuditChain.Digest(new AuditEvent(seq,
                            e.GetProperty(F.EventId).GetGuid(),
                            Text(e, F.StreamId)!,
                            e.GetProperty(F.StreamVersion).GetInt64(),
                            Text(e, F.EventType)!,
                            AuditChain.ParseInstant(Text(e, F.RecordedAt)!),
                            Text(e, F.Actor),
                            Text(e, F.CorrelationId),
                            Text(e, F.CausationId),
                            e.GetProperty(F.Data)));
                    }
                    else if (Text(root, F.Digest) is { } d)
                    {
                        digest = AuditChain.ParseHash(d);
                    }
                    walk.Entry(seq, position, hash, digest);
                }
            }
            catch (Exception x) when (x is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
            {
                return Report(Malformed($"unreadable ({x.Message})."));
            }
            if (walk.Problem is { } problem)
                return Report(problem);
        }

        if (walk is null)
            return Report(Malformed("the file is empty."));
        if (!ended)
            return Report(Malformed("the export ends without its end line: it was cut off."));
        return Report(null);
    }

    /// <summary>A string member; null when absent or JSON null.</summary>
    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetString() : null;
}
