using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// Staff change what exists, on a 375 px phone: a site's floors, a space's details and retiring it, a
/// grant's budget, term and closing, an organisation resting, back and ended. Every change goes through
/// the module's API at the version the page showed; its refusals (a rule, or a change made meanwhile)
/// are shown in German; members are refused these pages by the server.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffChangesTests(BrowserApp app)
{
    [Fact]
    public async Task Staff_add_and_rename_floors_change_a_spaces_details_and_retire_it()
    {
        Guid siteId, spaceId;
        using (var admin = app.AdminClient())
        {
            siteId = (await CreateAsync(admin, "/api/sites", new { name = "Etagenhaus Test", address = new { street = "Hofweg 3", postalCode = "12345", city = "Musterstadt" } }))
                .GetProperty("id").GetGuid();
            spaceId = (await CreateAsync(admin, "/api/spaces", new
            {
                siteId, name = "Probenraum", kind = "room", capacity = 10, rates = new { hourlyRateCents = 1000L, monthlyDeskFeeCents = 0L },
            })).GetProperty("id").GetGuid();
        }
        var staff = await app.SignedInAsync("verwaltung.etagen@example.org", Roles.Admin, phone: true);

        await staff.GotoAsync($"/verwaltung/standort/{siteId}", BrowserApp.DocumentOnly);
        var floors = staff.GetByRole(AriaRole.Form, new() { Name = "Etagen" });
        await floors.GetByLabel("Neue Etage").FillAsync("Erdgeschoss");
        await floors.GetByRole(AriaRole.Button, new() { Name = "Etagen speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Etagen sind gespeichert.");
        await floors.GetByLabel("Neue Etage").FillAsync("1. Obergeschoss");
        await floors.GetByLabel("Etage umbenennen: Erdgeschoss").FillAsync("EG");
        await floors.GetByRole(AriaRole.Button, new() { Name = "Etagen speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Etagen sind gespeichert.");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ShouldFitTheWidthAsync(staff);
        Guid upstairs;
        using (var admin = app.AdminClient())
        {
            var site = await admin.GetFromJsonAsync<JsonElement>($"/api/sites/{siteId}");
            site.GetProperty("floors").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ShouldBe(["EG", "1. Obergeschoss"]);
            upstairs = site.GetProperty("floors")[1].GetProperty("id").GetGuid();
        }

        await staff.GotoAsync($"/verwaltung/raum/{spaceId}", BrowserApp.DocumentOnly);
        var details = staff.GetByRole(AriaRole.Form, new() { Name = "Angaben" });
        await details.GetByLabel("Personen höchstens").FillAsync("zwölf");
        await details.GetByRole(AriaRole.Button, new() { Name = "Angaben speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Personen höchstens: bitte eine ganze Zahl.");
        await details.GetByLabel("Name").FillAsync("Probenraum Süd");
        await details.GetByLabel("Personen höchstens").FillAsync("14");
        await details.GetByLabel("Etage").SelectOptionAsync(new SelectOptionValue { Label = "1. Obergeschoss" });
        await details.GetByLabel("Aufzug").CheckAsync();
        await details.GetByLabel("Ausstattung").FillAsync("Beamer, Flipchart");
        await details.GetByRole(AriaRole.Button, new() { Name = "Angaben speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Angaben sind gespeichert.");
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Probenraum Süd");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ShouldFitTheWidthAsync(staff);
        using (var admin = app.AdminClient())
        {
            var space = await admin.GetFromJsonAsync<JsonElement>($"/api/spaces/{spaceId}");
            (space.GetProperty("name").GetString(), space.GetProperty("kind").GetString(), space.GetProperty("capacity").GetInt32(), space.GetProperty("floorId").GetGuid(),
                space.GetProperty("accessibility").GetRawText(), space.GetProperty("equipment").GetRawText(), space.GetProperty("retired").GetBoolean())
                .ShouldBe(("Probenraum Süd", "room", 14, upstairs, """["lift"]""", """["Beamer","Flipchart"]""", false));

            // Someone else changes the space meanwhile: the page's version is stale, and it says so in German.
            using var read = await admin.GetAsync($"/api/spaces/{spaceId}");
            using var rules = new HttpRequestMessage(HttpMethod.Put, $"/api/spaces/{spaceId}/rules")
            {
                Content = JsonContent.Create(new { leadTimeMinutes = 60, approvalRequired = false }),
            };
            rules.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag!.ToString());
            (await admin.SendAsync(rules)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var retire = staff.GetByRole(AriaRole.Form, new() { Name = "Stilllegen" });
        await retire.GetByLabel("Grund").FillAsync("Wasserschaden");
        await retire.GetByLabel("Ja, Probenraum Süd stilllegen und seine künftigen Buchungen stornieren").CheckAsync();
        await retire.GetByRole(AriaRole.Button, new() { Name = "Raum stilllegen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe($"Nicht stillgelegt: {ChangedMeanwhile}");
        await retire.GetByLabel("Grund").FillAsync("Wasserschaden");
        await retire.GetByLabel("Ja, Probenraum Süd stilllegen und seine künftigen Buchungen stornieren").CheckAsync();
        await retire.GetByRole(AriaRole.Button, new() { Name = "Raum stilllegen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Probenraum Süd ist stillgelegt.");
        (await staff.Locator("main p").Filter(new() { HasText = "stillgelegt seit" }).InnerTextAsync())
            .ShouldBe($"Dieser Raum ist stillgelegt seit {BerlinToday():dd.MM.yyyy} (Wasserschaden). Er nimmt keine Buchungen und keine Änderungen mehr an.");
        (await staff.Locator("main form").CountAsync()).ShouldBe(0); // nothing left to change
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        using (var admin = app.AdminClient())
        {
            var space = await admin.GetFromJsonAsync<JsonElement>($"/api/spaces/{spaceId}");
            (space.GetProperty("retired").GetBoolean(), space.GetProperty("retirementReason").GetString(), space.GetProperty("bookable").GetBoolean())
                .ShouldBe((true, "Wasserschaden", false));
        }

        var member = await app.SignedInAsync("mira.etagen@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync($"/verwaltung/raum/{spaceId}", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Probenraum Süd");
    }

    [Fact]
    public async Task Staff_raise_a_grants_budget_extend_it_and_close_it_and_are_told_when_an_extension_is_none()
    {
        var year = DateTime.UtcNow.Year;
        Guid grantId;
        using (var admin = app.AdminClient())
        {
            var funder = (await CreateAsync(admin, "/api/funding/funders", new { name = "Stadtteilfonds Laufzeit", kind = "foundation", contact = new { office = "Vorstand" }, reportingPeriod = "yearly" }))
                .GetProperty("id").GetGuid();
            grantId = (await CreateAsync(admin, "/api/funding/grants", new
            {
                funderId = funder, name = "Laufzeit Testweg", reference = "SF-12", budgetCents = 100_000L, startsOn = $"{year}-01-01", endsOn = $"{year}-12-31",
                coverage = new { costTypes = new[] { "room-hours" } }, shareBasisPoints = 10_000, priority = 5,
            })).GetProperty("id").GetGuid();
        }
        var staff = await app.SignedInAsync("verwaltung.laufzeit@example.org", Roles.Admin, phone: true);
        await staff.GotoAsync("/verwaltung/foerderer", BrowserApp.DocumentOnly);
        await staff.GetByRole(AriaRole.Link, new() { Name = "Verlängern, abschließen: Laufzeit Testweg" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Laufzeit Testweg");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ShouldFitTheWidthAsync(staff);
        // A second tab of the same session shows the grant as it is now; it will be stale after the changes below.
        var stale = await staff.Context.NewPageAsync();
        await stale.GotoAsync(staff.Url, BrowserApp.DocumentOnly);

        var extend = staff.GetByRole(AriaRole.Form, new() { Name = "Verlängern" });
        await extend.GetByLabel("Neuer letzter Tag").FillAsync($"30.06.{year}");
        await extend.GetByLabel("Anlass").FillAsync("Nachbewilligung");
        await extend.GetByRole(AriaRole.Button, new() { Name = "Verlängern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Nicht verlängert: Eine Verlängerung muss später enden als die Förderung bisher.");
        await extend.GetByLabel("Neuer letzter Tag").FillAsync($"30.06.{year + 1}");
        await extend.GetByLabel("Anlass").FillAsync("Nachbewilligung");
        await extend.GetByRole(AriaRole.Button, new() { Name = "Verlängern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"Die Förderung läuft jetzt bis 30.06.{year + 1}.");

        var budget = staff.GetByRole(AriaRole.Form, new() { Name = "Budget erhöhen" });
        await budget.GetByLabel("Betrag in €").FillAsync("250,00");
        await budget.GetByLabel("Anlass").FillAsync("Mehr Gruppen");
        await budget.GetByRole(AriaRole.Button, new() { Name = "Budget erhöhen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Das Budget ist erhöht.");
        await BrowserApp.ScreenshotAsync(staff, "foerderung-aendern");
        (await staff.Locator("main dl").InnerTextAsync()).ShouldBe(
            $"Laufzeit\n01.01.{year} bis 30.06.{year + 1}\nBudget\n1.250,00 €\nVerbraucht\n0,00 €\nVerfügbar\n1.250,00 €\nStand\nläuft");

        var close = staff.GetByRole(AriaRole.Form, new() { Name = "Abschließen" });
        await close.GetByLabel("Grund").FillAsync("Programm beendet");
        await close.GetByLabel("Ja, Laufzeit Testweg abschließen: keine neuen Kosten mehr").CheckAsync();
        await close.GetByRole(AriaRole.Button, new() { Name = "Förderung abschließen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Förderung ist abgeschlossen: Sie bezahlt keine neuen Kosten mehr.");
        (await staff.GetByRole(AriaRole.Button, new() { Name = "Verlängern" }).CountAsync()).ShouldBe(0);
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        // The stale tab's version is three changes old: refused, in German, and the page shows the grant as it is now.
        var late = stale.GetByRole(AriaRole.Form, new() { Name = "Verlängern" });
        await late.GetByLabel("Neuer letzter Tag").FillAsync($"31.12.{year + 1}");
        await late.GetByLabel("Anlass").FillAsync("Noch einmal");
        await late.GetByRole(AriaRole.Button, new() { Name = "Verlängern" }).ClickAsync();
        (await stale.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe($"Nicht verlängert: {ChangedMeanwhile}");
        (await stale.Locator("main dl dd").Last.InnerTextAsync()).ShouldBe("abgeschlossen");
        await stale.CloseAsync();

        using (var admin = app.AdminClient())
        {
            var grant = await admin.GetFromJsonAsync<JsonElement>($"/api/funding/grants/{grantId}");
            (grant.GetProperty("endsOn").GetString(), grant.GetProperty("budgetCents").GetInt64(), grant.GetProperty("status").GetString())
                .ShouldBe(($"{year + 1}-06-30", 125_000L, "closed"));
        }
        var member = await app.SignedInAsync("mira.laufzeit@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync($"/verwaltung/foerderung/{grantId}", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Laufzeit Testweg");
    }

    [Fact]
    public async Task Staff_let_an_organisation_rest_take_it_back_and_end_it_after_ticking_the_box()
    {
        Guid organisationId;
        using (var admin = app.AdminClient())
        {
            using var registered = await admin.PostAsJsonAsync("/api/organisations", new { name = "Nachbarschaftschor Test", kind = "association", nonProfit = true });
            registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
            organisationId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            using var activate = new HttpRequestMessage(HttpMethod.Post, $"/api/organisations/{organisationId}/activate");
            activate.Headers.TryAddWithoutValidation("If-Match", registered.Headers.ETag!.ToString());
            (await admin.SendAsync(activate)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var staff = await app.SignedInAsync("verwaltung.chor@example.org", Roles.Admin, phone: true);
        await staff.GotoAsync("/verwaltung/organisationen", BrowserApp.DocumentOnly);
        await staff.GetByRole(AriaRole.Link, new() { Name = "Ruhen lassen, beenden: Nachbarschaftschor Test" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Nachbarschaftschor Test");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ShouldFitTheWidthAsync(staff);

        var rest = staff.GetByRole(AriaRole.Form, new() { Name = "Ruhen lassen" });
        await rest.GetByLabel("Grund").FillAsync("Beitrag offen");
        await rest.GetByRole(AriaRole.Button, new() { Name = "Ruhen lassen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Nachbarschaftschor Test ruht jetzt und kann nicht buchen.");
        (await staff.Locator("main p").Filter(new() { HasText = "Mitgliedschaft:" }).InnerTextAsync()).ShouldBe("Mitgliedschaft: ruht (Beitrag offen)");
        await BrowserApp.ScreenshotAsync(staff, "organisation-verwalten");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Wieder aufnehmen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Nachbarschaftschor Test ist wieder aktiv und kann buchen.");

        // Without the ticked box the server refuses too (the browser's own check taken away, as a script could).
        var end = staff.GetByRole(AriaRole.Form, new() { Name = "Mitgliedschaft beenden" });
        await end.GetByLabel("Grund").FillAsync("Aufgelöst");
        await end.GetByLabel("Ja, die Mitgliedschaft von Nachbarschaftschor Test endgültig beenden").EvaluateAsync("box => box.removeAttribute('required')");
        await end.GetByRole(AriaRole.Button, new() { Name = "Mitgliedschaft beenden" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Beenden: bitte bestätigen, dass die Mitgliedschaft endgültig endet.");
        using (var admin = app.AdminClient())
            (await admin.GetFromJsonAsync<JsonElement>($"/api/organisations/{organisationId}")).GetProperty("status").GetString().ShouldBe("active");
        await end.GetByLabel("Grund").FillAsync("Aufgelöst");
        await end.GetByLabel("Ja, die Mitgliedschaft von Nachbarschaftschor Test endgültig beenden").CheckAsync();
        await end.GetByRole(AriaRole.Button, new() { Name = "Mitgliedschaft beenden" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Mitgliedschaft von Nachbarschaftschor Test ist beendet.");
        (await staff.Locator("main form").CountAsync()).ShouldBe(0);
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        using (var admin = app.AdminClient())
        {
            var organisation = await admin.GetFromJsonAsync<JsonElement>($"/api/organisations/{organisationId}");
            (organisation.GetProperty("status").GetString(), organisation.GetProperty("statusReason").GetString()).ShouldBe(("ended", "Aufgelöst"));
        }

        var member = await app.SignedInAsync("mira.chor@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync($"/verwaltung/organisation/{organisationId}", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Aufgelöst");
    }

    [Fact]
    public async Task Staff_change_an_organisations_details_on_its_page_at_the_version_shown()
    {
        Guid organisationId;
        using (var admin = app.AdminClient())
        {
            using var registered = await admin.PostAsJsonAsync("/api/organisations", new
            {
                name = "Stadtteilgarten Test", kind = "initiative", nonProfit = false,
                address = new { street = "Gartenweg 1", postalCode = "12345", city = "Musterstadt" },
            });
            registered.StatusCode.ShouldBe(HttpStatusCode.Created, await registered.Content.ReadAsStringAsync());
            organisationId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        }
        var staff = await app.SignedInAsync("verwaltung.garten@example.org", Roles.Admin, phone: true);
        await staff.GotoAsync($"/verwaltung/organisation/{organisationId}", BrowserApp.DocumentOnly);
        var details = staff.GetByRole(AriaRole.Form, new() { Name = "Angaben ändern" });
        (await details.GetByLabel("Name").InputValueAsync(), await details.GetByLabel("Art").InputValueAsync(),
            await details.GetByLabel("gemeinnützig").IsCheckedAsync(), await details.GetByLabel("Straße und Hausnummer").InputValueAsync(),
            await details.GetByLabel("Postleitzahl").InputValueAsync(), await details.GetByLabel("Ort").InputValueAsync(),
            await details.GetByLabel("E-Mail").InputValueAsync(), await details.GetByLabel("Telefon").InputValueAsync())
            .ShouldBe(("Stadtteilgarten Test", "initiative", false, "Gartenweg 1", "12345", "Musterstadt", "", ""));

        // Half an address: the API's 400 names the missing part, and nothing changes.
        await details.GetByLabel("Postleitzahl").FillAsync("");
        await details.GetByRole(AriaRole.Button, new() { Name = "Angaben speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Angaben nicht gespeichert: Invalid: address.postalCode. 'Address Postal Code' must not be empty.");

        await details.GetByLabel("Name").FillAsync("Stadtteilgarten Lindenhof");
        await details.GetByLabel("Art").SelectOptionAsync(new SelectOptionValue { Label = "Verein" });
        await details.GetByLabel("gemeinnützig").CheckAsync();
        await details.GetByLabel("Postleitzahl").FillAsync("12347");
        await details.GetByLabel("E-Mail").FillAsync("garten@example.org");
        await details.GetByRole(AriaRole.Button, new() { Name = "Angaben speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Angaben sind gespeichert.");
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Stadtteilgarten Lindenhof");
        (await staff.Locator("main p.muted").First.InnerTextAsync()).ShouldStartWith("Verein, gemeinnützig");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ShouldFitTheWidthAsync(staff);
        using (var admin = app.AdminClient())
        {
            var organisation = await admin.GetFromJsonAsync<JsonElement>($"/api/organisations/{organisationId}");
            (organisation.GetProperty("name").GetString(), organisation.GetProperty("kind").GetString(), organisation.GetProperty("nonProfit").GetBoolean(),
                organisation.GetProperty("address").GetRawText(), organisation.GetProperty("contact").GetRawText())
                .ShouldBe(("Stadtteilgarten Lindenhof", "association", true, """{"street":"Gartenweg 1","postalCode":"12347","city":"Musterstadt"}""",
                    """{"email":"garten@example.org","phone":null}"""));

            // Someone else changes it meanwhile: the page's version is stale, and it says so in German.
            using var read = await admin.GetAsync($"/api/organisations/{organisationId}");
            using var change = new HttpRequestMessage(HttpMethod.Put, $"/api/organisations/{organisationId}")
            {
                Content = JsonContent.Create(new { name = "Stadtteilgarten Lindenhof", kind = "association", nonProfit = false }),
            };
            change.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag!.ToString());
            (await admin.SendAsync(change)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        await details.GetByLabel("Telefon").FillAsync("030 1234567");
        await details.GetByRole(AriaRole.Button, new() { Name = "Angaben speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe($"Angaben nicht gespeichert: {ChangedMeanwhile}");
        (await details.GetByLabel("gemeinnützig").IsCheckedAsync(), await details.GetByLabel("Straße und Hausnummer").InputValueAsync())
            .ShouldBe((false, "")); // the page shows the new state

        var member = await app.SignedInAsync("mira.garten@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync($"/verwaltung/organisation/{organisationId}", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Gartenweg");
    }

    private const string ChangedMeanwhile = "Inzwischen hat jemand anderes hier etwas geändert: Die Seite zeigt jetzt den neuen Stand, bitte noch einmal versuchen.";

    private static DateOnly BerlinToday() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).DateTime);

    private static async Task<JsonElement> CreateAsync(HttpClient admin, string path, object body)
    {
        using var response = await admin.PostAsJsonAsync(path, body);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, $"{path}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
