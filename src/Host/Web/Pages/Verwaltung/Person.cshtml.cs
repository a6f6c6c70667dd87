using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Verwaltung;

/// <summary>
/// A person: the organisations they act for (POST /api/people/{id}/organisations) and their plans
/// (POST /api/people/{id}/plans), each at the version shown; forgetting has its own confirmation page.
/// The rural pilot's trials (ADR 21): start one, convert the latest to a plan or end it early, each decided by Membership.
/// The passkeys of the person's access to the web app (ADR 24): seen and removed through the access API, never their keys.
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
            Message = Texts.L("{0} ist eingetragen.", Person.Name);
    }

    public async Task<IActionResult> OnPostActAsync(Guid id, long version, Guid organisation, string? rolle, CancellationToken ct)
    {
        var answer = await api.PostAsync(User, $"/api/people/{id}/organisations", new { organisationId = organisation, role = rolle }, ct, ETag(version));
        await LoadAsync(id, ct);
        if (answer.IsSuccess)
            Message = Texts.L("{0} handelt jetzt für {1}.", Person.Name, Names.Organisation(organisation));
        else
            Error = Texts.L("Zuordnen ging nicht: {0}", answer.Problem());
        return Page();
    }

    public async Task<IActionResult> OnPostPlanAsync(Guid id, long version, string? tarif, Guid? ueber, string? ab, CancellationToken ct)
    {
        ApiAnswer? answer = null;
        if (Formats.TryDate(ab, out var from))
            answer = await api.PostAsync(User, $"/api/people/{id}/plans", new { plan = tarif, organisationId = ueber, validFrom = from }, ct, ETag(version));
        await LoadAsync(id, ct);
        if (answer is null)
            Error = Texts.L("Bitte das Datum als TT.MM.JJJJ angeben.");
        else if (answer.IsSuccess)
            Message = Texts.L("Tarif „{0}“ ab {1} zugewiesen.", Words.Plan(tarif ?? ""), Formats.Date(from));
        else
            Error = Texts.L("Tarif zuweisen ging nicht: {0}", answer.Problem());
        return Page();
    }

    public IReadOnlyList<TrialItem> Trials { get; private set; } = [];

    public async Task<IActionResult> OnPostTrialAsync(Guid id, long version, string? art, Guid? ueber, string? von, string? bis, CancellationToken ct)
    {
        ApiAnswer? answer = null;
        if (Eingaben.TryDate(von, out var from) && Eingaben.TryDate(bis, out var until))
            answer = await api.PostAsync(User, $"/api/people/{id}/trials", new { kind = art, organisationId = ueber, from, until }, ct, ETag(version));
        return await AfterAsync(id, answer, answer is null ? null : Texts.L("Probezeit vom {0} bis {1} begonnen.", von, bis), Texts.L("Probezeit beginnen"), ct);
    }

    public async Task<IActionResult> OnPostConvertAsync(Guid id, long version, string? tarif, string? ab, CancellationToken ct)
    {
        ApiAnswer? answer = null;
        if (Eingaben.TryDate(ab, out var from))
            answer = await api.PostAsync(User, $"/api/people/{id}/trials/convert", new { plan = tarif, planFrom = from }, ct, ETag(version));
        return await AfterAsync(id, answer, Texts.L("Probezeit in den Tarif „{0}“ ab {1} umgewandelt.", Words.Plan(tarif ?? ""), ab), Texts.L("Umwandeln"), ct);
    }

    public async Task<IActionResult> OnPostEndTrialAsync(Guid id, long version, string? letzter, CancellationToken ct)
    {
        ApiAnswer? answer = null;
        if (Eingaben.TryDate(letzter, out var last))
            answer = await api.PostAsync(User, $"/api/people/{id}/trials/end", new { lastDay = last }, ct, ETag(version));
        return await AfterAsync(id, answer, Texts.L("Probezeit endet am {0}.", letzter), Texts.L("Beenden"), ct);
    }

    /// <summary>A company pays the person's plan (ADR 21): named by the company, which Membership checks is one and active.</summary>
    public async Task<IActionResult> OnPostEmployeePlanAsync(Guid id, Guid firma, string? tarif, string? ab, string? bis, CancellationToken ct)
    {
        ApiAnswer? answer = null;
        DateOnly? until = Eingaben.TryDate(bis, out var last) ? last : null;
        if (Eingaben.TryDate(ab, out var from) && (string.IsNullOrWhiteSpace(bis) || until is not null))
            answer = await api.PostAsync(User, $"/api/organisations/{firma}/employee-plans", new { personId = id, plan = tarif, validFrom = from, validUntil = until }, ct);
        return await AfterAsync(id, answer, Texts.L("Tarif „{0}“ ab {1} über das Unternehmen zugewiesen.", Words.Plan(tarif ?? ""), ab), Texts.L("Über das Unternehmen zuweisen"), ct);
    }

    /// <summary>A passkey of one of the person's accesses, with the address that access signs in with.</summary>
    internal sealed record PersonPasskey(Guid AccountId, string? Email, PasskeyView Passkey);

    public IReadOnlyList<PersonPasskey> Passkeys { get; private set; } = [];

    public bool HasAccess { get; private set; }

    /// <summary>Staff remove a passkey (a lost device): the API checks it is that access's, and ends its use.</summary>
    public async Task<IActionResult> OnPostRemovePasskeyAsync(Guid id, Guid zugang, Guid passkey, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        var name = Passkeys.FirstOrDefault(p => p.AccountId == zugang && p.Passkey.PasskeyId == passkey)?.Passkey.Name;
        var answer = await api.SendAsync(User, HttpMethods.Delete, $"/api/access/accounts/{zugang}/passkeys/{passkey}", null, null, ct);
        return await AfterAsync(id, answer, Texts.L("Der Passkey „{0}“ ist entfernt: Mit ihm meldet sich niemand mehr an.", name), Texts.L("Passkey entfernen"), ct);
    }

    private async Task<IActionResult> AfterAsync(Guid id, ApiAnswer? answer, string? done, string what, CancellationToken ct)
    {
        await LoadAsync(id, ct);
        if (answer is null)
            Error = Texts.L("Bitte die Daten als TT.MM.JJJJ angeben.");
        else if (answer.IsSuccess)
            Message = done;
        else
            Error = Texts.L("{0} ging nicht: {1}", what, answer.Problem());
        return Page();
    }

    private static string ETag(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    private async Task LoadAsync(Guid id, CancellationToken ct)
    {
        Person = await api.GetAsync<PersonRecord>(User, $"/api/people/{id}", ct);
        Names = await HouseNames.LoadAsync(api, User, ct);
        Trials = await api.GetAsync<List<TrialItem>>(User, $"/api/people/{id}/trials", ct);
        var accesses = (await api.GetAsync<List<AccountView>>(User, "/api/access/accounts", ct)).Where(a => a.PersonId == id && a.Status != "revoked").ToList();
        HasAccess = accesses.Count > 0;
        var passkeys = new List<PersonPasskey>();
        foreach (var access in accesses)
            passkeys.AddRange((await api.GetAsync<List<PasskeyView>>(User, $"/api/access/accounts/{access.AccountId}/passkeys", ct))
                .Select(p => new PersonPasskey(access.AccountId, access.Email, p)));
        Passkeys = passkeys;
        Today = Formats.Today(time);
    }
}
