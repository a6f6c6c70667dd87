using System.Diagnostics;

namespace Allmende.Tests.Host;

/// <summary>
/// The decisions of ./allmende on made-up machines: its plan mode changes nothing and needs no
/// root. Each machine is a PATH of stand-in commands (apt-get, sudo, docker, pg_ctl, …) and a
/// folder standing in for / (ALLMENDE_SYSROOT), and nothing else of this machine's environment.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // a bash script; Windows users take dotnet run/test
public sealed class AllmendeScriptTests : IDisposable
{
    private readonly string _machine = Path.Combine(Path.GetTempPath(), $"allmende-script-{Guid.NewGuid():N}");
    private readonly Dictionary<string, string> _environment = [];
    private int _userId;

    private string Bin => Path.Combine(_machine, "bin");
    private string Root => Path.Combine(_machine, "root");

    public AllmendeScriptTests()
    {
        Directory.CreateDirectory(Bin);
        Directory.CreateDirectory(Path.Combine(_machine, "home"));
        Directory.CreateDirectory(Root);
        Command("dotnet", "exit 0");
    }

    public void Dispose() => Directory.Delete(_machine, recursive: true);

    private static string Script => Path.Combine(RepositoryRoot(), "allmende");

    /// <summary>A stand-in command on the made-up PATH.</summary>
    private void Command(string name, string body) => Executable(Path.Combine(Bin, name), body);

    private static void Executable(string path, string body)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private void DebianPostgres(int major) =>
        Executable(Path.Combine(Root, "usr", "lib", "postgresql", major.ToString(), "bin", "pg_ctl"), $"echo 'pg_ctl (PostgreSQL) {major}.4 (Debian {major}.4-1)'");

    private void Chromium(string executable = "chromium-headless-shell")
    {
        Executable(Path.Combine(Root, "usr", "bin", executable), "exit 0");
        Directory.CreateDirectory(Path.Combine(Root, "usr", "share", "fonts", "truetype", "liberation"));
    }

    private void DockerEngine(bool answers)
    {
        _environment["DOCKER_HOST"] = "tcp://127.0.0.1:2375";
        Command("docker", answers ? "exit 0" : "echo 'Cannot connect to the Docker daemon' >&2; exit 1");
    }

