namespace Allmende.Eventing.Provisioning;

/// <summary>The one command that gives this kind of machine a PostgreSQL the host and the tests can start.</summary>
public static class PostgresFix
{
    public static string ForThisMachine()
    {
        if (OperatingSystem.IsWindows())
            return "winget install PostgreSQL.PostgreSQL.17";
        if (OperatingSystem.IsMacOS())
            return "brew install postgresql@17";
        string release;
        try { release = File.ReadAllText("/etc/os-release"); }
        catch (IOException) { release = ""; }
        catch (UnauthorizedAccessException) { release = ""; }
        return ForLinux(release);
    }

    /// <summary>By the ID and ID_LIKE of /etc/os-release; elsewhere a Docker engine, which Testcontainers then uses.</summary>
    public static string ForLinux(string osRelease)
    {
        var ids = (osRelease ?? "").Split('\n')
            .Where(l => l.StartsWith("ID=", StringComparison.Ordinal) || l.StartsWith("ID_LIKE=", StringComparison.Ordinal))
            .SelectMany(l => l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"', ' ', '\r').Split(' '))
            .ToHashSet();
        if (ids.Overlaps(["debian", "ubuntu"]))
            return "sudo apt-get install -y postgresql";
        if (ids.Overlaps(["fedora", "rhel", "centos"]))
            return "sudo dnf install -y postgresql-server";
        return "start a Docker engine (e.g. sudo systemctl start docker); Testcontainers then runs PostgreSQL in a container";
    }
}
