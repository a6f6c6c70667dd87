using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace Allmende.Eventing.Api;

/// <summary>
/// The limit on what anyone may send without signing in (a membership application, a sign-up for an
/// open offer): a fixed window per client address. Reading is free, and a page's in-process call to
/// the API is not counted again: the page's own POST was already limited with the browser's address
/// (else every browser would share one limit).
/// </summary>
public static class PublicRateLimit
{
    public static RateLimitPartition<string> PerClientAddress(HttpContext http, int permits, TimeSpan window) =>
        http.Items.ContainsKey(InProcessCall.Marker) || HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)
            ? RateLimitPartition.GetNoLimiter("free")
            : RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = permits, Window = window, QueueLimit = 0 });
}
