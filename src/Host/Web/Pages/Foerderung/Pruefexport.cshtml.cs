using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Foerderung;

/// <summary>
/// A funder's audit export as a download (GET /api/funding/funders/{id}/audit-export, ADR 13): the API
/// decides what goes in full and refuses another funder's export (404), so the page does too. The file
/// keeps the API's own name; the offline verifier reads it as it is (see /foerderung/echtheit).
/// </summary>
internal sealed class PruefexportModel(InProcessApi api) : PageModel
{
    public async Task<IActionResult> OnGetAsync(Guid funderId, CancellationToken ct)
    {
        var answer = await api.GetAsync(User, $"/api/funding/funders/{funderId}/audit-export", ct);
        return Download.Of(answer, Response);
    }
}

/// <summary>An export the API answered, handed to the browser as the file the API named.</summary>
internal static class Download
{
    public static IActionResult Of(ApiAnswer answer, HttpResponse response)
    {
        if (!answer.IsSuccess)
            throw new ApiRefusedException(answer);
        if (answer.ContentDisposition is { } disposition)
            response.Headers.ContentDisposition = disposition;
        return new ContentResult { Content = answer.Body, ContentType = answer.ContentType ?? "application/octet-stream", StatusCode = answer.Status };
    }
}
