using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Foerderung;

/// <summary>
/// "How to verify", in plain German or English (ADR 13): the chain, checkpoints and the offline verifier step by step,
/// with the download of the audit export for each funder the person may read (a funder only its own).
/// </summary>
internal sealed class EchtheitModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<FunderItem> Funders { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct) =>
        Funders = (await api.GetAsync<Page<FunderItem>>(User, "/api/funding/funders?limit=500", ct)).Items;
}
