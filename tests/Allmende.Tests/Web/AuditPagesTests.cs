using Allmende.Eventing.Api;
using Allmende.Tests.Audit;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// Tamper evidence in the web app (ADR 13, 16): a funder downloads its audit export from the grant's
/// dashboard and reads how to verify it; the file passes the offline verifier. Auditors run the chain's
/// verification, read the checkpoints staff took and download the whole export. Others are refused by the server.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AuditPagesTests(BrowserApp app)
{
    [Fact]
    public async Task A_funder_downloads_its_audit_export_from_the_dashboard_and_the_offline_verifier_accepts_it()
    {
        var city = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var funder = await app.SignedInAsync("foerderung.echtheit@example.org", Roles.Funder, funderId: city);
        await funder.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        await funder.GetByRole(AriaRole.Link, new() { Name = "Übersicht: Engagement-Etage Kreativquartier" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(funder);
        (await funder.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Förderbericht \\d{4} \\(druckfertig\\)$") }).CountAsync()).ShouldBe(1);

        var download = await funder.RunAndWaitForDownloadAsync(() =>
            funder.GetByRole(AriaRole.Link, new() { Name = "Prüfexport herunterladen (für die Echtheitsprüfung)" }).ClickAsync());
        download.SuggestedFilename.ShouldStartWith($"allmende-audit-funder-{city:D}-");
        var file = Path.Combine(Path.GetTempPath(), $"allmende-web-export-{Guid.NewGuid():N}.jsonl");
        await download.SaveAsAsync(file);
        try
        {
            var (exit, output) = await AuditApp.VerifyOfflineAsync(file);
            exit.ShouldBe(0, output);
            output.ShouldContain("OK: ");
            (await File.ReadAllLinesAsync(file))[0].ShouldContain("\"format\":\"allmende-audit-export\"");
        }
        finally
        {
            File.Delete(file);
        }

        await funder.GetByRole(AriaRole.Link, new() { Name = "So prüfen Sie die Echtheit" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(funder);
        (await funder.Locator("h1").InnerTextAsync()).ShouldBe("So prüfen Sie die Echtheit");
        (await funder.Locator("main h2").AllInnerTextsAsync()).ShouldBe(
            ["Wie die Aufzeichnung gesichert ist", "Schritt für Schritt", "Warum Sie Prüfpunkte selbst aufbewahren sollten"]);
        (await funder.Locator("main ol > li > strong").AllInnerTextsAsync()).ShouldBe(
            ["Prüfexport herunterladen.", "Das Prüfprogramm besorgen.", "Prüfen.", "Das Ergebnis lesen.", "Den letzten Fingerabdruck aufbewahren."]);
        // A funder is offered its own export only.
        (await funder.Locator("main").GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Prüfexport herunterladen") })
            .AllInnerTextsAsync()).ShouldBe(["Prüfexport herunterladen: Sozialbehörde Musterstadt"]);
        await BrowserApp.ShouldBeAccessibleAsync(funder);
        await BrowserApp.ScreenshotAsync(funder, "echtheit");

        // Another funder asks for the city's export by its address: the server refuses, and says nothing of it.
        var stranger = await app.SignedInAsync("stiftung.echtheit@example.org", Roles.Funder, funderId: await app.FunderAsync("Stiftung Echtheit"));
        var refused = await stranger.APIRequest.GetAsync($"/foerderung/pruefexport/{city}");
        refused.Status.ShouldBe(404);
        (await refused.TextAsync()).ShouldNotContain("allmende-audit-export");
        // Nor may a funder open the auditors' page.
        (await stranger.GotoAsync("/pruefung", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
    }

    [Fact]
    public async Task An_auditor_verifies_the_chain_reads_the_checkpoint_staff_took_and_the_export_passes_with_it()
    {
        var staff = await app.SignedInAsync("verwaltung.pruefung@example.org", Roles.Admin);
        await staff.GotoAsync("/pruefung", BrowserApp.DocumentOnly);
        await Eventually.ReachedAsync(async () =>
        {
            await staff.GetByRole(AriaRole.Button, new() { Name = "Prüfpunkt jetzt festhalten" }).ClickAsync();
            return await staff.Locator("p.message").CountAsync() > 0; // the chain follows the log within moments
        }, "a checkpoint was recorded");
        (await staff.Locator("p.message").InnerTextAsync()).ShouldMatch("^(Prüfpunkt nach Ereignis Nr\\. [0-9.]+ festgehalten\\.|Nach Ereignis Nr\\. [0-9.]+ stand schon ein Prüfpunkt\\.)$");

        var auditor = await app.SignedInAsync("pruefer.kette@example.org", Roles.Auditor, phone: true);
        await auditor.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Prüfung" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(auditor);
        (await auditor.GetByRole(AriaRole.Button, new() { Name = "Prüfpunkt jetzt festhalten" }).CountAsync()).ShouldBe(0); // staff's, and the API says so too
        await auditor.GetByRole(AriaRole.Button, new() { Name = "Kette jetzt prüfen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(auditor);
        var result = await auditor.GetByRole(AriaRole.Status).InnerTextAsync();
        result.ShouldMatch("^Die Kette ist unversehrt: alle [0-9.]+ Ereignisse von Nr\\. 1 bis Nr\\. [0-9.]+ stehen so in der Datenbank, wie sie verkettet wurden\\.");
        result.ShouldMatch("([0-9.]+ Prüfpunkte wurden|Ein Prüfpunkt wurde) verglichen\\.");
        result.ShouldContain("Letzter bestätigter Prüfpunkt: nach Ereignis Nr. ");

        var checkpoints = auditor.GetByRole(AriaRole.Table, new() { Name = "Prüfpunkte" });
        var newest = await checkpoints.Locator("tbody tr").First.Locator("td").AllInnerTextsAsync();
        newest[3].ShouldBe("auf Anforderung");
        var kept = newest[4]; // "<seq>:<hash>", as a funder would keep it
        kept.ShouldMatch("^[0-9]+:[0-9a-f]{64}$");
        await BrowserApp.ShouldBeAccessibleAsync(auditor);
        await BrowserApp.ScreenshotAsync(auditor, "pruefung");

        // A range the API refuses is named, not a 500.
        var verify = auditor.GetByRole(AriaRole.Form, new() { Name = "Kette prüfen" });
        await verify.GetByLabel("Ab Ereignis Nr. (leer: vom ersten)").FillAsync("5");
        await verify.GetByLabel("Bis Ereignis Nr. (leer: bis zum letzten)").FillAsync("2");
        await verify.GetByRole(AriaRole.Button, new() { Name = "Kette jetzt prüfen" }).ClickAsync();
        (await auditor.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldStartWith("Prüfen ging nicht: ");

        var download = await auditor.RunAndWaitForDownloadAsync(() => auditor.GetByRole(AriaRole.Button, new() { Name = "Export herunterladen" }).ClickAsync());
        download.SuggestedFilename.ShouldStartWith("allmende-audit-1-");
        var file = Path.Combine(Path.GetTempPath(), $"allmende-web-export-{Guid.NewGuid():N}.jsonl");
        await download.SaveAsAsync(file);
        try
        {
            var (exit, output) = await AuditApp.VerifyOfflineAsync(file, "--checkpoint", kept);
            exit.ShouldBe(0, output);
            output.ShouldContain("1 of yours agree");
        }
        finally
        {
            File.Delete(file);
        }

        // A member is refused the auditors' page by the server.
        var member = await app.SignedInAsync("mira.pruefung@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync("/pruefung", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Prüfpunkte");
    }
}
