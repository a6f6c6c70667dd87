using System.Net;
using System.Net.Sockets;
using Allmende.Eventing.Provisioning;
using Npgsql;

namespace Allmende.Tests.Eventing;

public sealed class LocalPostgresTests
{
    private static LocalPostgresOptions Throwaway(string directory) => new(directory) { DeleteOnDispose = true, Durable = false };

    private static string TempDirectory() => Path.Combine(Path.GetTempPath(), $"allmende-pg-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task A_throwaway_cluster_serves_queries_and_leaves_nothing_behind()
    {
        var postgres = await LocalPostgres.StartAsync(Throwaway(TempDirectory()));
        try
        {
            postgres.OwnsServer.ShouldBeTrue();
            // No pool: a pooled connection would outlive the server this test stops.
            await using var connection = new NpgsqlConnection(postgres.ConnectionString + ";Pooling=false");
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select version()", connection);
            ((string?)await command.ExecuteScalarAsync()).ShouldStartWith("PostgreSQL 1");
        }
        finally
        {
            await postgres.DisposeAsync();
        }

        AcceptsConnections(postgres.Port).ShouldBeFalse();
        Directory.Exists(postgres.DataDirectory).ShouldBeFalse();
    }

    [Fact]
    public async Task Starting_on_a_directory_with_a_running_server_reuses_that_server()
    {
        var directory = TempDirectory();
        await using var first = await LocalPostgres.StartAsync(Throwaway(directory));
        await using var second = await LocalPostgres.StartAsync(Throwaway(directory));

        first.OwnsServer.ShouldBeTrue();
        second.OwnsServer.ShouldBeFalse();
        second.Port.ShouldBe(first.Port);
        second.DataDirectory.ShouldBe(first.DataDirectory);
    }

    private static bool AcceptsConnections(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
