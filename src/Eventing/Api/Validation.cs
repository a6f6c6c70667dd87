using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Eventing.Api;

/// <summary>
/// Runs the FluentValidation validator of an endpoint's request body before the endpoint: a bad
/// request never reaches a decision, and the 400 names every failing field as the client spelt it.
/// </summary>
public static class Validation
{
    public static RouteHandlerBuilder Validate<TRequest>(this RouteHandlerBuilder builder) where TRequest : class =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var request = context.Arguments.OfType<TRequest>().FirstOrDefault();
            var validator = context.HttpContext.RequestServices.GetService<IValidator<TRequest>>();
            if (validator is null)
                throw new InvalidOperationException($"No validator is registered for {typeof(TRequest).Name}.");
            if (request is null)
                return Problem(new Dictionary<string, string[]> { [""] = ["A JSON body is required."] });
            var result = await validator.ValidateAsync(request, context.HttpContext.RequestAborted);
            if (result.IsValid)
                return await next(context);
            return Problem(result.Errors
                .GroupBy(e => FieldName(e.PropertyName))
                .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray()));
        }).ProducesValidationProblem();

    /// <summary>Registers every validator of a module assembly (FluentValidation's own DI package is not available here).</summary>
    public static IServiceCollection AddValidatorsFrom(this IServiceCollection services, System.Reflection.Assembly assembly)
    {
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IValidator<>)))
                services.AddSingleton(contract, type);
        }
        return services;
    }

    private static IResult Problem(Dictionary<string, string[]> errors) =>
        Results.ValidationProblem(errors, title: "The request has invalid fields", detail: $"Invalid: {string.Join(", ", errors.Keys)}.");

    /// <summary>"OpeningHours[0].Opens" becomes "openingHours[0].opens", as in the JSON.</summary>
    public static string FieldName(string propertyPath) =>
        string.Join('.', propertyPath.Split('.').Select(part =>
        {
            var bracket = part.IndexOf('[', StringComparison.Ordinal);
            return bracket < 0
                ? JsonNamingPolicy.CamelCase.ConvertName(part)
                : JsonNamingPolicy.CamelCase.ConvertName(part[..bracket]) + part[bracket..];
        }));
}
