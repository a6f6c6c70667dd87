using System.CommandLine;
using System.Globalization;
using Allmende.Eventing.Audit;

namespace Allmende.Verifier;

/// <summary>
/// `dotnet run --project src/Verifier -- &lt;export-file&gt; [--checkpoint &lt;seq&gt;:&lt;hash&gt;]…`: checks an
/// Allmende audit export without a database or network. Prints OK with counts, or the first broken
/// event (its sequence number) and what is wrong. Exit code 0 when everything agrees, else 1.
/// </summary>
public static class VerifierCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, CancellationToken ct = default)
    {
        var file = new Argument<FileInfo>("export-file") { Description = "The audit export (JSON lines) from GET /api/audit/export." };
        var checkpoints = new Option<string[]>("--checkpoint")
        {
            Description = "A checkpoint you kept from earlier (GET /api/audit/checkpoints or an earlier export), as <seq>:<hash>. Repeatable.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var root = new RootCommand("Verifies an Allmende audit export: recomputes the hash chain and checks it against the export's " +
                                   "checkpoints and yours. Exit code 0 when everything agrees, 1 otherwise.") { file, checkpoints };
        root.SetAction(async (parse, token) =>
        {
            var yours = new Dictionary<long, byte[]>();
            foreach (var given in parse.GetValue(checkpoints) ?? [])
            {
                var parts = given.Split(':', 2);
                if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                {
                    await output.WriteLineAsync($"--checkpoint {given}: expected <seq>:<hash>, e.g. 10000:3f2a…");
                    return 1;
                }
                try
                {
                    yours[seq] = AuditChain.ParseHash(parts[1]);
                }
                catch (FormatException e)
                {
                    await output.WriteLineAsync($"--checkpoint {given}: {e.Message}");
                    return 1;
                }
            }

            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await output.WriteLineAsync($"{path.FullName}: no such file.");
                return 1;
            }
            using var reader = new StreamReader(path.FullName, System.Text.Encoding.UTF8);
            var report = await ExportVerifier.VerifyAsync(reader, yours, token);
            await output.WriteAsync(Describe(report));
            return report.Problem is null ? 0 : 1;
        });
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = output }, ct);
    }

    private static string Describe(ExportReport r)
    {
        var text = new System.Text.StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"Export of {r.ExportedAt}, {r.Selection}.");
        if (r.Problem is { } p)
        {
            text.AppendLine(inv, $"BROKEN at event {p.Seq} (position {p.Position}): {p.Kind}.");
            text.AppendLine(p.Detail);
            text.AppendLine(inv, $"Before it, the chain agreed up to event {r.LastSeq} (position {r.LastPosition}).");
            return text.ToString();
        }
        text.AppendLine(inv, $"OK: {r.Entries} events after event {r.StartSeq} up to event {r.LastSeq} chain as recorded " +
                             $"({r.EventsInFull} in full, {r.Entries - r.EventsInFull} as digests).");
        text.AppendLine(inv, $"Checkpoints: {r.CheckpointsChecked} of the export and {r.YourCheckpointsChecked} of yours agree.");
        if (r.YourCheckpointsNotCovered.Count > 0)
            text.AppendLine(inv, $"Not covered by this export (not checked): your checkpoint(s) at event {string.Join(", ", r.YourCheckpointsNotCovered)}.");
        if (r.YourCheckpointsChecked == 0)
            text.AppendLine("None of your checkpoints fell in this export: it agrees with itself, but nothing you hold anchors it.");
        text.AppendLine(inv, $"Last entry: event {r.LastSeq}, position {r.LastPosition}, hash {r.LastHash} (keep it as {r.LastSeq}:{r.LastHash}).");
        return text.ToString();
    }
}

internal static class Program
{
    private static Task<int> Main(string[] args) => VerifierCommand.RunAsync(args, Console.Out);
}
