using System.Diagnostics;
using System.Globalization;

namespace Allmende.Host.Web;

/// <summary>
/// When <c>Web:ServerTiming</c> is true: every request that is not an API call answers with a
/// <c>Server-Timing</c> header, the host's time until the answer's headers (a page renders into a
/// buffer, so that is all of its work) and the share and number of its in-process API calls. The page
/// benchmark (`bench … pages`) reads it; off by default, since timings tell a stranger more than they need.
/// </summary>
internal static class PageTiming
{
    private static readonly AsyncLocal<Calls?> Current = new();

    private sealed class Calls
    {
        public int Count;
        public long Ticks;
    }

    /// <summary>Put before <see cref="WebApp.CaptureApiPipeline"/>: the in-process API calls then never pass it.</summary>
    public static IApplicationBuilder UsePageTiming(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<IConfiguration>().GetValue("Web:ServerTiming", false))
            return app;
        return app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var calls = new Calls();
            Current.Value = calls;
            context.Response.OnStarting(() =>
            {
                var total = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var api = Stopwatch.GetElapsedTime(0, Interlocked.Read(ref calls.Ticks)).TotalMilliseconds;
                context.Response.Headers["Server-Timing"] = string.Create(CultureInfo.InvariantCulture,
                    $"app;dur={total:0.00}, api;dur={api:0.00};desc=\"{Volatile.Read(ref calls.Count)} calls\"");
                return Task.CompletedTask;
            });
            await next(context);
        });
    }

    /// <summary>An in-process API call of the page being timed (none when timing is off): counted and its time summed (parallel calls add up).</summary>
    public static void CountApiCall(long startedTimestamp)
    {
        if (Current.Value is not { } calls)
            return;
        Interlocked.Increment(ref calls.Count);
        Interlocked.Add(ref calls.Ticks, Stopwatch.GetTimestamp() - startedTimestamp);
    }
}
