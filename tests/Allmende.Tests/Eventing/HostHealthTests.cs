using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Eventing;

public sealed class HostHealthTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    [Fact]
    public async Task Live_answers_and_ready_reports_the_database_reachable()
    {
        using var client = app.CreateClient();

        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var response = await client.GetAsync("/health/ready");
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var ready = await response.Content.ReadFromJsonAsync<JsonElement>();

        ready.GetProperty("status").GetString().ShouldBe("Healthy");
        var database = ready.GetProperty("checks").GetProperty("database");
        database.GetProperty("description").GetString().ShouldBe("PostgreSQL reachable");
        database.GetProperty("data").GetProperty("serverVersion").GetString()!.ShouldStartWith("1");
        ready.GetProperty("checks").GetProperty("outbox").GetProperty("data").GetProperty("deadLetters").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task The_host_refuses_to_start_without_a_reachable_database()
    {
        await using var broken = new AllmendeApp($"Host=127.0.0.1;Port=1;Username=nobody;Database=none;Timeout=2", runBackgroundWork: false);
        // The host cannot migrate without a database: it must refuse to start rather than serve half.
        var error = Should.Throw<Exception>(() => broken.CreateClient());
        error.ToString().ShouldContain("127.0.0.1:1");
    }

    [Fact]
    public async Task The_hosts_connections_end_transactions_left_idle()
    {
        await using var command = app.DataSource.CreateCommand("show idle_in_transaction_session_timeout");
        (await command.ExecuteScalarAsync()).ShouldBe("1min");
    }

    [Fact]
    public async Task The_OpenAPI_document_is_served()
    {
        using var client = app.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        document.GetProperty("openapi").GetString()!.ShouldStartWith("3.");
        document.GetProperty("paths").TryGetProperty("/api/admin/projections", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Admin_endpoints_refuse_callers_without_a_valid_key()
    {
        using var client = app.CreateClient();
        (await client.GetAsync("/api/admin/projections")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        client.DefaultRequestHeaders.Add("X-Api-Key", "not-the-key");
        (await client.GetAsync("/api/admin/projections")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
