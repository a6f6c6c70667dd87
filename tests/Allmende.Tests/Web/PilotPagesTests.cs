using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// The rural pilot and the sponsors in the web app (issue 17; ADR 20, 21), on the demo data: the region's funder reads
/// the commuting its grant's site avoided (km, kg CO2e, the factors and their source); the housing company reads the
/// payments for its prize; a member answers the needs survey, which staff see in figures only.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PilotPagesTests(BrowserApp app)
{
    [Fact]
    public async Task The_regions_funder_sees_the_commuting_avoided_and_the_sponsor_its_purpose_payments_and_neither_the_others_grant()
    {
        var region = await app.FunderIdAsync("Region Landmitte – Amt für Regionalentwicklung");
        var funder = await app.SignedInAsync("foerderung.region@example.org", Roles.Funder, funderId: region, phone: true);
        await funder.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        await funder.GetByRole(AriaRole.Link, new() { Name = "Übersicht: Coworking-Pilot Landmitte" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(funder);
        var regionGrant = funder.Url;
        // The demo's desk-days: four weeks of Tarek (28 km, car), Lena (17,5 km, bus) and Jan (42 km, car-pool), there and back.
        var summary = await funder.GetByRole(AriaRole.Heading, new() { Name = "Vermiedene Pendelwege" }).Locator("xpath=following-sibling::p[1]").InnerTextAsync();
        summary.ShouldBe("12 Arbeitstage am Standort statt im Pendelverkehr: 700 km und 97,9 kg CO2e vermieden (Hin- und Rückweg, laut Bedarfsumfrage).");
        var factors = await funder.GetByText("Emissionsfaktoren (g CO2e je Personenkilometer)").InnerTextAsync();
        factors.ShouldContain("Auto 154, Fahrgemeinschaft 154, Bus 83, Bahn 57");
        factors.ShouldContain("Quelle: Umweltbundesamt");
        (await funder.GetByRole(AriaRole.Table, new() { Name = "Vermiedene Pendelwege" }).Locator("tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        (await funder.GetByRole(AriaRole.Heading, new() { Name = "Zahlungen für den Förderzweck" }).CountAsync()).ShouldBe(0);
        await BrowserApp.ShouldBeAccessibleAsync(funder);
        await BrowserApp.ShouldFitTheWidthAsync(funder);
        await BrowserApp.ScreenshotAsync(funder, "pendelwege");

        var housing = await app.FunderIdAsync("Wohnbau Lindenviertel GmbH");
        var sponsor = await app.SignedInAsync("foerderung.wohnbau@example.org", Roles.Funder, funderId: housing);
        await sponsor.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        await sponsor.GetByRole(AriaRole.Link, new() { Name = "Übersicht: Preis des Fotowettbewerbs »Unser Lindenviertel«" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(sponsor);
        (await sponsor.GetByRole(AriaRole.Table, new() { Name = "Zahlungen für den Förderzweck" }).Locator("tbody tr").AllInnerTextsAsync())
            .ShouldBe([$"{await PaidOnAsync(housing)}\tPreisgeld Fotowettbewerb, 1. bis 3. Platz\tQuittung FW-01\t500,00 €"]);
        (await sponsor.GetByRole(AriaRole.Heading, new() { Name = "Vermiedene Pendelwege" }).CountAsync()).ShouldBe(0);
        await BrowserApp.ShouldBeAccessibleAsync(sponsor);
        // The region's grant is not the sponsor's: the API refuses it, so the page does.
        (await sponsor.GotoAsync(regionGrant, BrowserApp.DocumentOnly))!.Status.ShouldBe(404);
        (await sponsor.ContentAsync()).ShouldNotContain("Vermiedene Pendelwege");
    }

    [Fact]
    public async Task A_member_answers_the_needs_survey_and_staff_see_it_in_figures_only()
    {
        var jonasId = await app.PersonIdAsync("Jonas Muster");
        var jonas = await app.SignedInAsync("jonas.umfrage@example.org", Roles.Member, personId: jonasId, phone: true);
        await jonas.GotoAsync("/mitglied/umfrage", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(jonas);
        await jonas.GetByLabel("Einfacher Arbeitsweg in km").FillAsync("12.5");
        await jonas.GetByLabel("Pendeltage je Woche (0 bis 7)").FillAsync("4");
        await jonas.GetByRole(AriaRole.Button, new() { Name = "Antwort speichern" }).ClickAsync();
        (await jonas.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Bitte den einfachen Arbeitsweg in Kilometern angeben, etwa 17,5.");
        await jonas.GetByLabel("Einfacher Arbeitsweg in km").FillAsync("12,5");
        await jonas.GetByLabel("Meist unterwegs mit").SelectOptionAsync(new SelectOptionValue { Label = "Bahn" });
        await jonas.GetByLabel("Was bräuchten Sie am Standort?").FillAsync("Einen ruhigen Raum für Telefonate");
        await jonas.GetByRole(AriaRole.Button, new() { Name = "Antwort speichern" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(jonas);
        (await jonas.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Danke, Ihre Antwort ist gespeichert.");
        (await jonas.GetByLabel("Einfacher Arbeitsweg in km").InputValueAsync()).ShouldBe("12,5");
        (await jonas.GetByRole(AriaRole.Heading, new() { Name = "Auswertung" }).CountAsync()).ShouldBe(0, "members do not see the figures");
        await BrowserApp.ShouldBeAccessibleAsync(jonas);
        await BrowserApp.ShouldFitTheWidthAsync(jonas);
        using (var admin = app.AdminClient())
        {
            var answer = await admin.GetFromJsonAsync<JsonElement>($"/api/people/{jonasId}/survey");
            (answer.GetProperty("oneWayKm").GetDecimal(), answer.GetProperty("means").GetString(), answer.GetProperty("commutingDaysPerWeek").GetInt32(),
                answer.GetProperty("needs").GetString()).ShouldBe((12.5m, "train", 4, "Einen ruhigen Raum für Telefonate"));
        }

        var staff = await app.SignedInAsync("verwaltung.umfrage@example.org", Roles.Admin);
        await staff.GotoAsync("/mitglied/umfrage", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var train = await staff.GetByRole(AriaRole.Table, new() { Name = "Auswertung" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Bahn" }).InnerTextAsync();
        train.ShouldBe("Bahn\t1\t12,5\t4");
        (await staff.ContentAsync()).ShouldNotContain("ruhigen Raum");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
    }

    [Fact]
    public async Task Staff_start_and_convert_a_trial_and_a_company_pays_its_employees_plan_on_the_person_page()
    {
        using var admin = app.AdminClient();
        var operators = await OrganisationAsync(admin, "Coworking Landmitte eG");
        var (trialist, etag) = await Membership.PeopleApiTests.RegisterAsync(admin, "Nora Probe", "nora.probe@example.org");
        await Membership.PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{trialist.Id}/organisations",
            new { organisationId = operators, role = "member" }, etag);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTime.UtcNow, "Europe/Berlin"));
        string Day(DateOnly d) => d.ToString("dd.MM.yyyy", System.Globalization.CultureInfo.InvariantCulture);

        var staff = await app.SignedInAsync("verwaltung.probezeit@example.org", Roles.Admin, phone: true);
        await staff.GotoAsync($"/verwaltung/personen/{trialist.Id}", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        await staff.GetByLabel("Als").SelectOptionAsync(new SelectOptionValue { Label = "Freiberuflich" });
        await staff.GetByLabel("Auf Rechnung von").SelectOptionAsync(new SelectOptionValue { Label = "Coworking Landmitte eG" });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Probezeit beginnen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.List, new() { Name = "Probezeit" }).InnerTextAsync())
            .ShouldBe($"Freiberuflich über Coworking Landmitte eG, {Day(today)} bis {Day(today.AddDays(60))}: läuft");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ShouldFitTheWidthAsync(staff);
        await staff.GetByRole(AriaRole.Button, new() { Name = "In Tarif umwandeln" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.List, new() { Name = "Probezeit" }).InnerTextAsync())
            .ShouldBe($"Freiberuflich über Coworking Landmitte eG, {Day(today)} bis {Day(today.AddDays(60))}: in einen Tarif umgewandelt");
        (await staff.GetByRole(AriaRole.List, new() { Name = "Tarife" }).InnerTextAsync())
            .ShouldBe($"Zivilgesellschaft (frei) über Coworking Landmitte eG, ab {Day(today.AddDays(61))}");
        (await staff.GetByRole(AriaRole.Button, new() { Name = "Probezeit beenden" }).CountAsync()).ShouldBe(0);

        // A company pays its employee's plan; an association cannot (Membership says so).
        var (employee, _) = await Membership.PeopleApiTests.RegisterAsync(admin, "Ole Angestellt", "ole.angestellt@example.org");
        await staff.GotoAsync($"/verwaltung/personen/{employee.Id}", BrowserApp.DocumentOnly);
        await staff.GetByLabel("Unternehmen, das zahlt").SelectOptionAsync(new SelectOptionValue { Label = "Coworking Landmitte eG" });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Über das Unternehmen zuweisen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync())
            .ShouldBe("Über das Unternehmen zuweisen ging nicht: Nur ein Unternehmen zahlt die Tarife seiner Beschäftigten.");
        await staff.GetByLabel("Unternehmen, das zahlt").SelectOptionAsync(new SelectOptionValue { Label = "Landtechnik Sommer GmbH" });
        await staff.GetByLabel("Tarif des Unternehmens").SelectOptionAsync(new SelectOptionValue { Label = "Flexibler Arbeitsplatz" });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Über das Unternehmen zuweisen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.List, new() { Name = "Tarife" }).InnerTextAsync())
            .ShouldBe($"Flexibler Arbeitsplatz über Landtechnik Sommer GmbH, ab {Day(today)}");
        (await staff.GetByRole(AriaRole.List, new() { Name = "Handelt für" }).InnerTextAsync()).ShouldContain("Landtechnik Sommer GmbH");
    }

    private static async Task<Guid> OrganisationAsync(HttpClient admin, string name) =>
        (await admin.GetFromJsonAsync<JsonElement>("/api/organisations?limit=500")).GetProperty("items").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();

    /// <summary>The day the demo paid the prize (its today, Berlin), as the page writes it.</summary>
    private async Task<string> PaidOnAsync(Guid funder)
    {
        using var admin = app.AdminClient();
        var grant = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants?limit=500")).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("funderId").GetGuid() == funder).GetProperty("id").GetGuid();
        var paid = (await admin.GetFromJsonAsync<JsonElement>($"/api/funding/grants/{grant}/purpose-payments")).GetProperty("items").EnumerateArray().Single();
        return DateOnly.Parse(paid.GetProperty("paidOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            .ToString("dd.MM.yyyy", System.Globalization.CultureInfo.InvariantCulture);
    }
}
