using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Funding;

/// <summary>The Funding module's entry: what the host composes. Features arrive with their issues.</summary>
public static class FundingModule
{
    public static IServiceCollection AddFunding(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapFunding(this IEndpointRouteBuilder endpoints) => endpoints;
}
