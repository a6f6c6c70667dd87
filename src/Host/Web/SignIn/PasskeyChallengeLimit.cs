using Allmende.Eventing.Api;
using Microsoft.Extensions.Options;

namespace Allmende.Host.Web.SignIn;

/// <summary>How many passkey challenges one client address may ask for in a window (SignIn:PasskeyChallenges).</summary>
internal sealed class PasskeyChallengeLimits
{
    public int PermitsPerWindow { get; set; } = 20;

    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The passkey challenges are the one thing the sign-in page stores for anyone who asks (a row of
/// signin.passkey_challenges per ceremony, ADR 24): ASP.NET Core's rate limiter caps them per client
/// address with a fixed window, answered by the host's 429 problem with Retry-After. Razor Pages take
/// the limit per page, not per handler, so the policy itself picks the challenge handlers and lets the
/// page's other posts (the password, the passkey's answer) through unlimited, as before.
/// </summary>
internal static class PasskeyChallengeLimit
{
    public const string Policy = "passkey-challenges";

    /// <summary>The page handlers that make a challenge: /anmelden's sign-in and /passkeys' registration.</summary>
    private static readonly string[] ChallengeHandlers = ["PasskeyOptions", "Options"];

    public static IServiceCollection AddPasskeyChallengeLimit(this IServiceCollection services)
    {
        services.AddOptions<PasskeyChallengeLimits>().BindConfiguration("SignIn:PasskeyChallenges");
        services.AddRateLimiter(o => o.AddPolicy(Policy, http =>
        {
            var handler = http.Request.Query["handler"].ToString();
            if (!ChallengeHandlers.Contains(handler, StringComparer.OrdinalIgnoreCase))
                return System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("not-a-challenge");
            var limits = http.RequestServices.GetRequiredService<IOptions<PasskeyChallengeLimits>>().Value;
            return PublicRateLimit.PerClientAddress(http, limits.PermitsPerWindow, limits.Window);
        }));
        return services;
    }
}
