using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Mitglied;

/// <summary>
/// The duty rota ("Kümmerdienst") of a site for two weeks: members take a free shift or give their own
/// back; staff also plan shifts, assign a person and cancel. Everything goes through the rota's API,
/// which decides who may see whom: a member sees "besetzt", never another volunteer's name.
/// </summary>
internal sealed class KuemmerdienstModel(InProcessApi api, TimeProvider time) : PageModel
{
    public const int Days = 14;

    [BindProperty(SupportsGet = true)]
    public Guid? Standort { get; set; }

    public DateOnly Ab { get; private set; }

    public IReadOnlyList<SiteItem> Sites { get; private set; } = [];

    public IReadOnlyList<DutyShiftItem> Shifts { get; private set; } = [];

    /// <summary>Names for staff only: a member's page never asks for people.</summary>
    public IReadOnlyList<PersonItem> People { get; private set; } = [];

    public bool IsStaff => User.IsInRole(Roles.Admin);

    public DateTimeOffset Now => time.GetUtcNow();

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    public Task OnGetAsync(string? ab, CancellationToken ct) => LoadAsync(ab, ct);

    public Task<IActionResult> OnPostTakeAsync(Guid id, long version, Guid? person, string? ab, CancellationToken ct) =>
        ActAsync($"/api/duty-shifts/{id}/take", IsStaff ? new { personId = person } : new { personId = (Guid?)null }, version, ab,
            Texts.L("Der Dienst ist übernommen."), ct);

    public Task<IActionResult> OnPostReleaseAsync(Guid id, long version, string? ab, CancellationToken ct) =>
        ActAsync($"/api/duty-shifts/{id}/release", null, version, ab, Texts.L("Der Dienst ist wieder frei."), ct);

    public Task<IActionResult> OnPostCancelAsync(Guid id, long version, string? grund, string? ab, CancellationToken ct) =>
        ActAsync($"/api/duty-shifts/{id}/cancel", new { reason = grund }, version, ab, Texts.L("Der Dienst ist abgesagt."), ct);

    public async Task<IActionResult> OnPostPlanAsync(string? datum, string? von, string? bis, string? notiz, string? ab, CancellationToken ct)
    {
        if (!TryParseDate(datum, out var day) || !TryParseTime(von, out var from) || !TryParseTime(bis, out var to))
        {
            Error = Texts.L("Bitte Datum (TT.MM.JJJJ) und Zeiten (HH:MM) angeben.");
        }
        else
        {
            // A shift past midnight (18:00–01:00) ends on the next day.
            var start = Formats.FromBerlin(day, from);
            var end = Formats.FromBerlin(to > from ? day : day.AddDays(1), to);
            var answer = await api.PostAsync(User, $"/api/sites/{Standort}/duty-shifts", new { start, end, note = notiz }, ct);
            if (answer.IsSuccess)
                Message = Texts.L("Dienst am {0} von {1:HH:mm} bis {2:HH:mm} geplant.", Formats.Date(day), from, to);
            else
                Error = answer.Problem();
        }
        await LoadAsync(ab, ct);
        return Page();
    }

    public string Holder(DutyShiftItem shift) => shift switch
    {
        { CancelledBecause: { } reason } => Texts.L("abgesagt ({0})", reason),
        { Mine: true } => Texts.L("Sie"),
        { PersonId: { } person } => People.FirstOrDefault(p => p.Id == person)?.Name ?? Texts.L("besetzt"),
        { Taken: true } => Texts.L("besetzt"),
        _ => Texts.L("frei"),
    };

    private async Task<IActionResult> ActAsync(string path, object? body, long version, string? ab, string done, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, path, body, ct, ifMatch: Versions.ETag(version));
        if (answer.IsSuccess)
            Message = done;
        else
            Error = answer.Problem();
        await LoadAsync(ab, ct);
        return Page();
    }

    private async Task LoadAsync(string? ab, CancellationToken ct)
    {
        Ab = TryParseDate(ab, out var first) ? first : Formats.Today(time);
        var people = IsStaff ? api.GetAsync<Page<PersonItem>>(User, "/api/people?limit=500", ct) : Task.FromResult(new Page<PersonItem>([], 0, 0, 0));
        Sites = (await api.GetAsync<Page<SiteItem>>(User, "/api/sites?limit=500", ct)).Items;
        Standort ??= Sites.Count > 0 ? Sites[0].Id : null;
        if (Standort is { } site)
        {
            var rota = await api.GetAsync<DutyRota>(User,
                $"/api/sites/{site}/duty-shifts?from={Ab:yyyy-MM-dd}&to={Ab.AddDays(Days - 1):yyyy-MM-dd}", ct);
            Shifts = rota.Shifts;
        }
        People = (await people).Items;
    }

    private static bool TryParseDate(string? text, out DateOnly date) =>
        Formats.TryDate(text, out date);

    private static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text?.Trim(), ["H:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}
