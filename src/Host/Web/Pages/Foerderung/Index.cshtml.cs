using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Foerderung;

/// <summary>The grants the person may see (/api/funding/grants limits a funder to its own), with budget use and warnings.</summary>
internal sealed class FoerderungModel(InProcessApi api, TimeProvider time) : PageModel
{
    public IReadOnlyList<GrantItem> Grants { get; private set; } = [];

    public IReadOnlyList<FunderItem> Funders { get; private set; } = [];

    public int Year { get; private set; }

    public string Funder(Guid id) => Funders.FirstOrDefault(f => f.Id == id)?.Name ?? "";

    public async Task OnGetAsync(CancellationToken ct)
    {
        Year = Formats.Today(time).Year;
        var grants = api.GetAsync<Page<GrantItem>>(User, "/api/funding/grants?limit=500", ct);
        var funders = api.GetAsync<Page<FunderItem>>(User, "/api/funding/funders?limit=500", ct);
        Grants = (await grants).Items;
        Funders = (await funders).Items;
    }
}
