using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Allmende.Eventing.Api;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Allmende.Host.Access;

/// <summary>
/// API keys, sent as "X-Api-Key: …" or "Authorization: Bearer alm_…": the bootstrap admin key from
/// configuration, or a stored key (valid, not revoked, not expired).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    BootstrapAdminKey bootstrap,
    ApiKeyStore keys,
    TimeProvider time) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);
        if (presented is null)
            return AuthenticateResult.NoResult();
        if (bootstrap.Matches(presented))
            return Success(Principals.For("bootstrap", Roles.Admin, null, null, SchemeName));

        var verified = await keys.VerifyAsync(presented, Context.RequestAborted);
        if (verified is not { Key: var key } || !key.IsValidAt(time.GetUtcNow()))
            return AuthenticateResult.Fail("Unknown, revoked or expired API key.");
        var principal = Principals.For(Principals.KeySubject(key.KeyId), key.Role, key.PersonId, key.FunderId, SchemeName);
        // The organisations came with the key, in the same query: the claims transformation need not ask again.
        AccessClaimsTransformation.AddOrganisations((ClaimsIdentity)principal.Identity!, verified.Organisations);
        return Success(principal);
    }

    private AuthenticateResult Success(ClaimsPrincipal principal) => AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));

    internal static string? Presented(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var key) && !string.IsNullOrWhiteSpace(key))
            return key.ToString().Trim();
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}

internal static class Principals
{
    public static string KeySubject(Guid keyId) => $"key-{keyId:N}";

    public static ClaimsPrincipal For(string subject, string role, Guid? personId, Guid? funderId, string scheme)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, subject), new(ClaimTypes.Role, role) };
        if (personId is { } person)
            claims.Add(new Claim(AllmendeClaims.Person, person.ToString()));
        if (funderId is { } funder)
            claims.Add(new Claim(AllmendeClaims.Funder, funder.ToString()));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.NameIdentifier, ClaimTypes.Role));
    }
}

/// <summary>The admin key configuration gives on first start; compared in constant time.</summary>
internal sealed class BootstrapAdminKey(string? key, bool madeUp = false)
{
    /// <summary>Made up for this run (Development without a configured key): the host prints it once it is ready.</summary>
    public bool MadeUp { get; } = madeUp;

    /// <summary>The key itself, for the host's own demo-data seeding; never logged.</summary>
    public string? Value { get; } = string.IsNullOrWhiteSpace(key) ? null : key;

    private readonly byte[]? _hash = string.IsNullOrWhiteSpace(key) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>A short fingerprint that tokens of this key carry: rotate the key and they stop working.</summary>
    public string? Fingerprint => _hash is null ? null : Convert.ToHexStringLower(_hash.AsSpan(0, 8));

    public bool Matches(string presented) =>
        _hash is not null && CryptographicOperations.FixedTimeEquals(_hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));

    /// <summary>From configuration; in Development a fresh one is made up (and printed by DemoDataOnStart), so the API is usable at once.</summary>
    public static BootstrapAdminKey From(IConfiguration configuration, IHostEnvironment environment)
    {
        var key = configuration["Allmende:BootstrapAdminKey"];
        if (string.IsNullOrWhiteSpace(key) && environment.IsDevelopment())
            return new BootstrapAdminKey("dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), madeUp: true);
        return new BootstrapAdminKey(key);
    }
}

/// <summary>
/// Short-lived bearer tokens (JWT, HS256) made from an API key at POST /api/access/tokens, for
/// clients that should not hold the long-lived key. A token carries only its key's id: each request
/// loads the key behind it and takes role, person and funder from there, so revoking the key ends its
/// tokens at once and a token never speaks for more than its key.
/// </summary>
internal sealed class TokenIssuer(IConfiguration configuration, IHostEnvironment environment, ILogger<TokenIssuer> logger, TimeProvider time, BootstrapAdminKey bootstrap)
{
    public const string Issuer = "allmende";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    public SymmetricSecurityKey SigningKey { get; } = Create(configuration, environment, logger);

    public const string BootstrapFingerprint = "allmende:bootstrap-fingerprint";

    public (string Token, DateTimeOffset ExpiresAt) Issue(ClaimsPrincipal user)
    {
        var now = time.GetUtcNow();
        var expires = now + Lifetime;
        // The token names only its key: role, person and funder are read from the key on every request
        // (see AuthenticationSetup), so a token can never claim more than its key has now.
        var claims = user.Claims.Where(c => c.Type is ClaimTypes.NameIdentifier).ToList();
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) == "bootstrap" && bootstrap.Fingerprint is { } fingerprint)
            claims.Add(new Claim(BootstrapFingerprint, fingerprint));
        var token = new JwtSecurityToken(Issuer, Issuer, claims, now.UtcDateTime, expires.UtcDateTime,
            new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256));
        return (new JwtSecurityTokenHandler().WriteToken(token), expires);
    }

    private static SymmetricSecurityKey Create(IConfiguration configuration, IHostEnvironment environment, ILogger logger)
    {
        var configured = configuration["Allmende:TokenSigningKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var bytes = Convert.FromBase64String(configured);
            return bytes.Length >= 32 ? new SymmetricSecurityKey(bytes) : throw new InvalidOperationException("Allmende:TokenSigningKey must be at least 32 bytes (base64).");
        }
        if (!environment.IsDevelopment())
            logger.LogWarning("No Allmende:TokenSigningKey configured: bearer tokens are signed with a per-process key and end with a restart (and do not work across several hosts)");
        return new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32));
    }
}

