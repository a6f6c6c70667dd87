using System.Security.Claims;
using Allmende.Eventing;
using Allmende.Eventing.Api;

namespace Allmende.Host.Access;

internal sealed record Caller(string Actor, string Role, Guid? PersonId, IReadOnlyCollection<Guid> Organisations, IReadOnlyCollection<Guid> Funders);

internal sealed record BearerToken(string AccessToken, string TokenType, DateTimeOffset ExpiresAt);

/// <summary>Who may call the API: keys, tokens, roles, and the organisations a member acts for.</summary>
internal static class AccessModule
{
    public static IServiceCollection AddAccess(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddAllmendeAuthentication(configuration, environment);
        services.AddValidatorsFrom(typeof(AccessModule).Assembly);
        services.Configure<EventingOptions>(o =>
        {
            o.Types.Register<ApiKeyIssued>("access.api-key-issued").Register<ApiKeyRevoked>("access.api-key-revoked");
            o.AddMigrations(AccessSchema.Migrations);
            o.AddHandlers(typeof(AccessModule).Assembly);
        });
        return services;
    }

    public static IEndpointRouteBuilder MapAccess(this IEndpointRouteBuilder endpoints)
    {
        var access = endpoints.MapGroup("/api/access").WithTags("Access");
        ApiKeyEndpoints.Map(access);

        access.MapGet("/me", (ClaimsPrincipal user) => new Caller(user.Actor(), user.Role(), user.PersonId(), [.. user.Organisations()], [.. user.Funders()]))
            .RequireAuthorization()
            .WithSummary("Who the caller is: role, person, the organisations a member acts for, a funder's funders");

        access.MapPost("/tokens", IResult (ClaimsPrincipal user, TokenIssuer issuer) =>
        {
            // Only a key makes tokens: a token that could renew itself would outlive its key.
            if (user.Identity?.AuthenticationType != ApiKeyAuthenticationHandler.SchemeName)
                return Results.Problem(statusCode: 403, title: "Tokens are made from API keys", detail: "Call this endpoint with your API key, not with a token.");
            var (token, expires) = issuer.Issue(user);
            return Results.Ok(new BearerToken(token, "Bearer", expires));
        }).RequireAuthorization()
          .WithSummary("A bearer token (one hour) for the calling key, to send as 'Authorization: Bearer …' instead of the key")
          .Produces<BearerToken>().ProducesProblem(StatusCodes.Status403Forbidden);
        return endpoints;
    }
}
