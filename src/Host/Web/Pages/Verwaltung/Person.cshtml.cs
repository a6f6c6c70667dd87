using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// A person: the organisations they act for (POST /api/people/{id}/organisations) and their plans
/// (POST /api/people/{id}/plans), each at the version shown; forgetting has its own confirmation page.
/// </summary>
internal sealed class PersonModel(InProcessApi api, TimeProvider time) : PageModel
{
    public PersonRecord Person { get; private set; } = null!;

    public HouseNames Names { get; private set; } = null!;

    public DateOnly Today { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync(Guid id, bool neu, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        if (neu)
            Message = $"{Person.Name} ist eingetragen.";
    }

    public async Task<IActionResult> OnPostActAsync(Guid id, long version, Guid organisation, string? rolle, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/people/{id}/organisations", new { organisationId = organisation, role = rolle }, ct, ETag(version));
        await LoadAsync(id, ct);
        if (answer.IsSuccess)
            Message = $"{Person.Name} handelt jetzt für {Names.Organisation(organisation)}.";
        else
            Error = $"Zuordnen ging nicht: {answer.Problem()}";
        return Page();
    }

    public async Task<IActionResult> OnPostPlanAsync(Guid id, long version, string? tarif, Guid? ueber, string? ab, CancellationToken ct)
    {
        ApiAnswer? answer = null;
        if (DateOnly.TryParseExact(ab?.Trim(), "d.M.yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var from))
            answer = await api.PostAsync(User, $"/api/people/{id}/plans", new { plan = tarif, organisationId = ueber, validFrom = from }, ct, ETag(version));
        await LoadAsync(id, ct);
        if (answer is null)
            Error = "Bitte das Datum als TT.MM.JJJJ angeben.";
        else if (answer.IsSuccess)
            Message = $"Tarif „{Words.Plan(tarif ?? "")}“ ab {Formats.Date(from)} zugewiesen.";
        else
            Error = $"Tarif zuweisen ging nicht: {answer.Problem()}";
        return Page();
    }

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    private async Task LoadAsync(Guid id, CancellationToken ct)
    {
        Person = await api.GetAsync<PersonRecord>(User, $"/api/people/{id}", ct);
        Names = await HouseNames.LoadAsync(api, User, ct);
        Today = Formats.Today(time);
    }
}
