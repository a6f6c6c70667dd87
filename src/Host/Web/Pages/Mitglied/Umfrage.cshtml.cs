using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// The rural pilot's needs survey (ADR 21): a member or trial user answers for themselves (one-way km, means of
/// transport, commuting days a week, what they would need), at the version of their person shown; a new answer
/// replaces the former. The API refuses anyone else's answer and people who are neither members nor trial users.
/// Staff also see the survey in figures (no names, no needs).
/// </summary>
internal sealed class UmfrageModel(InProcessApi api) : PageModel
{
    public static IReadOnlyList<(string Code, string Name)> MeansOfTransport => Words.InLanguage(
    [
        ("car", Texts.N("Auto")), ("car-pool", Texts.N("Fahrgemeinschaft")), ("bus", Texts.N("Bus")), ("train", Texts.N("Bahn")),
        ("motorbike", Texts.N("Motorrad")), ("bike", Texts.N("Fahrrad")), ("foot", Texts.N("zu Fuß")), ("other", Texts.N("anderes")),
    ]);

    public static string Means(string code) => MeansOfTransport.FirstOrDefault(m => m.Code == code).Name ?? code;

    public SurveyAnswerItem? Answer { get; private set; }

    public long Version { get; private set; }

    public SurveySummaryItem? Summary { get; private set; }

    public bool HasPerson => User.PersonId() is not null;

    /// <summary>What was typed, shown again after a refusal (km, means, days, needs), instead of the stored answer.</summary>
    public (string? Km, string? Means, string? Days, string? Needs)? Typed { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(string? km, string? mittel, string? tage, string? bedarf, long version, CancellationToken ct)
    {
        if (User.PersonId() is not { } me)
            return Forbid();
        if (!decimal.TryParse(km?.Trim(), NumberStyles.AllowDecimalPoint, Formats.Culture, out var oneWay))
            Error = Texts.L("Bitte den einfachen Arbeitsweg in Kilometern angeben, etwa 17,5.");
        else if (!int.TryParse(tage?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var days))
            Error = Texts.L("Bitte angeben, an wie vielen Tagen der Woche Sie pendeln (0 bis 7).");
        else
        {
            var answer = await api.PutAsync(User, $"/api/people/{me}/survey",
                new { oneWayKm = oneWay, means = mittel, commutingDaysPerWeek = days, needs = string.IsNullOrWhiteSpace(bedarf) ? null : bedarf },
                ct, ifMatch: Versions.ETag(version));
            if (answer.IsSuccess)
                Message = Texts.L("Danke, Ihre Antwort ist gespeichert.");
            else
                Error = answer.Problem();
        }
        if (Error is not null)
            Typed = (km, mittel, tage, bedarf);
        await LoadAsync(ct);
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        if (User.PersonId() is { } me)
        {
            Version = (await api.GetAsync<PersonRecord>(User, $"/api/people/{me}", ct)).Version;
            var answer = await api.GetAsync(User, $"/api/people/{me}/survey", ct);
            Answer = answer.IsSuccess ? answer.Read<SurveyAnswerItem>() : null;
        }
        // The figures are for staff (and funders, through the API): a member's page never asks for them.
        if (User.IsInRole(Roles.Admin))
            Summary = await api.GetAsync<SurveySummaryItem>(User, "/api/membership/survey/summary", ct);
    }
}
