using Allmende.Eventing.Api;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Allmende.Host;

/// <summary>
/// Makes /openapi/v1.json say what the API does, beyond what each endpoint declares (ADR 7): how to
/// sign in (an API key in X-Api-Key, or a key or token as a bearer), If-Match on every update that
/// needs it, and the problems any operation can answer because of the host's conventions — 400 for
/// unreadable parameters and bodies, 401 without a valid key, 403 for a role its policy does not admit,
/// 404 for an unknown id in the path, 409/428 around If-Match — each as application/problem+json.
/// The conventions are enforced in one place, so they are documented in one place too.
/// </summary>
internal static class OpenApiContract
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddAllmendeOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Allmende API";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key",
                    Description = "An API key (alm_…, or the bootstrap admin key) as issued by POST /api/access/keys.",
                };
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                    Description = "A one-hour token from POST /api/access/tokens, or an API key itself, as 'Authorization: Bearer …'.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer(DescribeAsync);
            // Last, once every schema is in the components: nullable "any JSON" is just "any JSON".
            o.AddDocumentTransformer((document, _, _) =>
            {
                foreach (var schema in document.Components?.Schemas?.Values ?? [])
                    AnyForNullableJson(schema, []);
                return Task.CompletedTask;
            });
        });

    /// <summary>
    /// A JsonNode or JsonElement holds any JSON value, null included, and its schema is the empty one. The
    /// generator wraps a nullable one as oneOf [null, {}], which no null satisfies (it matches both branches,
    /// and oneOf wants exactly one): such properties become the empty schema, which every value matches.
    /// </summary>
    private static void AnyForNullableJson(IOpenApiSchema schema, HashSet<IOpenApiSchema> seen)
    {
        if (schema is not OpenApiSchema concrete || !seen.Add(concrete))
            return;
        if (concrete.Properties is { } properties)
            foreach (var (name, property) in properties.ToList())
            {
                if (property.OneOf is { Count: 2 } branches && branches.Any(b => b.Type == JsonSchemaType.Null) && branches.Any(IsAnyJson))
                    properties[name] = new OpenApiSchema { Description = property.Description ?? "Any JSON value, or null." };
                else
                    AnyForNullableJson(property, seen);
            }
        if (concrete.Items is { } items)
            AnyForNullableJson(items, seen);
        foreach (var branch in (concrete.AllOf ?? []).Concat(concrete.AnyOf ?? []).Concat(concrete.OneOf ?? []))
            AnyForNullableJson(branch, seen);
    }

    private static bool IsAnyJson(IOpenApiSchema schema) =>
        schema is OpenApiSchemaReference { Reference.Id: "JsonNode" or "JsonElement" };

    private static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any())
            return;
        var document = context.Document!;
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
        ];
        operation.Responses ??= [];
        var declared = metadata.OfType<IProducesResponseTypeMetadata>().Select(m => m.StatusCode).ToHashSet();

        Problem(operation, document, StatusCodes.Status401Unauthorized, "No valid API key or token (missing, unknown, revoked or expired).");
        if (declared.Contains(StatusCodes.Status403Forbidden) || !await AdmitsEveryRoleAsync(metadata, context.ApplicationServices))
            Problem(operation, document, StatusCodes.Status403Forbidden, "The caller's role may not call this operation.");

        // Path parameters name things that may not exist (or that the caller may not know of).
        if (context.Description.ParameterDescriptions.Any(p => p.Source.Id == "Path"))
            Problem(operation, document, StatusCodes.Status404NotFound, "Unknown id (or one the caller may not see).");

        // An update that names the version it read: every endpoint declaring 428 reads If-Match (Eventing's Versions).
        var ifMatch = declared.Contains(StatusCodes.Status428PreconditionRequired);
        if (ifMatch)
        {
            var sometimes = metadata.OfType<IfMatchOnlySometimes>().FirstOrDefault();
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match", In = ParameterLocation.Header, Required = sometimes is null,
                Description = (sometimes?.When is { } when ? $"Needed {when}. " : "") +
                              "The ETag of the version read (a strong one, like \"3\"): without it 428, a stale one 409, a weak (W/) or malformed one 400.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^\"[0-9]+\"$" },
            });
            Problem(operation, document, StatusCodes.Status409Conflict, "Changed since the ETag sent in If-Match (GET it again), or refused in the current state (rule).");
            Problem(operation, document, StatusCodes.Status428PreconditionRequired, "If-Match is missing.");
        }

        // Unreadable query values, bodies or headers are 400s naming the field (ProblemMapping).
        if (ifMatch || operation.RequestBody is not null || context.Description.ParameterDescriptions.Any(p => p.Source.Id is "Query" or "Body"))
            ValidationProblem(operation, document);
    }

    /// <summary>Whether the endpoint's policies admit all four roles (then no 403 can come from authorisation).</summary>
    private static async Task<bool> AdmitsEveryRoleAsync(IList<object> metadata, IServiceProvider services)
    {
        var provider = services.GetRequiredService<IAuthorizationPolicyProvider>();
        foreach (var policyName in metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>())
        {
            var policy = await provider.GetPolicyAsync(policyName);
            var roles = policy?.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).ToHashSet() ?? [];
            if (policy is null || policy.Requirements.OfType<RolesAuthorizationRequirement>().Any() && !Roles.All.IsSubsetOf(roles))
                return false;
        }
        return true;
    }

    private static void Problem(OpenApiOperation operation, OpenApiDocument document, int status, string description) =>
        Add(operation, document, status, description, "ProblemDetails");

    private static void ValidationProblem(OpenApiOperation operation, OpenApiDocument document) =>
        Add(operation, document, StatusCodes.Status400BadRequest, "Invalid input: errors name the fields (JSON names, query parameters or headers).", "HttpValidationProblemDetails");

    private static void Add(OpenApiOperation operation, OpenApiDocument document, int status, string description, string schema)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.ContainsKey(key))
            return;
        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(schema, document) },
            },
        };
    }
}
