using System.Globalization;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// Forgetting a person, behind a confirmation (a page of its own and a box to tick, checked on the
/// server too): POST /api/people/{id}/forget at the version shown. Membership erases the personal data
/// and its reactions end the person's sign-in and future bookings.
/// </summary>
internal sealed class VergessenModel(InProcessApi api) : PageModel
{
    public PersonRecord Person { get; private set; } = null!;

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid id, CancellationToken ct) =>
        Person = await api.GetAsync<PersonRecord>(User, $"/api/people/{id}", ct);

    public async Task<IActionResult> OnPostAsync(Guid id, long version, bool bestaetigt, CancellationToken ct)
    {
        Person = await api.GetAsync<PersonRecord>(User, $"/api/people/{id}", ct);
        if (!bestaetigt)
        {
            Error = Texts.L("Bitte bestätigen Sie das Vergessen mit dem Häkchen.");
            return Page();
        }
        var answer = await api.PostAsync(User, $"/api/people/{id}/forget", null, ct, $"\"{version.ToString(CultureInfo.InvariantCulture)}\"");
        if (answer.IsSuccess)
            return Redirect("/verwaltung/personen?vergessen=true");
        Error = Texts.L("Vergessen ging nicht: {0}", answer.Problem());
        return Page();
    }
}
