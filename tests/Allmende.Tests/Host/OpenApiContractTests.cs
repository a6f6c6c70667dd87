using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allmende.Eventing.Api;
using Allmende.Tests.Bookings;
using Allmende.Tests.Funding;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Json.Schema;

namespace Allmende.Tests.Host;

/// <summary>
/// /openapi/v1.json is the API (issue 16, item 4): how to sign in, If-Match where an update needs it,
/// and for a representative run of the suite's calls, every status answered is one the operation
/// documents, with a body that validates against the documented schema.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class OpenApiContractTests(AllmendeApp app)
{
    private async Task<JsonNode> DocumentAsync()
    {
        using var anonymous = app.CreateClient();
        return JsonNode.Parse(await (await anonymous.SendAsync("GET", "/openapi/v1.json").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync())!;
    }

    private static IEnumerable<(string Method, string Path, JsonNode Operation)> Operations(JsonNode document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(op => op.Key is "get" or "post" or "put" or "delete" or "patch")
            .Select(op => (op.Key.ToUpperInvariant(), path.Key, op.Value!)));

    private static JsonNode? IfMatch(JsonNode operation) =>
        operation["parameters"]?.AsArray().SingleOrDefault(p => p!["name"]!.GetValue<string>() == "If-Match" && p["in"]!.GetValue<string>() == "header");

    [Fact]
    public async Task Both_ways_to_sign_in_are_schemes_and_every_operation_accepts_either()
    {
        var document = await DocumentAsync();

        var schemes = document["components"]!["securitySchemes"]!;
        (schemes["ApiKey"]!["type"]!.GetValue<string>(), schemes["ApiKey"]!["in"]!.GetValue<string>(), schemes["ApiKey"]!["name"]!.GetValue<string>())
            .ShouldBe(("apiKey", "header", "X-Api-Key"));
        (schemes["Bearer"]!["type"]!.GetValue<string>(), schemes["Bearer"]!["scheme"]!.GetValue<string>()).ShouldBe(("http", "bearer"));
        // A calendar feed's secret URL is its own credential (calendar apps send no header): the one
        // operation open without signing in, and the document says so by naming no scheme for it. So is
        // an organisation's own application for membership (public, rate-limited), and its consent text.
        // The open programme is public by design (ADR 20): read and signed up for without signing in.
        string[] bySecretUrl =
        [
            "GET /api/bookings/ical/{token}", "GET /api/membership/applications/consent", "POST /api/membership/applications",
            "GET /api/programme/public/sites/{id}", "GET /api/programme/public/sites/{id}/ical",
            "GET /api/programme/public/organisations/{id}", "GET /api/programme/public/organisations/{id}/ical",
            "POST /api/programme/public/offers/{id}/dates/{bookingId}/registrations",
        ];
        foreach (var (method, path, operation) in Operations(document))
        {
            if (bySecretUrl.Contains($"{method} {path}"))
            {
                operation["security"].ShouldBeNull($"{method} {path}");
                continue;
            }
            operation["security"]!.AsArray().Select(r => r!.AsObject().Single().Key).ShouldBe(["ApiKey", "Bearer"], $"{method} {path}");
            operation["responses"]!["401"].ShouldNotBeNull($"{method} {path}");
        }
        bySecretUrl.Except(Operations(document).Select(o => $"{o.Method} {o.Path}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Updates_name_If_Match_as_a_header_with_its_problems_and_reads_do_not()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToList();

        foreach (var (method, path, operation) in operations)
        {
            var header = IfMatch(operation);
            var answers428 = operation["responses"]!["428"] is not null;
            (header is not null).ShouldBe(answers428, $"{method} {path}");
            if (header is null)
                continue;
            foreach (var status in new[] { "400", "409", "428" })
                operation["responses"]![status]!["content"]!["application/problem+json"].ShouldNotBeNull($"{method} {path} {status}");
        }
        var required = operations.Where(o => IfMatch(o.Operation)?["required"]?.GetValue<bool>() == true).Select(o => $"{o.Method} {o.Path}").ToList();
        required.ShouldContain("PUT /api/sites/{id}/opening-hours");
        required.ShouldContain("POST /api/bookings/{id}/cancel");
        required.ShouldContain("POST /api/people/{id}/forget");
        required.ShouldContain("POST /api/funding/grants/{id}/close");
        required.ShouldNotContain("PUT /api/bookings/free-hours/{plan}");
        required.ShouldNotContain("PUT /api/funding/prices/flexible-desk");
        IfMatch(operations.Single(o => o is { Method: "PUT", Path: "/api/funding/prices/flexible-desk" }).Operation).ShouldNotBeNull();
        operations.Where(o => o.Method == "GET").ShouldAllBe(o => IfMatch(o.Operation) == null);
    }

    [Fact]
    public async Task The_api_page_offers_to_authorise_and_calls_the_api_with_the_key()
    {
        using var anonymous = app.CreateClient();
        var page = await (await anonymous.SendAsync("GET", "/api-docs/index.html").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        page.ShouldContain("swagger-ui");
        var config = await (await anonymous.SendAsync("GET", "/api-docs/index.js").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        config.ShouldContain("\"persistAuthorization\":true");
        // What "Try it out" sends once authorised: the scheme's header.
        using var authorised = app.CreateClient();
        authorised.DefaultRequestHeaders.Add("X-Api-Key", AllmendeApp.AdminKey);
        await authorised.SendAsync("GET", "/api/sites").ShouldHaveStatus(HttpStatusCode.OK);
    }

    /// <summary>One call and the operation it is, as the document names it.</summary>
    private sealed record Checked(string Method, string Template, int Status);

    private sealed class Contract(JsonNode document)
    {
        public List<Checked> Calls { get; } = [];
        public List<string> Failures { get; } = [];

        public async Task<HttpResponseMessage> CheckAsync(HttpResponseMessage response, string method, string template)
        {
            var status = (int)response.StatusCode;
            Calls.Add(new Checked(method, template, status));
            var name = $"{method} {template} {status}";
            var operation = document["paths"]?[template]?[method.ToLowerInvariant()];
            if (operation is null)
            {
                Failures.Add($"{method} {template}: not in the document");
                return response;
            }
            var documented = operation["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)] ?? operation["responses"]!["default"];
            if (documented is null)
            {
                Failures.Add($"{name}: status not documented ({string.Join(", ", operation["responses"]!.AsObject().Select(r => r.Key))})");
                return response;
            }
            var body = await response.Content.ReadAsStringAsync();
            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (body.Length == 0 || mediaType is null)
                return response;
            var content = documented["content"]?.AsObject();
            if (content is null || !content.ContainsKey(mediaType))
            {
                Failures.Add($"{name}: answered {mediaType}, documented {string.Join(", ", content?.Select(c => c.Key) ?? [])}");
                return response;
            }
            if (!mediaType.EndsWith("json", StringComparison.Ordinal) || content[mediaType]?["schema"] is null)
                return response;
            var result = Schema(content[mediaType]!["schema"]!).Evaluate(JsonDocument.Parse(body).RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (!result.IsValid)
                Failures.Add($"{name}: body does not match the schema: " +
                             string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                                 .Select(d => $"{d.InstanceLocation} {string.Join(", ", d.Errors!.Values)}").Take(5)) + $" — {body[..Math.Min(400, body.Length)]}");
            return response;
        }

        /// <summary>
        /// The response's schema as a standalone JSON Schema (2020-12, as OpenAPI 3.1's are): the document's
        /// component schemas become its $defs, so that its references resolve within it.
        /// </summary>
        private JsonSchema Schema(JsonNode schema)
        {
            var standalone = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["allOf"] = new JsonArray(schema.DeepClone()) };
            standalone["$defs"] = document["components"]?["schemas"]?.DeepClone() ?? new JsonObject();
            var text = standalone.ToJsonString().Replace("\"#/components/schemas/", "\"#/$defs/", StringComparison.Ordinal);
            return JsonSchema.FromText(text, baseUri: new Uri($"https://allmende.test/{Guid.NewGuid():N}/schema.json"));
        }
    }

    private static HttpRequestMessage Request(string method, string url, object? body = null, string? ifMatch = null, string? json = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        else if (body is not null)
            request.Content = System.Net.Http.Json.JsonContent.Create(body, body.GetType(), options: Allmende.Eventing.Storage.EventingJson.Options);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    [Fact]
    public async Task Live_answers_of_a_representative_run_are_documented_and_match_their_schemas()
    {
        var contract = new Contract(await DocumentAsync());
        using var admin = app.AdminClient();
        using var anonymous = app.CreateClient();
        async Task<HttpResponseMessage> Call(HttpClient client, string method, string template, string url, object? body = null, string? ifMatch = null,
            string? json = null) => await contract.CheckAsync(await client.SendAsync(Request(method, url, body, ifMatch, json)), method, template);

        // Access: who am I, keys, a key for a person that does not exist, anonymous.
        await Call(admin, "GET", "/api/access/me", "/api/access/me");
        await Call(anonymous, "GET", "/api/access/me", "/api/access/me");
        await Call(admin, "GET", "/api/access/keys", "/api/access/keys");
        await Call(admin, "POST", "/api/access/keys", "/api/access/keys", new { name = "ghost", role = "member", personId = Guid.NewGuid() });
        await Call(admin, "POST", "/api/access/tokens", "/api/access/tokens");

        // Spaces: a site, its opening hours with, without, with a stale and with a weak If-Match; a room.
        var world = new BookingsWorld(app);
        var site = await world.SiteAsync();
        var read = await Call(admin, "GET", "/api/sites/{id}", $"/api/sites/{site}");
        var etag = SpacesHttp.ETag(read);
        var hours = new { openingHours = BookingsWorld.AlwaysOpen };
        await Call(admin, "PUT", "/api/sites/{id}/opening-hours", $"/api/sites/{site}/opening-hours", hours);
        await Call(admin, "PUT", "/api/sites/{id}/opening-hours", $"/api/sites/{site}/opening-hours", hours, $"W/{etag}");
        await Call(admin, "PUT", "/api/sites/{id}/opening-hours", $"/api/sites/{site}/opening-hours", hours, "\"99\"");
        await Call(admin, "PUT", "/api/sites/{id}/opening-hours", $"/api/sites/{site}/opening-hours", hours, etag);
        await Call(admin, "GET", "/api/sites/{id}", $"/api/sites/{Guid.NewGuid()}");
        await Call(admin, "GET", "/api/sites", "/api/sites?limit=abc");
        await Call(admin, "GET", "/api/sites", "/api/sites?limit=5");
        await Call(admin, "POST", "/api/sites", "/api/sites", json: "{\"name\": 5}");

        // Bookings: a booked room, its history (the schema of changes), a member refused staff's list of keys.
        var (space, organisation) = await world.RoomAsync();
        await Call(admin, "GET", "/api/spaces/{id}", $"/api/spaces/{space}");
        var start = BookingsWorld.FutureHour(40);
        var booked = await Call(admin, "POST", "/api/bookings", "/api/bookings", BookingsWorld.Booking(space, organisation, start, start.AddHours(2)));
        var booking = (await booked.JsonAsync()).GetProperty("id").GetGuid();
        await Call(admin, "GET", "/api/bookings/{id}", $"/api/bookings/{booking}");
        await Call(admin, "POST", "/api/bookings", "/api/bookings", BookingsWorld.Booking(space, organisation, start, start.AddHours(1)));
        await Call(admin, "POST", "/api/bookings/{id}/cancel", $"/api/bookings/{booking}/cancel", new { reason = "Termin verlegt" }, SpacesHttp.ETag(booked));
        await Call(admin, "GET", "/api/bookings/{id}/history", $"/api/bookings/{booking}/history");
        await Call(admin, "GET", "/api/bookings", $"/api/bookings?organisationId={organisation}");
        using var member = await world.MemberOfAsync(organisation);
        await Call(member, "GET", "/api/access/keys", "/api/access/keys");
        await Call(member, "GET", "/api/bookings/{id}/history", $"/api/bookings/{booking}/history");

        // Membership and Funding: an organisation, a funder, a grant, its budget and the allocations.
        await Call(admin, "GET", "/api/organisations/{id}", $"/api/organisations/{organisation}");
        await Call(admin, "GET", "/api/people", "/api/people");
        var rooms = new GrantedRooms(app);
        var funder = await rooms.FunderAsync("Stiftung Nachbarschaft");
        await Call(admin, "GET", "/api/funding/funders/{id}", $"/api/funding/funders/{funder}");
        var grant = await rooms.GrantAsync(funder, site);
        var grantRead = await Call(admin, "GET", "/api/funding/grants/{id}", $"/api/funding/grants/{grant}");
        await Call(admin, "POST", "/api/funding/grants/{id}/close", $"/api/funding/grants/{grant}/close", new { reason = "Programm endet" });
        await Call(admin, "GET", "/api/funding/grants/{id}/budget", $"/api/funding/grants/{grant}/budget?from=2027-01&to=2027-12");
        await Call(admin, "GET", "/api/funding/allocations", "/api/funding/allocations?month=2027-07");
        await Call(admin, "GET", "/api/funding/prices/flexible-desk", "/api/funding/prices/flexible-desk");
        using var funderClient = await app.ClientAsync(Roles.Funder, funderId: funder);
        await Call(funderClient, "GET", "/api/funding/grants/{id}", $"/api/funding/grants/{grant}");
        await Call(funderClient, "GET", "/api/sites", "/api/sites");
        SpacesHttp.ETag(grantRead).ShouldNotBeNull();

        contract.Failures.ShouldBeEmpty();
        // The run met the answers it is meant to: success, 400, 401, 403, 404, 409 and 428.
        contract.Calls.Select(c => c.Status).Distinct().Order().ShouldBe([200, 201, 400, 401, 403, 404, 409, 428]);
    }
}
