using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;

namespace Allmende.Host;

/// <summary>
/// Verbs of the host besides serving: `dotnet run --project src/Host -- rebuild &lt;projection&gt;`.
/// They run against the same configuration and database as the server.
/// </summary>
internal static class Cli
{
    public static bool IsVerb(string[] args) => args is ["rebuild", ..];

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args is not ["rebuild", var name])
        {
            await Console.Error.WriteLineAsync("usage: Allmende.Host rebuild <projection>");
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
}
