using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages;

/// <summary>Sign-out is a POST (with the antiforgery token), so that no link or image can sign a person out.</summary>
internal sealed class AbmeldenModel : PageModel
{
    public IActionResult OnGet() => Redirect("/");

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(WebPolicies.Scheme);
        return Page();
    }
}
