using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Allmende.Host.Security;

/// <summary>
/// Authenticates "Authorization: Bearer &lt;key&gt;" or "X-Api-Key: &lt;key&gt;". For now the only key is the
/// bootstrap admin key from configuration (Allmende:BootstrapAdminKey); stored, hashed, revocable
/// keys per person and role build on this scheme.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    BootstrapAdminKey bootstrap) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null)
            return Task.FromResult(AuthenticateResult.NoResult());
        if (!bootstrap.Matches(presented))
            return Task.FromResult(AuthenticateResult.Fail("Unknown or expired API key."));

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, "bootstrap-admin"), new Claim(ClaimTypes.Role, Roles.Admin)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    private static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var key) && !string.IsNullOrWhiteSpace(key))
            return key.ToString();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}

internal static class Roles
{
    public const string Admin = "admin";
}

/// <summary>The admin key configuration gives on first start; compared in constant time.</summary>
internal sealed class BootstrapAdminKey(string? key)
{
    private readonly byte[]? _hash = string.IsNullOrWhiteSpace(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));

    public bool Matches(string presented) =>
        _hash is not null && CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    /// <summary>From configuration; in Development a fresh one is made up and printed once, so the API is usable at once.</summary>
    public static BootstrapAdminKey From(IConfiguration configuration, IHostEnvironment environment)
    {
        var key = configuration["Allmende:BootstrapAdminKey"];
        if (string.IsNullOrWhiteSpace(key) && environment.IsDevelopment())
        {
            key = "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            Console.WriteLine($"Admin API key for this run: {key}   (set Allmende__BootstrapAdminKey to choose your own)");
        }
        return new BootstrapAdminKey(key);
    }
}

internal static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddAllmendeSecurity(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddSingleton(_ => BootstrapAdminKey.From(configuration, environment));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Roles.Admin, p => p.RequireRole(Roles.Admin));
        return services;
    }
}
