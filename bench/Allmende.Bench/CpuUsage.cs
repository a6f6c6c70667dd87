using System.Globalization;

namespace Allmende.Bench;

/// <summary>
/// Who spent the CPU during a phase, from /proc (Linux): the PostgreSQL server (postmaster and its
/// children, including backends that exited meanwhile), this process (the store's client side:
/// Npgsql and the event store), this process's finished children (pgbench), and everything else on
/// the machine (other people's builds and tests). On a 2-core machine that tells whether a figure is
/// bound by CPU, who spends it, and whether the run was disturbed.
/// </summary>
internal readonly record struct CpuSnapshot(double Server, double Self, double Children, double MachineBusy, double MachineTotal)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ; 100 on every Linux that matters

    /// <summary>All zeros where /proc is missing; <paramref name="postmasterPid"/> 0 where the server is not on this machine.</summary>
    public static CpuSnapshot Take(int postmasterPid)
    {
        try
        {
            var server = 0.0;
            if (postmasterPid > 0)
            {
                foreach (var dir in Directory.EnumerateDirectories("/proc"))
                {
                    if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                    var stat = ReadStat(pid);
                    if (stat is null) continue;
                    if (pid == postmasterPid)
                        server += stat.Value.Utime + stat.Value.Stime + stat.Value.Cutime + stat.Value.Cstime;
                    else if (stat.Value.Ppid == postmasterPid)
                        server += stat.Value.Utime + stat.Value.Stime;
                }
            }
            var self = ReadStat(Environment.ProcessId) ?? default;
            var (busy, total) = ReadMachine();
            return new(server / TicksPerSecond, (self.Utime + self.Stime) / TicksPerSecond, (self.Cutime + self.Cstime) / TicksPerSecond,
                busy / TicksPerSecond, total / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>
    /// A finished client's backends are exiting when it returns; until the postmaster has reaped
    /// them their CPU time is in neither the live children nor the postmaster's total. Waits (up to
    /// 2 s) until no more children than <paramref name="expected"/> remain.
    /// </summary>
    public static async Task WaitForChildrenAsync(int postmasterPid, int expected, CancellationToken ct)
    {
        if (postmasterPid <= 0) return;
        for (var i = 0; i < 100 && LiveChildren(postmasterPid) > expected; i++)
            await Task.Delay(20, ct);
    }

    /// <summary>The postmaster's live children (background processes and backends).</summary>
    public static int LiveChildren(int postmasterPid)
    {
        if (postmasterPid <= 0) return 0;
        try
        {
            return Directory.EnumerateDirectories("/proc")
                .Count(dir => int.TryParse(Path.GetFileName(dir), out var pid) && ReadStat(pid) is { } stat && stat.Ppid == postmasterPid);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds (user + system) one live process has used so far (e.g. the host the bench started); 0 if unknown.</summary>
    public static double ProcessSeconds(int pid) => ReadStat(pid) is { } stat ? (stat.Utime + stat.Stime) / TicksPerSecond : 0;

    public CpuUsage Since(CpuSnapshot before) => new(
        Server - before.Server, Self - before.Self, Children - before.Children,
        MachineBusy - before.MachineBusy, MachineTotal - before.MachineTotal);

    private readonly record struct Stat(int Ppid, long Utime, long Stime, long Cutime, long Cstime);

    private static Stat? ReadStat(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): comm may hold spaces and parentheses.
        var close = text.LastIndexOf(')');
        if (close < 0 || close + 2 >= text.Length) return null;
        var fields = text[(close + 2)..].Split(' ');
        if (fields.Length < 15) return null;
        return new Stat(int.Parse(fields[1], CultureInfo.InvariantCulture),
            long.Parse(fields[11], CultureInfo.InvariantCulture), long.Parse(fields[12], CultureInfo.InvariantCulture),
            long.Parse(fields[13], CultureInfo.InvariantCulture), long.Parse(fields[14], CultureInfo.InvariantCulture));
    }

    private static (long Busy, long Total) ReadMachine()
    {
        // cpu  user nice system idle iowait irq softirq steal (guest time is already in user)
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        return (total - fields[3] - fields[4], total);
    }
}

/// <summary>CPU seconds spent during a phase, by whom.</summary>
internal readonly record struct CpuUsage(double Server, double Self, double Children, double MachineBusy, double MachineTotal)
{
    public bool Known => MachineTotal > 0;

    /// <summary>CPU seconds on the machine spent by neither the server nor this process and its children.</summary>
    public double Others => Math.Max(0, MachineBusy - Server - Self - Children);

    /// <summary>Share of the machine's cores busy with others' work, 0..1.</summary>
    public double OthersShare => Known ? Others / MachineTotal : double.NaN;

    public double BusyShare => Known ? MachineBusy / MachineTotal : double.NaN;

    public static double MicrosPer(double seconds, long transactions) => transactions > 0 ? seconds * 1e6 / transactions : double.NaN;
}
