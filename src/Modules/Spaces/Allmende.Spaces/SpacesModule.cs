using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Spaces.Contracts;
using Allmende.Spaces.DutyRota;
using Allmende.Spaces.Sites;
using Allmende.Spaces.Spaces;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Spaces;

/// <summary>
/// The Spaces module's entry: sites (address, floors, opening hours, closures, lease) and the spaces
/// at them (kind, capacity, accessibility, rates, booking rules). Staff write; everyone signed in reads.
/// </summary>
public static class SpacesModule
{
    public static IServiceCollection AddSpaces(this IServiceCollection services)
    {
        services.Configure<EventingOptions>(o =>
        {
            foreach (var (type, name) in SiteEventNames.All.Concat(SpaceEventNames.All).Concat(DutyShiftEventNames.All))
                o.Types.Register(type, name);

            // Contracts: stable names other modules subscribe by. Never rename one.
            o.Types.Register<Contracts.SiteRegistered>("spaces.site-registered");
            o.Types.Register<SiteChanged>("spaces.site-changed");
            o.Types.Register<SiteHoursChanged>("spaces.site-hours-changed");
            o.Types.Register<SiteClosureAdded>("spaces.site-closure-added");
            o.Types.Register<SiteClosureRemoved>("spaces.site-closure-removed");
            o.Types.Register<SiteLeaseChanged>("spaces.site-lease-changed");
            o.Types.Register<Contracts.SpaceOpened>("spaces.space-opened");
            o.Types.Register<SpaceChanged>("spaces.space-changed");
            o.Types.Register<Contracts.SpaceRatesChanged>("spaces.space-rates-changed");
            o.Types.Register<Contracts.SpaceRetired>("spaces.space-retired");

            o.AddMigrations(SpacesSchema.Migrations);
            o.AddProjection<SitesProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<SpacesProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<DutyRotaProjection>(ProjectionLifecycle.Inline);
            o.AddHandlers(typeof(SpacesModule).Assembly);
        });
        services.AddValidatorsFrom(typeof(SpacesModule).Assembly);
        return services;
    }

    public static IEndpointRouteBuilder MapSpaces(this IEndpointRouteBuilder endpoints)
    {
        var sites = endpoints.MapGroup("/api/sites").WithTags("Spaces");
        RegisterSite.Map(sites);
        ListSites.Map(sites);
        GetSite.Map(sites);
        ChangeSite.Map(sites);
        SetOpeningHours.Map(sites);
        AddClosure.Map(sites);
        RemoveClosure.Map(sites);
        SetLease.Map(sites);
        DutyRotaApi.Map(sites, endpoints.MapGroup("/api/duty-shifts").WithTags("Spaces"));

        var spaces = endpoints.MapGroup("/api/spaces").WithTags("Spaces");
        OpenSpace.Map(spaces);
        ListSpaces.Map(spaces);
        GetSpace.Map(spaces);
        ChangeSpaceDetails.Map(spaces);
        ChangeRates.Map(spaces);
        ChangeRules.Map(spaces);
        RetireSpace.Map(spaces);
        return endpoints;
    }
}
