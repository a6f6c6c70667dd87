using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allmende.Host.DemoData;
using Allmende.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Allmende.Tests.Host;

/// <summary>
/// Every operation of the OpenAPI document the host serves, tried with bad values in each path and
/// query parameter and in each field of its body (NUL and other control characters, bidi overrides,
/// dates in year 1 and 9999, huge numbers, wrong JSON types, empty and very long text, duplicate
/// keys, bodies that are no JSON) and with Accept headers for CSV, HTML and iCalendar, as an admin
/// and as a member, over the demo data so that ids lead to real records. No answer may be a 5xx, and
/// every error must be a problem document without CLR type names or stack traces. It grows by itself
/// with the API.
/// </summary>
public sealed class BadInputSweepTests(AllmendeApp app, ITestOutputHelper output) : IClassFixture<AllmendeApp>
{
    private static readonly string Long = new('x', 5000);

    // A lone surrogate cannot be written by a JSON writer or a URI escaper: this marker is replaced by one on the wire.
    private const string LoneSurrogate = "LONESURROGATE";

    private static readonly string[] BadText = ["\u0000", "a\u0001b", "\u202Egnp.exe", "a\u200Bb", "a\nb", "", Long, LoneSurrogate];

    private static readonly string[] BadDates =
        ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00Z", "9999-12-31T22:00:00Z", "0001-01", "9999-12"];

    private static readonly string[] BadQueryOnly = ["week", "-1", "99999999999999999999", "%", "{}"];

    private static readonly JsonNode?[] WrongTypes =
        [JsonValue.Create(1e308), JsonNode.Parse("-9223372036854775809"), JsonValue.Create(2147483648L), JsonValue.Create(-1), JsonValue.Create(true),
         new JsonObject(), new JsonArray(), null];

    private static readonly string[] BadBodies = ["", "null", "[]", "{", "{}", "\"text\"", "{\"a\":\u0000}"];

    private sealed record Probe(string Operation, string What, HttpMethod Method, string Url, string? Body, string? Accept = null);

    [Fact]
    public async Task No_bad_input_to_any_operation_answers_a_server_error_or_an_error_that_is_no_problem_document()
    {
        using var admin = app.AdminClient();
        var demo = await DemoData.SeedAsync(admin);
        demo.ShouldNotBeNull();
        using var member = app.CreateClient();
        member.DefaultRequestHeaders.Add("X-Api-Key", demo.MemberKey);

        var document = await admin.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var ids = await KnownIdsAsync(admin);
        var probes = Probes(document!, ids).ToList();

        var watch = Stopwatch.StartNew();
        var failures = new ConcurrentBag<string>();
        // The member goes first: the admin's probes may end, retire or forget what both reach.
        foreach (var (role, client) in new[] { ("member", member), ("admin", admin) })
        {
            await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (probe, ct) =>
            {
                if (await CheckAsync(client, probe, ct) is { } failure)
                    failures.Add($"{role} {probe.Operation} with {probe.What}: {failure}");
            });
        }
        output.WriteLine($"{probes.Count} probes per role over {document!["paths"]!.AsObject().Count} paths in {watch.Elapsed.TotalSeconds:F1} s");

