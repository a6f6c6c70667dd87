using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Allmende.Host.Web.Api;

/// <summary>What the API answered: status, body (JSON or text), the ETag, a download's file name; a problem's title, detail and field errors.</summary>
internal sealed record ApiAnswer(int Status, string Body, string? ContentType, string? ETag, string? ContentDisposition = null)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public T Read<T>() => JsonSerializer.Deserialize<T>(Body, InProcessApi.Json)
        ?? throw new InvalidOperationException($"The API answered {Status} without a body.");

    /// <summary>A 409's rule ("slot-taken", "check-in-not-open"), or null.</summary>
    public string? Rule()
    {
        if (string.IsNullOrEmpty(Body) || ContentType?.Contains("json", StringComparison.Ordinal) != true)
            return null;
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("rule", out var rule)
            && rule.ValueKind == JsonValueKind.String ? rule.GetString() : null;
    }

    /// <summary>
    /// The problem's words for a person: a known rule in the page's language (<see cref="Words.Refusal"/>), else the
    /// detail, else the title; field errors after it.
    /// </summary>
    public string Problem()
    {
        if (string.IsNullOrEmpty(Body) || ContentType?.Contains("json", StringComparison.Ordinal) != true)
            return Texts.L("Fehler {0}", Status);
        if (Words.Refusal(Rule()) is { } german)
            return german;
        using var document = JsonDocument.Parse(Body);
        var root = document.RootElement;
        if (Status == StatusCodes.Status409Conflict && root.TryGetProperty("title", out var conflict) && conflict.ValueKind == JsonValueKind.String
            && conflict.GetString()!.StartsWith("Changed by", StringComparison.Ordinal))
            return Words.ChangedMeanwhile;
        var text = root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()
            : root.TryGetProperty("title", out var title) ? title.GetString() : null;
        var fields = root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
            ? errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(m => m.GetString())).ToList()
            : [];
        return string.Join(" ", new[] { text }.Concat(fields).Where(s => !string.IsNullOrWhiteSpace(s)).Distinct());
    }
}

/// <summary>
/// The web app's way into the API: a request runs through the host's own pipeline in process (no
/// socket), as the signed-in person, so every page goes through the same endpoints, validation,
/// access rules and ETags as an integration does. See docs/adr/0016-web-app.md.
/// </summary>
internal sealed class InProcessApi(IServiceScopeFactory scopes)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private RequestDelegate? _pipeline;

    /// <summary>Set once at start-up by <see cref="WebApp.CaptureApiPipeline"/>: the rest of the host's pipeline after it.</summary>
    public void Use(RequestDelegate pipeline) => _pipeline = pipeline;

    public Task<ApiAnswer> GetAsync(ClaimsPrincipal user, string pathAndQuery, CancellationToken ct) =>
        SendAsync(user, HttpMethods.Get, pathAndQuery, null, null, ct);

    public Task<T> GetAsync<T>(ClaimsPrincipal user, string pathAndQuery, CancellationToken ct) =>
        ReadAsync<T>(GetAsync(user, pathAndQuery, ct));

    public Task<ApiAnswer> PostAsync(ClaimsPrincipal user, string path, object? body, CancellationToken ct, string? ifMatch = null) =>
        SendAsync(user, HttpMethods.Post, path, body, ifMatch, ct);

    public Task<ApiAnswer> PutAsync(ClaimsPrincipal user, string path, object? body, CancellationToken ct, string? ifMatch = null) =>
        SendAsync(user, HttpMethods.Put, path, body, ifMatch, ct);

    private static async Task<T> ReadAsync<T>(Task<ApiAnswer> answering)
    {
        var answer = await answering;
        if (!answer.IsSuccess)
            throw new ApiRefusedException(answer);
        return answer.Read<T>();
    }

    public async Task<ApiAnswer> SendAsync(ClaimsPrincipal user, string method, string pathAndQuery, object? body, string? ifMatch, CancellationToken ct)
    {
        var pipeline = _pipeline ?? throw new InvalidOperationException("The API pipeline was not captured at start-up.");
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return await SendThroughAsync(pipeline, user, method, pathAndQuery, body, ifMatch, ct);
        }
        finally
        {
            PageTiming.CountApiCall(started);
        }
    }

    /// <summary>
    /// The API answers in invariant formats, as it does over HTTP, whatever the page's language: the
    /// culture set here flows into the call and is the caller's again when this method returns.
    /// </summary>
    private static async Task RunInvariantAsync(RequestDelegate pipeline, HttpContext context)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        await pipeline(context);
    }

    private async Task<ApiAnswer> SendThroughAsync(RequestDelegate pipeline, ClaimsPrincipal user, string method, string pathAndQuery, object? body, string? ifMatch,
        CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var features = new FeatureCollection();
        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpRequestFeature
        {
            Method = method,
            Scheme = "http",
            Path = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart],
            QueryString = queryStart < 0 ? "" : pathAndQuery[queryStart..],
            Protocol = "HTTP/1.1",
        };
        var bytes = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body, Json);
        request.Body = bytes is null ? Stream.Null : new MemoryStream(bytes);
        if (bytes is not null)
            request.Headers.ContentLength = bytes.Length;
        request.Headers.Host = "localhost";
        request.Headers.Accept = "application/json";
        if (body is not null)
            request.Headers.ContentType = "application/json";
        if (ifMatch is not null)
            request.Headers.IfMatch = ifMatch;
        features.Set<IHttpRequestFeature>(request);
        features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(bytes is not null));
        var response = new HttpResponseFeature();
        features.Set<IHttpResponseFeature>(response);
        using var buffer = new MemoryStream();
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(buffer));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = ct });
        features.Set<IServiceProvidersFeature>(new RequestServicesFeature(scope.ServiceProvider));

        // The person signed in to the web app is the caller: the authentication middleware leaves a
        // principal alone when no key is presented, and the authorization policies read it.
        var context = new DefaultHttpContext(features) { User = user };
        context.Items[Allmende.Eventing.Api.InProcessCall.Marker] = true;
        await RunInvariantAsync(pipeline, context);
        buffer.Position = 0;
        var contentType = context.Response.ContentType;
        var charset = MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.CharSet is { } name ? Encoding.GetEncoding(name) : Encoding.UTF8;
        var text = charset.GetString(buffer.ToArray());
        return new ApiAnswer(context.Response.StatusCode, text, contentType, context.Response.Headers.ETag.ToString() is { Length: > 0 } etag ? etag : null,
            context.Response.Headers.ContentDisposition.ToString() is { Length: > 0 } disposition ? disposition : null);
    }

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody { get; } = canHaveBody;
    }

    private sealed class RequestServicesFeature(IServiceProvider services) : IServiceProvidersFeature
    {
        public IServiceProvider RequestServices { get; set; } = services;
    }
}

/// <summary>The API refused (a 4xx): pages show <see cref="ApiAnswer.Problem"/> or answer with its status.</summary>
internal sealed class ApiRefusedException(ApiAnswer answer) : Exception($"The API answered {answer.Status}.")
{
    public ApiAnswer Answer { get; } = answer;
}
