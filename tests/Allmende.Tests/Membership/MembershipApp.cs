using System.Collections.Concurrent;
using System.Net.Http.Json;
using Allmende.Eventing.Storage;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Allmende.Tests.Membership;

/// <summary>
/// The real host for Membership's tests, with every log line of every category kept in memory, so
/// that a test can prove no personal data was logged.
/// </summary>
public class MembershipApp : AllmendeApp
{
    public LogCapture Logs { get; } = new();

    protected override void ConfigureServices(IServiceCollection services)
    {
        services.AddLogging(l => l.AddProvider(Logs).AddFilter<LogCapture>(null, LogLevel.Trace));
    }
}

[ProviderAlias("Capture")]
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The message, its structured values and the exception: everything a sink could write.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}

/// <summary>JSON over HTTP the way the API's clients speak it.</summary>
internal static class Json
{
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, object? body = null,
        string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
            request.Content = JsonContent.Create(body, body.GetType(), options: EventingJson.Options);
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string url, object? body, string? ifMatch = null) =>
        client.SendAsync(HttpMethod.Post, url, body ?? new { }, ifMatch);

    public static Task<HttpResponseMessage> PutAsync(this HttpClient client, string url, object body, string? ifMatch = null) =>
        client.SendAsync(HttpMethod.Put, url, body, ifMatch);

    public static Task<HttpResponseMessage> DeleteAsync(this HttpClient client, string url, string? ifMatch) =>
        client.SendAsync(HttpMethod.Delete, url, null, ifMatch);

    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<T>(EventingJson.Options))!;

    public static string ETag(this HttpResponseMessage response) => response.Headers.ETag?.Tag ?? throw new ShouldAssertException("No ETag.");

    /// <summary>Asserts the status, showing the body when it differs.</summary>
    public static async Task<HttpResponseMessage> ShouldBeAsync(this HttpResponseMessage response, System.Net.HttpStatusCode status)
    {
        if (response.StatusCode != status)
            throw new ShouldAssertException($"Expected {(int)status} but got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return response;
    }
}
