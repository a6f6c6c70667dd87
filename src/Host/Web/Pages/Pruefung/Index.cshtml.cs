using System.Globalization;
using Allmende.Eventing.Api;
using Allmende.Eventing.Audit;
using Allmende.Host.Web.Api;
using Allmende.Host.Web.Pages.Foerderung;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Allmende.Host.Web.Pages.Pruefung;

/// <summary>
/// The auditors' page (ADR 13, 16): run the chain's verification (GET /api/audit/verify) and read the
/// result in words, list the checkpoints (GET /api/audit/checkpoints) and, for staff, record one (POST,
/// which the API refuses an auditor), download the whole export (GET /api/audit/export) or a funder's.
/// </summary>
internal sealed class PruefungModel(InProcessApi api) : PageModel
{
    public IReadOnlyList<AuditCheckpoint> Checkpoints { get; private set; } = [];

    public IReadOnlyList<FunderItem> Funders { get; private set; } = [];

    public AuditVerification? Result { get; private set; }

    public string? Von { get; private set; }

    public string? Bis { get; private set; }

    public string? Message { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Only staff record checkpoints on demand (the API's rule; the button is a courtesy, the API decides).</summary>
    public bool MayRecord => User.IsInRole(Roles.Admin);

    public Task OnGetAsync(CancellationToken ct) => LoadAsync(ct);

    public async Task<IActionResult> OnPostVerifyAsync(string? von, string? bis, CancellationToken ct)
    {
        (Von, Bis) = (von?.Trim(), bis?.Trim());
        var answer = await api.GetAsync(User, "/api/audit/verify" + Range(Von, Bis), ct);
        if (answer.IsSuccess)
            Result = answer.Read<AuditVerification>();
        else
        {
            Error = $"Prüfen ging nicht: {answer.Problem()}";
            Response.StatusCode = answer.Status;
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostCheckpointAsync(CancellationToken ct)
    {
        var answer = await api.PostAsync(User, "/api/audit/checkpoints", null, ct);
        if (answer.IsSuccess)
        {
            var checkpoint = answer.Read<AuditCheckpoint>();
            Message = answer.Status == StatusCodes.Status201Created
                ? $"Prüfpunkt nach Ereignis Nr. {Formats.Number(checkpoint.Seq)} festgehalten."
                : $"Nach Ereignis Nr. {Formats.Number(checkpoint.Seq)} stand schon ein Prüfpunkt.";
        }
        else
        {
            Error = answer.Status == StatusCodes.Status403Forbidden ? "Prüfpunkte auf Anforderung hält die Raumverwaltung fest." : $"Festhalten ging nicht: {answer.Problem()}";
            Response.StatusCode = answer.Status;
        }
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnGetExportAsync(string? von, string? bis, CancellationToken ct) =>
        Download.Of(await api.GetAsync(User, "/api/audit/export" + Range(von?.Trim(), bis?.Trim()), ct), Response);

    /// <summary>The range as the API takes it; what is not a number goes as it is, and the API names the field.</summary>
    private static string Range(string? from, string? to)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(from))
            query.Add("from=" + Uri.EscapeDataString(from));
        if (!string.IsNullOrEmpty(to))
            query.Add("to=" + Uri.EscapeDataString(to));
        return query.Count == 0 ? "" : "?" + string.Join("&", query);
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var checkpoints = api.GetAsync<IReadOnlyList<AuditCheckpoint>>(User, "/api/audit/checkpoints", ct);
        var funders = api.GetAsync<Page<FunderItem>>(User, "/api/funding/funders?limit=500", ct);
        Checkpoints = [.. (await checkpoints).OrderByDescending(c => c.Seq)];
        Funders = (await funders).Items;
    }

    public static string Reason(string reason) => reason switch
    {
        "requested" => "auf Anforderung",
        "periodic" => "regelmäßig (alle 10.000 Ereignisse)",
        _ => reason,
    };

    /// <summary>The verification's answer as sentences a person reads.</summary>
    public static IEnumerable<string> InWords(AuditVerification r)
    {
        var n = (long value) => Formats.Number(value);
        if (r.Ok)
        {
            yield return r.VerifiedEvents == 0
                ? "In diesem Bereich ist noch nichts verkettet; es gab nichts zu prüfen."
                : $"Die Kette ist unversehrt: alle {n(r.VerifiedEvents)} Ereignisse von Nr. {n(r.From)} bis Nr. {n(r.To)} stehen so in der Datenbank, wie sie verkettet wurden.";
        }
        else
        {
            var seq = r.Seq is { } s ? n(s) : "?";
            yield return r.Problem switch
            {
                "changed" => $"Die Kette ist gebrochen: Ereignis Nr. {seq} wurde nachträglich verändert.",
                "missing" => $"Die Kette ist gebrochen: Ereignis Nr. {seq} fehlt.",
                "inserted" => $"Die Kette ist gebrochen: Ereignis Nr. {seq} wurde nachträglich eingeschoben.",
                "checkpoint" => $"Die Kette ist gebrochen: Der Prüfpunkt bei Ereignis Nr. {seq} stimmt nicht mehr mit den Ereignissen überein.",
                _ => $"Die Kette ist gebrochen bei Ereignis Nr. {seq}.",
            };
            if (!string.IsNullOrWhiteSpace(r.Detail))
                yield return $"Technische Angabe: {r.Detail}";
            yield return $"Bis dahin stimmten {n(r.VerifiedEvents)} Ereignisse.";
        }
        yield return r.CheckpointsChecked switch
        {
            0 => "Kein Prüfpunkt lag in diesem Bereich.",
            1 => "Ein Prüfpunkt wurde verglichen.",
            var c => $"{n(c)} Prüfpunkte wurden verglichen.",
        };
        if (r.LastCheckpoint is { } last)
            yield return $"Letzter bestätigter Prüfpunkt: nach Ereignis Nr. {n(last.Seq)} vom {Formats.DateTime(last.At)} Uhr.";
        if (r.ChainedThrough < r.To)
            yield return $"Ereignisse nach Nr. {n(r.ChainedThrough)} sind noch nicht verkettet; das geschieht binnen Sekunden.";
    }
}
