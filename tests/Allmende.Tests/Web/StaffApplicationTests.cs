using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// An organisation applies through the public form in the browser; staff read the application on their
/// page, admit one and decline another with a reason; the admitted one is an active organisation.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffApplicationTests(BrowserApp app)
{
    private async Task ApplyAsync(string organisation, string contact, string email)
    {
        var applicant = await app.NewPageAsync();
        await applicant.GotoAsync("/mitgliedsantrag", BrowserApp.DocumentOnly);
        await applicant.GetByLabel("Name der Organisation *").FillAsync(organisation);
        await applicant.GetByLabel("Art der Organisation *").SelectOptionAsync("initiative");
        await applicant.GetByLabel("gemeinnützig").CheckAsync();
        await applicant.GetByLabel("Straße und Hausnummer").FillAsync("Hinterhof 3");
        await applicant.GetByLabel("Postleitzahl").FillAsync("30159");
        await applicant.GetByLabel("Ort", new() { Exact = true }).FillAsync("Hannover");
        await applicant.GetByLabel("Name *", new() { Exact = true }).FillAsync(contact);
        await applicant.GetByLabel("E-Mail *", new() { Exact = true }).FillAsync(email);
        await applicant.GetByLabel("Ich willige ein *").CheckAsync();
        await applicant.GetByRole(AriaRole.Button, new() { Name = "Antrag senden" }).ClickAsync();
        (await applicant.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldStartWith("Vielen Dank! Ihr Antrag ist eingegangen.");
        await applicant.CloseAsync();
    }

    [Fact]
    public async Task Staff_admit_one_applicant_and_decline_another_with_a_reason()
    {
        await ApplyAsync("Gartengruppe Hinterhof", "Flora Antrag", "flora@garten.example");
        await ApplyAsync("Spielekreis Eckkneipe", "Kai Antrag", "kai@spiele.example");

        var staff = await app.SignedInAsync("verwaltung.antraege@example.org", Roles.Admin);
        await staff.GotoAsync("/verwaltung/antraege", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var open = staff.GetByRole(AriaRole.Region, new() { Name = "Offene Anträge" });
        var garden = open.GetByRole(AriaRole.Row).Filter(new() { HasText = "Gartengruppe Hinterhof" });
        (await garden.InnerTextAsync()).ShouldContain("Initiative, gemeinnützig");
        (await garden.InnerTextAsync()).ShouldContain("Flora Antrag");
        (await garden.InnerTextAsync()).ShouldContain("flora@garten.example");
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        await garden.GetByRole(AriaRole.Button, new() { Name = "Aufnehmen: Gartengruppe Hinterhof" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Gartengruppe Hinterhof ist aufgenommen und kann buchen.");

        var games = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Spielekreis Eckkneipe" });
        // Declining needs a reason: the browser refuses the empty field, nothing is decided.
        await games.GetByRole(AriaRole.Button, new() { Name = "Ablehnen: Spielekreis Eckkneipe" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Gartengruppe Hinterhof ist aufgenommen und kann buchen.");
        await games.GetByLabel("Grund der Ablehnung").FillAsync("Kein Bezug zum Quartier");
        await games.GetByRole(AriaRole.Button, new() { Name = "Ablehnen: Spielekreis Eckkneipe" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Antrag von Spielekreis Eckkneipe ist abgelehnt.");

        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("Gartengruppe|Spielekreis") }).CountAsync())
            .ShouldBe(0, "neither application waits any more");
        var decided = await staff.GetByRole(AriaRole.List, new() { Name = "Zuletzt entschieden" }).InnerTextAsync();
        decided.ShouldContain("Spielekreis Eckkneipe – abgelehnt am");
        decided.ShouldContain(": Kein Bezug zum Quartier");
        decided.ShouldContain("Gartengruppe Hinterhof – aufgenommen am");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "antraege");

        using var admin = app.AdminClient();
        var organisations = await admin.GetFromJsonAsync<JsonElement>("/api/organisations?limit=500");
        var admitted = organisations.GetProperty("items").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "Gartengruppe Hinterhof");
        admitted.GetProperty("status").GetString().ShouldBe("active");
        organisations.GetProperty("items").EnumerateArray().ShouldNotContain(o => o.GetProperty("name").GetString() == "Spielekreis Eckkneipe");

        var member = await app.SignedInAsync("mira.antraege@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync("/verwaltung/antraege", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Flora Antrag");
    }
}
