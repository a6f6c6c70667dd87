namespace Allmende.Eventing.Provisioning;

/// <summary>
/// Where a Docker engine might answer, found without talking to it: DOCKER_HOST, Testcontainers'
/// own settings file, or a socket file where Docker, rootless Docker, Docker Desktop, Colima or
/// Rancher Desktop put theirs. Null means none can answer, and Testcontainers (whose own probe takes
/// about a second before it gives up) is not asked at all.
/// </summary>
public static class DockerEngine
{
    public static string? Candidate()
    {
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host)
            return host;
        // Testcontainers probes the named pipe itself; on Windows that is cheap.
        if (OperatingSystem.IsWindows())
            return "npipe://./pipe/docker_engine";
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var properties = Path.Combine(home, ".testcontainers.properties");
        if (File.Exists(properties))
            return properties;
        string?[] sockets =
        [
            "/var/run/docker.sock",
            Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? Path.Combine(runtime, "docker.sock") : null,
            Path.Combine(home, ".docker", "run", "docker.sock"),
            Path.Combine(home, ".docker", "desktop", "docker.sock"),
            Path.Combine(home, ".colima", "default", "docker.sock"),
            Path.Combine(home, ".rd", "docker.sock"),
        ];
        // File.Exists is true for a socket (any entry that is not a directory).
        return sockets.FirstOrDefault(s => s is not null && File.Exists(s)) is { } socket ? "unix://" + socket : null;
    }
}