    private (int ExitCode, string Output, string Errors) Plan(params string[] arguments)
    {
        // No terminal on stdin: with one, the script would count on sudo asking for a password.
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Script, "plan", .. arguments])
            start.ArgumentList.Add(argument);
        start.Environment.Clear();
        start.Environment["PATH"] = Bin;
        start.Environment["HOME"] = Path.Combine(_machine, "home");
        start.Environment["ALLMENDE_SYSROOT"] = Root;
        start.Environment["ALLMENDE_EUID"] = _userId.ToString();
        foreach (var (key, value) in _environment)
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        process.WaitForExit(30_000).ShouldBeTrue("the plan takes moments");
        return (process.ExitCode, output.Result, errors.Result);
    }

    [Fact]
    public void On_a_bare_Debian_machine_as_root_the_tests_first_install_postgresql_and_chromium_in_one_go()
    {
        Command("apt-get", "exit 0");

        Plan("test", "--filter", "Reports").ShouldBe((0, """
            allmende: postgresql: none >= 15 found; installing Debian's postgresql (as root)
            allmende: chromium: installing chromium-headless-shell fonts-liberation for the browser tests (as root)
            allmende: would run: apt-get update && apt-get install -y --no-install-recommends postgresql chromium-headless-shell fonts-liberation (as root)
            allmende: would run: dotnet test --filter Reports

            """, ""));
    }

    [Fact]
    public void Running_the_host_installs_postgresql_only_and_as_a_user_with_sudo_through_sudo()
    {
        Command("apt-get", "exit 0");
        Command("sudo", "exit 0");
        _userId = 1000;

        Plan("run").ShouldBe((0, """
            allmende: postgresql: none >= 15 found; installing Debian's postgresql (as sudo)
            allmende: would run: apt-get update && apt-get install -y --no-install-recommends postgresql (as sudo)
            allmende: would run: dotnet run --project src/Host

            """, ""));
    }

    [Fact]
    public void Where_everything_is_there_nothing_is_installed()
    {
        Command("apt-get", "exit 0");
        DebianPostgres(16);
        Chromium();
        var bin = Path.Combine(Root, "usr", "lib", "postgresql", "16", "bin");

        Plan("test").ShouldBe((0, $"""
            allmende: postgresql: binaries in {bin}
            allmende: chromium: /usr/bin/chromium-headless-shell with its fonts
            allmende: would run: dotnet test

            """, ""));
        Plan("run").Output.ShouldStartWith($"allmende: postgresql: binaries in {bin}\n");
    }

    [Fact]
    public void PostgreSQL_older_than_15_counts_as_missing()
    {
        Command("apt-get", "exit 0");
        DebianPostgres(14);

        Plan("run").Output.ShouldStartWith("allmende: postgresql: none >= 15 found; installing Debian's postgresql (as root)\n");
    }

    [Fact]
    public void Tests_take_a_Docker_engine_that_answers_before_the_binaries_and_the_host_takes_the_binaries_first()
    {
        Command("apt-get", "exit 0");
        Chromium();
        DockerEngine(answers: true);

        Plan("run").Output.ShouldStartWith("allmende: postgresql: a Docker engine answers at tcp://127.0.0.1:2375; Testcontainers starts it\n");
        DebianPostgres(15);
        Plan("test").Output.ShouldStartWith("allmende: postgresql: a Docker engine answers at tcp://127.0.0.1:2375; Testcontainers starts it\n");
        Plan("run").Output.ShouldStartWith($"allmende: postgresql: binaries in {Path.Combine(Root, "usr", "lib", "postgresql", "15", "bin")}\n");
    }

    [Fact]
    public void A_Docker_endpoint_that_does_not_answer_leads_to_installing_postgresql()
    {
        Command("apt-get", "exit 0");
        DockerEngine(answers: false);

        Plan("run").Output.ShouldStartWith("allmende: postgresql: none >= 15 found; installing Debian's postgresql (as root)\n");
    }

    [Fact]
    public void A_configured_server_needs_no_postgresql_here()
    {
        _environment["ConnectionStrings__Postgres"] = "Host=db;Username=postgres";

        Plan("run").ShouldBe((0, """
            allmende: postgresql: the server of ConnectionStrings__Postgres
            allmende: would run: dotnet run --project src/Host

            """, ""));
    }

    [Theory]
    [InlineData("apt-get", "sudo apt-get install -y postgresql")]
    [InlineData("dnf", "sudo dnf install -y postgresql-server")]
    [InlineData("brew", "brew install postgresql@17")]
    [InlineData("winget.exe", "winget install PostgreSQL.PostgreSQL.17")]
    [InlineData(null, "start a Docker engine (the host and the tests then run PostgreSQL with Testcontainers)")]
    public void Where_it_cannot_install_it_names_the_one_command_that_fixes_it_for_that_system(string? packageManager, string fix)
    {
        if (packageManager is not null)
            Command(packageManager, "exit 0");
        _userId = 1000; // and no sudo

        Plan("run").ShouldBe((1, "", $"allmende: postgresql: none >= 15 found, no Docker engine answers, and this script cannot install it here. Fix: {fix}\n"));
    }

    [Fact]
    public void Without_chromium_and_no_way_to_install_it_the_other_tests_still_run()
    {
        DebianPostgres(15);
        Command("dnf", "exit 0");

        Plan("test").Output.ShouldEndWith("""
            allmende: chromium: missing; the browser tests will fail. Fix: sudo dnf install -y chromium liberation-fonts
            allmende: would run: dotnet test

            """);
    }

    [Fact]
    public void Chromium_serves_where_its_headless_shell_is_missing_and_cannot_be_installed_but_is_installed_where_it_can()
    {
        DebianPostgres(15);
        Chromium("chromium");
        Command("dnf", "exit 0");

        Plan("test").Output.ShouldEndWith("""
            allmende: chromium: /usr/bin/chromium with its fonts
            allmende: would run: dotnet test

            """);

        Command("apt-get", "exit 0");
        Plan("test").Output.ShouldEndWith("""
            allmende: chromium: installing chromium-headless-shell for the browser tests (as root)
            allmende: would run: apt-get update && apt-get install -y --no-install-recommends chromium-headless-shell (as root)
            allmende: would run: dotnet test

            """);
    }

    [Fact]
    public void Without_dotnet_it_says_what_to_install()
    {
        File.Delete(Path.Combine(Bin, "dotnet"));

        Plan("run").ShouldBe((1, "", "allmende: no dotnet on PATH. Fix: install the .NET 10 SDK (global.json names the version).\n"));
    }

    [Fact]
    public void Anything_but_run_or_test_shows_the_usage()
    {
        var (exitCode, output, errors) = Plan("deploy");

        (exitCode, output).ShouldBe((2, ""));
        errors.ShouldContain("./allmende test [args]");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "allmende")) && File.Exists(Path.Combine(dir.FullName, "Allmende.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("The repository root (with ./allmende) is not above the test assembly.");
    }
}