/// <summary>
/// Adds what a principal may act for, fresh on every request: a member's organisations (kept from
/// Membership's events), and refuses a token whose key was revoked meanwhile.
/// </summary>
internal sealed class AccessClaimsTransformation(NpgsqlDataSource dataSource) : IClaimsTransformation
{
    private const string Marker = "allmende:organisations-loaded";

    /// <summary>The organisations a member acts for now (the person given as the SQL expression <paramref name="person"/>).</summary>
    public static string OrganisationsOf(string person) => $"""
        select p.organisation_id from access.person_organisations p
        where p.person_id = {person} and p.acting
          and not exists (select 1 from access.ended_organisations e where e.organisation_id = p.organisation_id)
        """;

    /// <summary>Adds the organisations and marks them loaded, so that <see cref="TransformAsync"/> leaves the principal alone.</summary>
    public static void AddOrganisations(ClaimsIdentity identity, IEnumerable<Guid> organisations)
    {
        identity.AddClaim(new Claim(Marker, "1"));
        foreach (var organisation in organisations)
            identity.AddClaim(new Claim(AllmendeClaims.Organisation, organisation.ToString()));
    }

    public async Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        if (principal.Identity is not { IsAuthenticated: true } || principal.HasClaim(c => c.Type == Marker))
            return principal;
        var clone = principal.Clone();
        var organisations = new List<Guid>();
        if (principal.PersonId() is { } person && principal.IsInRole(Roles.Member))
        {
            await using var command = dataSource.CreateCommand(OrganisationsOf("$1"));
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = person });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                organisations.Add(reader.GetGuid(0));
        }
        AddOrganisations((ClaimsIdentity)clone.Identity!, organisations);
        return clone;
    }
}

internal static class AuthenticationSetup
{
    private const string Selector = "Allmende";

    public static IServiceCollection AddAllmendeAuthentication(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddSingleton(_ => BootstrapAdminKey.From(configuration, environment));
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<TokenIssuer>();
        services.AddTransient<IClaimsTransformation, AccessClaimsTransformation>();

        services.AddAuthentication(Selector)
            // "Bearer x.y.z" is one of our tokens; any other key goes to the API key handler.
            .AddPolicyScheme(Selector, Selector, o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.Presented(context.Request) is { } presented && presented.Count(c => c == '.') == 2
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TokenIssuer, ApiKeyStore, TimeProvider, BootstrapAdminKey>((o, issuer, keys, time, bootstrap) =>
        {
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = TokenIssuer.Issuer,
                ValidAudience = TokenIssuer.Issuer,
                IssuerSigningKey = issuer.SigningKey,
                NameClaimType = ClaimTypes.NameIdentifier,
                RoleClaimType = ClaimTypes.Role,
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    // Whatever else a token's claims say, the principal is its key's as stored now.
                    var subject = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
                    if (subject == "bootstrap")
                    {
                        // Valid while the same bootstrap key is configured: rotating it ends its tokens.
                        if (bootstrap.Fingerprint is null || context.Principal!.FindFirstValue(TokenIssuer.BootstrapFingerprint) != bootstrap.Fingerprint)
                            context.Fail("The bootstrap key behind this token is no longer configured.");
                        else
                            context.Principal = Principals.For("bootstrap", Roles.Admin, null, null, JwtBearerDefaults.AuthenticationScheme);
                        return;
                    }
                    if (subject is null || !subject.StartsWith("key-", StringComparison.Ordinal))
                    {
                        context.Fail("Unknown token subject.");
                        return;
                    }
                    var key = Guid.TryParseExact(subject["key-".Length..], "N", out var id) ? await keys.FindAsync(id, context.HttpContext.RequestAborted) : null;
                    if (key is null || !key.IsValidAt(time.GetUtcNow()))
                        context.Fail("The API key behind this token was revoked or has expired.");
                    else
                        context.Principal = Principals.For(Principals.KeySubject(key.KeyId), key.Role, key.PersonId, key.FunderId, JwtBearerDefaults.AuthenticationScheme);
                },
            };
        });

        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.Staff, p => p.RequireRole(Roles.Admin))
            .AddPolicy(Policies.ReadAll, p => p.RequireRole(Roles.Admin, Roles.Auditor))
            .AddPolicy(Policies.ActForOrganisation, p => p.RequireRole(Roles.Admin, Roles.Member))
            .AddPolicy(Policies.ReadOrganisation, p => p.RequireRole(Roles.Admin, Roles.Auditor, Roles.Member))
            .AddPolicy(Policies.Participant, p => p.RequireRole(Roles.Admin, Roles.Auditor, Roles.Member))
            .AddPolicy(Policies.ReadFunding, p => p.RequireRole(Roles.Admin, Roles.Auditor, Roles.Funder))
            .AddPolicy(Policies.ReadBookingHistory, p => p.RequireRole(Roles.Admin, Roles.Auditor, Roles.Member, Roles.Funder));
        return services;
    }
}
