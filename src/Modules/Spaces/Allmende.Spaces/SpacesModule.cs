using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Spaces;

/// <summary>The Spaces module's entry: what the host composes. Features arrive with their issues.</summary>
public static class SpacesModule
{
    public static IServiceCollection AddSpaces(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapSpaces(this IEndpointRouteBuilder endpoints) => endpoints;
}
