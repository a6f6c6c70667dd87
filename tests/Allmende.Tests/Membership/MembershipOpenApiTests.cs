using Allmende.Tests.Infrastructure;
using System.Net;
using System.Text.Json.Nodes;

namespace Allmende.Tests.Membership;

[Collection(MembershipHost.Name)]
public sealed class MembershipOpenApiTests(MembershipApp app)
{
    [Fact]
    public async Task The_openapi_document_describes_every_membership_endpoint_under_its_tag()
    {
        using var client = app.CreateClient();

        var document = JsonNode.Parse(await (await (await client.GetAsync("/openapi/v1.json")).ShouldBeAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync())!;

        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(op => (Route: $"{op.Key.ToUpperInvariant()} {path.Key}", Operation: op.Value!)))
            .Where(o => o.Operation["tags"]?.AsArray().Any(t => t!.GetValue<string>() == "Membership") == true)
            .ToList();
        operations.Select(o => o.Route).ShouldBe([
            "GET /api/organisations", "POST /api/organisations", "GET /api/organisations/{id}", "PUT /api/organisations/{id}",
            "POST /api/organisations/{id}/activate", "POST /api/organisations/{id}/suspend", "POST /api/organisations/{id}/reactivate",
            "POST /api/organisations/{id}/end", "POST /api/organisations/{id}/shares/subscription", "POST /api/organisations/{id}/shares/payments",
            "GET /api/people", "POST /api/people", "GET /api/people/{id}", "PUT /api/people/{id}", "POST /api/people/{id}/organisations",
            "DELETE /api/people/{id}/organisations/{organisationId}", "POST /api/people/{id}/plans", "POST /api/people/{id}/duty-rota",
            "DELETE /api/people/{id}/duty-rota/{siteId}", "POST /api/people/{id}/forget", "DELETE /api/people/{id}/personal-data",
            "GET /api/membership/applications/consent", "POST /api/membership/applications", "GET /api/membership/applications",
            "GET /api/membership/applications/{id}", "POST /api/membership/applications/{id}/approve", "POST /api/membership/applications/{id}/decline",
            "DELETE /api/membership/applications/{id}/contact-person",
            "POST /api/people/{id}/trials", "POST /api/people/{id}/trials/convert", "POST /api/people/{id}/trials/end", "GET /api/people/{id}/trials",
            "PUT /api/people/{id}/survey", "GET /api/people/{id}/survey", "GET /api/membership/survey/summary",
            "POST /api/organisations/{id}/employee-plans", "GET /api/organisations/{id}/employee-plans",
        ], ignoreOrder: true);
        operations.ShouldAllBe(o => o.Operation["summary"] != null);
    }
}
