using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Bookings;

/// <summary>The Bookings module's entry: what the host composes. Features arrive with their issues.</summary>
public static class BookingsModule
{
    public static IServiceCollection AddBookings(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapBookings(this IEndpointRouteBuilder endpoints) => endpoints;
}
