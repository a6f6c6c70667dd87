using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Foerderung;

/// <summary>
/// The grant report ready to print: the API's own HTML report (format=html) for a Berlin year, as the
/// signed-in person; a funder asking for another funder's grant is refused by the API.
/// </summary>
internal sealed class BerichtModel(InProcessApi api, TimeProvider time) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid grantId, int? jahr, CancellationToken ct)
    {
        var year = jahr is >= 2000 and <= 2100 ? jahr.Value : Formats.Today(time).Year;
        var answer = await api.GetAsync(User, $"/api/funding/reports/grants/{grantId}?period=year&from={year}-01-01&format=html", ct);
        if (!answer.IsSuccess)
            throw new ApiRefusedException(answer);
        return Content(answer.Body, "text/html; charset=utf-8");
    }
}
