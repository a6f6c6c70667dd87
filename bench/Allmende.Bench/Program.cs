using System.CommandLine;
using Allmende.Bench;

// One verb per benchmark; each prints Markdown for docs/benchmarks.md on stdout, progress on stderr.
var common = new CommonOptions();
var root = new RootCommand(
    "Allmende benchmarks. Each verb measures one thing beside a pgbench baseline on the same server in the same run, " +
    "and prints a Markdown table for docs/benchmarks.md (progress goes to stderr).");
root.Options.Add(common.Connection);
root.Subcommands.Add(AppendBenchmark.Command(common));
root.Subcommands.Add(ProjectionsBenchmark.Command(common));
root.Subcommands.Add(MessagesBenchmark.Command(common));
root.Subcommands.Add(ChainBenchmark.Command(common));
root.Subcommands.Add(BookingsBenchmark.Command(common));
root.Subcommands.Add(ReportsBenchmark.Command(common));
root.Subcommands.Add(PagesBenchmark.Command(common));
return await root.Parse(args).InvokeAsync();

namespace Allmende.Bench
{
    /// <summary>Options every verb understands.</summary>
    internal sealed class CommonOptions
    {
        public Option<string?> Connection { get; } = new("--connection")
        {
            Description = "An existing PostgreSQL server (Npgsql connection string; default: ConnectionStrings__Postgres, " +
                          "else a private durable cluster in .pgdata/bench). A database allmende_bench_PID is created on it and dropped afterwards.",
            Recursive = true,
        };
    }
}
