using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Storage;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Spaces;

/// <summary>Small HTTP and outbox helpers for the Spaces integration tests.</summary>
internal static class SpacesHttp
{
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, string method, string url, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
            request.Content = JsonContent.Create(body, body.GetType(), options: EventingJson.Options);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    public static string ETag(this HttpResponseMessage response) =>
        response.Headers.ETag?.Tag ?? throw new ShouldAssertException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered without an ETag.");

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    /// <summary>Asserts the status, showing the body when it differs.</summary>
    public static async Task<HttpResponseMessage> ShouldHaveStatus(this Task<HttpResponseMessage> sending, HttpStatusCode status)
    {
        var response = await sending;
        if (response.StatusCode != status)
            throw new ShouldAssertException($"Expected {(int)status} but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }

    /// <summary>The fields a 400 names.</summary>
    public static async Task<IReadOnlyList<string>> InvalidFieldsAsync(this HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        var problem = await response.JsonAsync();
        return [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name)];
    }

    /// <summary>The rule a 409 names.</summary>
    public static async Task<string?> RuleAsync(this HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        var problem = await response.JsonAsync();
        return problem.TryGetProperty("rule", out var rule) ? rule.GetString() : null;
    }

    /// <summary>The published messages whose body names this id in <paramref name="property"/>, in the order written.</summary>
    public static async Task<IReadOnlyList<(string Type, string Body)>> OutboxAsync(this AllmendeApp app, string property, Guid id) =>
        [.. (await WolverineEnvelopes.PublishedAsync(app.DataSource, property, id)).Select(p => (p.Type, p.Body))];

    /// <summary>
    /// Compares contract records by their JSON as the outbox stores it: records holding lists are
    /// not equal by value, and the JSON is what a subscriber gets.
    /// </summary>
    public static void ShouldBeContract<T>(this T actual, T expected) =>
        JsonSerializer.Serialize(actual, EventingJson.Options).ShouldBe(JsonSerializer.Serialize(expected, EventingJson.Options));

    public static void ShouldBeContracts<T>(this IEnumerable<T> actual, params IEnumerable<T> expected) =>
        actual.Select(a => JsonSerializer.Serialize(a, EventingJson.Options)).ShouldBe(expected.Select(e => JsonSerializer.Serialize(e, EventingJson.Options)));

    /// <summary>The published messages of a type for this id, read back as their contract records.</summary>
    public static async Task<IReadOnlyList<T>> AllPublishedAsync<T>(this AllmendeApp app, string type, string property, Guid id) =>
        [.. (await app.OutboxAsync(property, id)).Where(r => r.Type == type).Select(r => JsonSerializer.Deserialize<T>(r.Body, EventingJson.Options)!)];

    /// <summary>The one published message of a type for this id, read back as its contract record.</summary>
    public static async Task<T> PublishedAsync<T>(this AllmendeApp app, string type, string property, Guid id)
    {
        var rows = (await app.OutboxAsync(property, id)).Where(r => r.Type == type).ToList();
        rows.Count.ShouldBe(1, $"one {type} for {id}");
        return JsonSerializer.Deserialize<T>(rows[0].Body, EventingJson.Options)!;
    }
}