        // Server errors first: they are the worst, and the message shows only the first sixty.
        failures.ShouldBeEmpty(string.Join("\n", failures.OrderBy(f => f.Contains(": 5", StringComparison.Ordinal) || f.Contains(": threw", StringComparison.Ordinal) ? 0 : 1).ThenBy(f => f, StringComparer.Ordinal).Take(60)));
    }

    private static async Task<string?> CheckAsync(HttpClient client, Probe probe, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(probe.Method, probe.Url.Replace(LoneSurrogate, "%ED%A0%80", StringComparison.Ordinal));
        if (probe.Body is not null)
            request.Content = new StringContent(probe.Body.Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        // Updates need If-Match: a made-up one gets past the 428 to the checks behind it.
        request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        if (probe.Accept is not null)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(probe.Accept));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            var status = (int)response.StatusCode;
            if (status >= 500)
                return $"{status} {Cut(body)}";
            if (status >= 400 && body.Length > 0)
            {
                if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    return $"{status} as {response.Content.Headers.ContentType?.MediaType}: {Cut(body)}";
                if (body.Contains("System.", StringComparison.Ordinal) || body.Contains("Allmende.", StringComparison.Ordinal) || body.Contains("   at ", StringComparison.Ordinal))
                    return $"{status} naming CLR types: {Cut(body)}";
            }
            return null;
        }
    }

    private static string Cut(string body) => body.Length > 300 ? body[..300] + "…" : body;

    /// <summary>The first id of each list the API offers, by the name a path gives it ("sites", "grants", …).</summary>
    private static async Task<Dictionary<string, string>> KnownIdsAsync(HttpClient admin)
    {
        var ids = new Dictionary<string, string>();
        foreach (var list in new[] { "sites", "spaces", "organisations", "people", "bookings", "funding/funders", "funding/grants", "bookings/series", "bookings/desk-assignments" })
        {
            using var response = await admin.GetAsync($"/api/{list}?limit=1");
            if (!response.IsSuccessStatusCode)
                continue;
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (page.TryGetProperty("items", out var items) && items.GetArrayLength() > 0 && items[0].TryGetProperty("id", out var id))
                ids[list[(list.LastIndexOf('/') + 1)..]] = id.GetString()!;
        }
        return ids;
    }

    /// <summary>A real id where the path names a known list, else a made-up one (keys never: the probes would revoke their own).</summary>
    private static string IdFor(string path, string parameter, Dictionary<string, string> ids)
    {
        string resource;
        if (parameter is "id")
        {
            var segments = path.Split('/');
            var at = Array.FindIndex(segments, s => s.StartsWith("{id", StringComparison.Ordinal));
            resource = at > 0 ? segments[at - 1] : "";
        }
        else
        {
            resource = parameter.EndsWith("Id", StringComparison.Ordinal) ? parameter[..^2] + "s" : parameter;
            if (resource == "persons")
                resource = "people";
        }
        return ids.TryGetValue(resource, out var id) ? id : Guid.NewGuid().ToString();
    }

    private static IEnumerable<Probe> Probes(JsonObject document, Dictionary<string, string> ids)
    {
        var schemas = document["components"]?["schemas"]?.AsObject();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operationNode) in item!.AsObject())
            {
                if (method is "parameters" or "summary" or "description")
                    continue;
                var operation = operationNode!.AsObject();
                var name = $"{method.ToUpperInvariant()} {path}";
                var httpMethod = new HttpMethod(method.ToUpperInvariant());
                var parameters = (operation["parameters"]?.AsArray() ?? []).Select(p => p!.AsObject()).ToList();
                var pathValues = parameters.Where(p => (string?)p["in"] == "path")
                    .ToDictionary(p => (string)p["name"]!, p => IdFor(path, (string)p["name"]!, ids));
                var bodySchema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
                var body = bodySchema is null ? null : Sample(bodySchema, schemas, ids, "", depth: 0);
                var bodyText = body?.ToJsonString();

                string Url(Dictionary<string, string> values, string query = "")
                {
                    var url = path;
                    foreach (var (key, value) in values)
                        url = url.Replace("{" + key + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
                    return url + query;
                }

                foreach (var parameter in parameters)
                {
                    var parameterName = (string)parameter["name"]!;
                    var location = (string?)parameter["in"];
                    foreach (var value in BadText.Concat(BadDates).Concat(BadQueryOnly))
                    {
                        if (location == "path")
                        {
                            // An empty segment is another route; NUL in a path is refused by the server (Kestrel) before the
                            // host sees it, and the test server's client refuses to send it at all.
                            if (value.Length == 0 || value.Contains('\0', StringComparison.Ordinal))
                                continue;
                            yield return new Probe(name, $"path {parameterName}={Show(value)}", httpMethod,
                                Url(new Dictionary<string, string>(pathValues) { [parameterName] = value }), bodyText);
                        }
                        else if (location == "query")
                        {
                            yield return new Probe(name, $"query {parameterName}={Show(value)}", httpMethod,
                                Url(pathValues, $"?{parameterName}={Uri.EscapeDataString(value)}"), bodyText);
                        }
                    }
                }

                if (body is not null)
                {
                    foreach (var field in Fields(body, ""))
                    {
                        var values = BadText.Concat(BadDates).Select(v => (JsonNode?)JsonValue.Create(v)).Concat(WrongTypes.Select(w => w?.DeepClone()));
                        foreach (var value in values)
                        {
                            var mutated = body.DeepClone();
                            Set(mutated, field, value);
                            yield return new Probe(name, $"body {field}={Show(value?.ToJsonString() ?? "null")}", httpMethod, Url(pathValues), mutated.ToJsonString());
                        }
                    }
                    if (body is JsonObject { Count: > 0 } whole)
                    {
                        // {"name":"a", …, "name":"a"}: the same key twice.
                        var first = whole.First();
                        var duplicated = whole.ToJsonString()[..^1] + $",\"{first.Key}\":{first.Value?.ToJsonString() ?? "null"}}}";
                        yield return new Probe(name, $"body with {first.Key} twice", httpMethod, Url(pathValues), duplicated);
                    }
                    foreach (var bad in BadBodies)
                        yield return new Probe(name, $"body {Show(bad)}", httpMethod, Url(pathValues), bad);
                }

                foreach (var accept in new[] { "text/csv", "text/html", "text/calendar" })
                {
                    yield return new Probe(name, $"Accept: {accept}", httpMethod, Url(pathValues.ToDictionary(p => p.Key, _ => Guid.NewGuid().ToString())), bodyText, accept);
                    if (bodyText is not null)
                        yield return new Probe(name, $"Accept: {accept} and body {{}}", httpMethod, Url(pathValues), "{}", accept);
                }
            }
        }
    }

    private static string Show(string value) =>
        JsonSerializer.Serialize(value.Length > 40 ? $"{value[..10]}…({value.Length} chars)" : value);

    /// <summary>A plausible value for a schema: enough for the probes to get past the shape to the rules.</summary>
    private static JsonNode? Sample(JsonNode schema, JsonObject? schemas, Dictionary<string, string> ids, string property, int depth)
    {
        if (depth > 6)
            return null;
        if (schema["$ref"] is { } reference)
        {
            var target = schemas?[((string)reference!).Split('/').Last()];
            return target is null ? null : Sample(target, schemas, ids, property, depth + 1);
        }
        foreach (var combinator in new[] { "oneOf", "anyOf", "allOf" })
        {
            if (schema[combinator] is JsonArray options)
            {
                var chosen = options.FirstOrDefault(o => TypeOf(o!) != "null");
                return chosen is null ? null : Sample(chosen, schemas, ids, property, depth + 1);
            }
        }
        if (schema["enum"] is JsonArray { Count: > 0 } values)
            return values.First(v => v is not null)!.DeepClone();
        var format = (string?)schema["format"];
        return TypeOf(schema) switch
        {
            "object" => SampleObject(schema, schemas, ids, depth),
            "array" => schema["items"] is { } items && Sample(items, schemas, ids, property, depth + 1) is { } one ? new JsonArray(one) : new JsonArray(),
            "integer" => JsonValue.Create(1),
            "number" => JsonValue.Create(1),
            "boolean" => JsonValue.Create(false),
            "string" => format switch
            {
                "uuid" => JsonValue.Create(property.EndsWith("Id", StringComparison.Ordinal) ? IdFor("", property, ids) : Guid.NewGuid().ToString()),
                "date" => JsonValue.Create(IsEnd(property) ? "2027-06-30" : "2027-03-01"),
                "date-time" => JsonValue.Create(IsEnd(property) ? "2027-03-01T11:00:00Z" : "2027-03-01T09:00:00Z"),
                "time" => JsonValue.Create("09:00:00"),
                _ => JsonValue.Create("sample"),
            },
            _ => schema["properties"] is not null ? SampleObject(schema, schemas, ids, depth) : JsonValue.Create("sample"),
        };
    }

    /// <summary>The later end of a range, so that the sample range is a valid one and the probes reach past it.</summary>
    private static bool IsEnd(string property) =>
        property is "end" or "to" or "until" or "lastDay" or "validUntil" or "endsOn" or "closes";

    private static JsonObject SampleObject(JsonNode schema, JsonObject? schemas, Dictionary<string, string> ids, int depth)
    {
        var result = new JsonObject();
        foreach (var (property, propertySchema) in schema["properties"]?.AsObject() ?? new JsonObject())
            result[property] = propertySchema is null ? null : Sample(propertySchema, schemas, ids, property, depth + 1);
        return result;
    }

    private static string? TypeOf(JsonNode schema) => schema["type"] switch
    {
        JsonValue value => (string?)value,
        JsonArray types => types.Select(t => (string?)t).FirstOrDefault(t => t != "null"),
        _ => null,
    };

    /// <summary>Every field of a sample body as a path: "name", "address.city", "openingHours[0].opens".</summary>
    private static IEnumerable<string> Fields(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var child = path.Length == 0 ? key : $"{path}.{key}";
                    yield return child;
                    if (value is JsonObject or JsonArray)
                    {
                        foreach (var inner in Fields(value, child))
                            yield return inner;
                    }
                }
                break;
            case JsonArray { Count: > 0 } array:
                yield return $"{path}[0]";
                if (array[0] is JsonObject or JsonArray)
                {
                    foreach (var inner in Fields(array[0]!, $"{path}[0]"))
                        yield return inner;
                }
                break;
        }
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var parts = path.Replace("[", ".[", StringComparison.Ordinal).Split('.', StringSplitOptions.RemoveEmptyEntries);
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
            node = parts[i].StartsWith('[') ? node![int.Parse(parts[i][1..^1], System.Globalization.CultureInfo.InvariantCulture)] : node![parts[i]];
        var last = parts[^1];
        if (last.StartsWith('['))
            node!.AsArray()[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = value;
        else
            node!.AsObject()[last] = value;
    }
}
