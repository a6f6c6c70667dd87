using System.Security.Claims;
using Allmende.Eventing.Api;

namespace Allmende.Host.Web.Api;

/// <summary>
/// Names for ids, so that pages show "Seminarraum, Nachbarschaftshaus Lindenstraße" and never an id:
/// the sites, spaces and organisations the person may see, read once per page through the API.
/// </summary>
internal sealed class HouseNames
{
    public required IReadOnlyList<SiteItem> Sites { get; init; }

    public required IReadOnlyList<SpaceItem> Spaces { get; init; }

    public required IReadOnlyList<OrganisationItem> Organisations { get; init; }

    public static async Task<HouseNames> LoadAsync(InProcessApi api, ClaimsPrincipal user, CancellationToken ct, bool organisations = true)
    {
        var sites = api.GetAsync<Page<SiteItem>>(user, "/api/sites?limit=500", ct);
        var spaces = api.GetAsync<Page<SpaceItem>>(user, "/api/spaces?limit=500&includeRetired=true", ct);
        var orgs = organisations && !user.IsInRole(Roles.Funder)
            ? api.GetAsync<Page<OrganisationItem>>(user, "/api/organisations?limit=500", ct)
            : Task.FromResult(new Page<OrganisationItem>([], 0, 0, 0));
        return new HouseNames { Sites = (await sites).Items, Spaces = (await spaces).Items, Organisations = (await orgs).Items };
    }

    public string Site(Guid id) => Sites.FirstOrDefault(s => s.Id == id)?.Name ?? Texts.L("(unbekannter Standort)");

    public string Space(Guid id) => Spaces.FirstOrDefault(s => s.Id == id)?.Name ?? Texts.L("(unbekannter Raum)");

    public string SpaceAndSite(Guid spaceId) =>
        Spaces.FirstOrDefault(s => s.Id == spaceId) is { } space ? $"{space.Name}, {Site(space.SiteId)}" : Texts.L("(unbekannter Raum)");

    public string Organisation(Guid? id) => id is null ? "" : Organisations.FirstOrDefault(o => o.Id == id)?.Name ?? Texts.L("(andere Organisation)");
}
