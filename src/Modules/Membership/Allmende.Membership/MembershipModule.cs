using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Membership;

/// <summary>The Membership module's entry: what the host composes. Features arrive with their issues.</summary>
public static class MembershipModule
{
    public static IServiceCollection AddMembership(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapMembership(this IEndpointRouteBuilder endpoints) => endpoints;
}
