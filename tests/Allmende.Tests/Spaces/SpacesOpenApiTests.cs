using System.Net;
using System.Text.Json.Nodes;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Spaces;

[Collection(SpacesAndApiHost.Name)]
public sealed class SpacesOpenApiTests(AllmendeApp app)
{
    [Fact]
    public async Task The_openapi_document_describes_every_spaces_endpoint_under_its_tag_with_a_summary()
    {
        using var client = app.CreateClient();

        var document = JsonNode.Parse(await (await client.GetAsync("/openapi/v1.json").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync())!;

        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Route: $"{op.Key.ToUpperInvariant()} {path.Key}", Operation: op.Value!)))
            .Where(o => o.Operation["tags"]?.AsArray().Any(t => t!.GetValue<string>() == "Spaces") == true)
            .ToList();
        operations.Select(o => o.Route).ShouldBe([
            "POST /api/sites", "GET /api/sites", "GET /api/sites/{id}", "PUT /api/sites/{id}", "GET /api/sites/{id}/closures/{closureId}",
            "PUT /api/sites/{id}/opening-hours", "POST /api/sites/{id}/closures", "DELETE /api/sites/{id}/closures/{closureId}",
            "PUT /api/sites/{id}/lease",
            "POST /api/sites/{siteId}/duty-shifts", "GET /api/sites/{siteId}/duty-shifts", "GET /api/duty-shifts/{id}", "POST /api/duty-shifts/{id}/take",
            "POST /api/duty-shifts/{id}/release", "POST /api/duty-shifts/{id}/cancel",
            "POST /api/spaces", "GET /api/spaces", "GET /api/spaces/{id}", "PUT /api/spaces/{id}", "PUT /api/spaces/{id}/rates",
            "PUT /api/spaces/{id}/rules", "POST /api/spaces/{id}/retire",
        ], ignoreOrder: true);
        operations.ShouldAllBe(o => o.Operation["summary"] != null);
        document["components"]!["schemas"]!.AsObject().Select(s => s.Key).ShouldContain("SpaceResponse");
    }
}
