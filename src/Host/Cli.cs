using Allmende.Eventing.Audit;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;

namespace Allmende.Host;

/// <summary>
/// Verbs of the host besides serving: `dotnet run --project src/Host -- rebuild &lt;projection&gt;`, and
/// `import-log` (once, on a database from before the log moved to Marten, docs/adr/0015).
/// They run against the same configuration and database as the server.
/// </summary>
internal static class Cli
{
    public static bool IsVerb(string[] args) => args is ["rebuild", ..] or ["import-log", ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is ["import-log"])
            return await ImportLogAsync(services);
        if (args is not ["rebuild", var name])
        {
            await Console.Error.WriteLineAsync("usage: Allmende.Host rebuild <projection> | import-log");
            return 2;
        }

        await services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        var set = services.GetRequiredService<ProjectionSet>();
        if (set.Find(name) is null)
        {
            var known = string.Join(", ", set.Inline.Concat(set.Async).Select(p => p.Name));
            await Console.Error.WriteLineAsync($"There is no projection named '{name}'. Known: {(known.Length == 0 ? "none" : known)}.");
            return 2;
        }

        var progress = new Progress<ProjectionStatus>(s =>
            Console.WriteLine($"{s.Name}: {s.Status}, position {s.Position} of {s.Head}{(s.RebuildProgress is { } p ? $" ({p:P1})" : "")}"));
        await services.GetRequiredService<ProjectionAdmin>().RebuildAndWaitAsync(name, progress);
        Console.WriteLine($"{name}: rebuilt.");
        return 0;
    }

    /// <summary>Copies the old log into Marten's, migrates (which drops the old tables), then verifies the chain.</summary>
    private static async Task<int> ImportLogAsync(IServiceProvider services)
    {
        var copied = await services.GetRequiredService<LogImport>().ImportAsync();
        Console.WriteLine(copied == 0 ? "No old log to import." : $"Copied {copied} events into marten.mt_events.");
        await services.GetRequiredService<SchemaMigrator>().MigrateAsync();
        var verification = await services.GetRequiredService<AuditTrail>().VerifyAsync();
        Console.WriteLine(verification.Ok
            ? $"Audit chain verified: {verification.VerifiedEvents} events."
            : $"Audit chain BROKEN at event {verification.Seq} (position {verification.FirstBrokenPosition}): {verification.Problem}.");
        return verification.Ok ? 0 : 1;
    }
}
