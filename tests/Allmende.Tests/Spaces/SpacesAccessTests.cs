using System.Net;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Spaces;

/// <summary>Staff write sites and spaces; everyone signed in reads them; nobody else gets in.</summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class SpacesAccessTests(AllmendeApp app)
{
    private static readonly (string Method, string Url)[] Reads =
    [
        ("GET", "/api/sites"),
        ("GET", "/api/sites/{site}"),
        ("GET", "/api/sites/{site}/closures/{closure}"),
        ("GET", "/api/spaces"),
        ("GET", "/api/spaces/{space}"),
    ];

    private static readonly (string Method, string Url)[] Writes =
    [
        ("POST", "/api/sites"),
        ("PUT", "/api/sites/{site}"),
        ("PUT", "/api/sites/{site}/opening-hours"),
        ("POST", "/api/sites/{site}/closures"),
        ("DELETE", "/api/sites/{site}/closures/{closure}"),
        ("PUT", "/api/sites/{site}/lease"),
        ("POST", "/api/spaces"),
        ("PUT", "/api/spaces/{space}"),
        ("PUT", "/api/spaces/{space}/rates"),
        ("PUT", "/api/spaces/{space}/rules"),
        ("POST", "/api/spaces/{space}/retire"),
    ];

    private sealed record Ids(Guid Site, Guid Closure, Guid Space);

    private async Task<Ids> SeedAsync()
    {
        using var admin = app.AdminClient();
        var site = await (await admin.SendAsync("POST", "/api/sites", new
        {
            name = "Ladenlokal Einkaufspassage",
            address = new { street = "Passage 7", postalCode = "04109", city = "Leipzig" },
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var siteId = site.GetProperty("id").GetGuid();
        var closure = await (await admin.SendAsync("POST", $"/api/sites/{siteId}/closures",
            new { firstDay = "2026-12-24", lastDay = "2026-12-26", reason = "Feiertage" }, "\"1\"").ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var space = await (await admin.SendAsync("POST", "/api/spaces",
            new { siteId, name = "Coworking-Raum", kind = "room", capacity = 6 }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        return new Ids(siteId, closure.GetProperty("id").GetGuid(), space.GetProperty("id").GetGuid());
    }

    private static string Fill(string url, Ids ids) =>
        url.Replace("{site}", ids.Site.ToString()).Replace("{closure}", ids.Closure.ToString()).Replace("{space}", ids.Space.ToString());

    [Fact]
    public async Task Anonymous_callers_get_401_from_every_spaces_endpoint()
    {
        var ids = await SeedAsync();
        using var anonymous = app.CreateClient();

        foreach (var (method, url) in Reads.Concat(Writes))
            (await anonymous.SendAsync(method, Fill(url, ids), method is "GET" or "DELETE" ? null : new { }, "\"1\"")).StatusCode
                .ShouldBe(HttpStatusCode.Unauthorized, $"{method} {url}");
    }

    [Theory]
    [InlineData(Roles.Member)]
    [InlineData(Roles.Auditor)]
    public async Task Members_and_auditors_read_sites_and_spaces_but_get_403_on_every_write(string role)
    {
        var ids = await SeedAsync();
        using var client = await app.ClientAsync(role);

        foreach (var (method, url) in Reads)
            (await client.SendAsync(method, Fill(url, ids))).StatusCode.ShouldBe(HttpStatusCode.OK, $"{method} {url}");
        foreach (var (method, url) in Writes)
            (await client.SendAsync(method, Fill(url, ids), method is "DELETE" ? null : new { }, "\"1\"")).StatusCode
                .ShouldBe(HttpStatusCode.Forbidden, $"{method} {url}");

        using var admin = app.AdminClient();
        var site = await admin.SendAsync("GET", $"/api/sites/{ids.Site}");
        site.ETag().ShouldBe("\"2\""); // nothing the refused writes sent got through
    }
}
