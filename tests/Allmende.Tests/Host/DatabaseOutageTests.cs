using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Provisioning;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Host;

/// <summary>
/// The database goes away under a running host: its own private PostgreSQL cluster, stopped mid-test
/// (the shared test server stays up for the other classes). Every request then answers 503 with
/// Retry-After as a problem document, never a 500, and readiness says 503 too.
/// </summary>
public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task Requests_answer_503_with_retry_after_while_the_database_cannot_be_reached()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"allmende-outage-{Guid.NewGuid():N}");
        await using var postgres = await LocalPostgres.StartAsync(new LocalPostgresOptions(directory) { DeleteOnDispose = true, Durable = false, MaxConnections = 50 });
        await using var app = new AllmendeApp(postgres.ConnectionString, runBackgroundWork: false);
        using var admin = app.AdminClient();
        (await admin.GetAsync("/api/sites")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Stops the server ("fast": open connections are ended); nothing listens on its port afterwards.
        await postgres.DisposeAsync();

        foreach (var (method, url, body) in new (string, string, object?)[]
        {
            ("GET", "/api/sites", null),
            ("GET", "/api/bookings?limit=5", null),
            ("POST", "/api/organisations", new { name = "Nachbarschaftsverein", kind = "association", nonProfit = true, address = new { street = "Ringstraße 9", postalCode = "12345", city = "Musterstadt" }, contact = new { email = "verein@example.org", phone = "+49 30 123456" } }),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (body is not null)
                request.Content = JsonContent.Create(body);
            using var response = await admin.SendAsync(request);

            response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, $"{method} {url}");
            response.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(5));
            response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("status").GetInt32().ShouldBe(503);
            problem.GetProperty("title").GetString().ShouldBe("The database cannot be reached");
        }

        using var ready = await app.CreateClient().GetAsync("/health/ready");
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
    }
}
