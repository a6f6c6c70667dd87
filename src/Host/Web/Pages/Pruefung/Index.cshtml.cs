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
            Error = Texts.L("Prüfen ging nicht: {0}", answer.Problem());
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
                ? Texts.L("Prüfpunkt nach Ereignis Nr. {0} festgehalten.", Formats.Number(checkpoint.Seq))
                : Texts.L("Nach Ereignis Nr. {0} stand schon ein Prüfpunkt.", Formats.Number(checkpoint.Seq));
        }
        else
        {
            Error = answer.Status == StatusCodes.Status403Forbidden ? Texts.L("Prüfpunkte auf Anforderung hält die Raumverwaltung fest.") : Texts.L("Festhalten ging nicht: {0}", answer.Problem());
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
        "requested" => Texts.L("auf Anforderung"),
        "periodic" => Texts.L("regelmäßig (alle 10.000 Ereignisse)"),
        _ => reason,
    };

    /// <summary>The verification's answer as sentences a person reads.</summary>
    public static IEnumerable<string> InWords(AuditVerification r)
    {
        var n = (long value) => Formats.Number(value);
        if (r.Ok)
        {
            yield return r.VerifiedEvents == 0
                ? Texts.L("In diesem Bereich ist noch nichts verkettet; es gab nichts zu prüfen.")
                : Texts.L("Die Kette ist unversehrt: alle {0} Ereignisse von Nr. {1} bis Nr. {2} stehen so in der Datenbank, wie sie verkettet wurden.", n(r.VerifiedEvents), n(r.From), n(r.To));
        }
        else
        {
            var seq = r.Seq is { } s ? n(s) : "?";
            yield return r.Problem switch
            {
                "changed" => Texts.L("Die Kette ist gebrochen: Ereignis Nr. {0} wurde nachträglich verändert.", seq),
                "missing" => Texts.L("Die Kette ist gebrochen: Ereignis Nr. {0} fehlt.", seq),
                "inserted" => Texts.L("Die Kette ist gebrochen: Ereignis Nr. {0} wurde nachträglich eingeschoben.", seq),
                "checkpoint" => Texts.L("Die Kette ist gebrochen: Der Prüfpunkt bei Ereignis Nr. {0} stimmt nicht mehr mit den Ereignissen überein.", seq),
                _ => Texts.L("Die Kette ist gebrochen bei Ereignis Nr. {0}.", seq),
            };
            if (!string.IsNullOrWhiteSpace(r.Detail))
                yield return $"Technische Angabe: {r.Detail}";
            yield return Texts.L("Bis dahin stimmten {0} Ereignisse.", n(r.VerifiedEvents));
        }
        yield return r.CheckpointsChecked switch
        {
            0 => Texts.L("Kein Prüfpunkt lag in diesem Bereich."),
            1 => Texts.L("Ein Prüfpunkt wurde verglichen."),
            var c => Texts.L("{0} Prüfpunkte wurden verglichen.", n(c)),
        };
        if (r.LastCheckpoint is { } last)
            yield return Texts.L("Letzter bestätigter Prüfpunkt: nach Ereignis Nr. {0} vom {1} Uhr.", n(last.Seq), Formats.DateTime(last.At));
        if (r.ChainedThrough < r.To)
            yield return Texts.L("Ereignisse nach Nr. {0} sind noch nicht verkettet; das geschieht binnen Sekunden.", n(r.ChainedThrough));
    }
}
