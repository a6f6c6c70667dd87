using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// Staff manage sites and spaces (opening hours, closures, the period used, rates, rules) and funders and
/// grants (budgets and their warnings) through the pages; each change goes through the modules' API, whose
/// refusals the pages show in words. Members and funders are refused these pages by the server.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffHouseTests(BrowserApp app)
{
    [Fact]
    public async Task Staff_register_a_site_set_its_hours_and_closures_open_a_room_and_change_its_rates_and_rules()
    {
        var staff = await app.SignedInAsync("verwaltung.standorte@example.org", Roles.Admin);
        await staff.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Standorte" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Table).InnerTextAsync()).ShouldContain("Genossenschaftshaus Kreativquartier");
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        var register = staff.GetByRole(AriaRole.Form, new() { Name = "Standort anlegen" });
        await register.GetByLabel("Name").FillAsync("Stadtteilladen Testweg");
        await register.GetByLabel("Straße und Hausnummer").FillAsync("Testweg 7");
        await register.GetByLabel("Postleitzahl").FillAsync("12345");
        await register.GetByLabel("Ort").FillAsync("Musterstadt");
        await register.GetByRole(AriaRole.Button, new() { Name = "Standort anlegen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Stadtteilladen Testweg ist angelegt. Tragen Sie Öffnungszeiten und Räume ein.");
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Stadtteilladen Testweg");
        var siteId = Guid.Parse(staff.Url.Split('/')[^1].Split('?')[0]);

        // Opening hours in German notation; what the page cannot read is named by day, what the API refuses in its words.
        var hours = staff.GetByRole(AriaRole.Form, new() { Name = "Öffnungszeiten" });
        await hours.GetByLabel("Mittwoch").FillAsync("9 bis 5");
        await hours.GetByRole(AriaRole.Button, new() { Name = "Öffnungszeiten speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldStartWith("Öffnungszeiten für Mittwoch nicht lesbar");
        await hours.GetByLabel("Mittwoch").FillAsync("09:00–13:00, 12:00–14:00");
        await hours.GetByRole(AriaRole.Button, new() { Name = "Öffnungszeiten speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldStartWith("Öffnungszeiten nicht gespeichert: ");
        await hours.GetByLabel("Montag").FillAsync("09:00–13:00, 14:00–18:00");
        await hours.GetByLabel("Mittwoch").FillAsync("10:00-24:00");
        await hours.GetByRole(AriaRole.Button, new() { Name = "Öffnungszeiten speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Öffnungszeiten sind gespeichert.");
        (await hours.GetByLabel("Montag").InputValueAsync()).ShouldBe("09:00–13:00, 14:00–18:00");
        (await hours.GetByLabel("Dienstag").InputValueAsync()).ShouldBe("");

        // Closures as German days, listed and withdrawn again.
        var year = DateTime.UtcNow.Year + 1;
        var close = staff.GetByRole(AriaRole.Form, new() { Name = "Schließtage eintragen" });
        await close.GetByLabel("Erster Tag").FillAsync($"24.12.{year}");
        await close.GetByLabel("Letzter Tag").FillAsync($"26.12.{year}");
        await close.GetByLabel("Grund").FillAsync("Weihnachten");
        await close.GetByRole(AriaRole.Button, new() { Name = "Schließtage eintragen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Schließtage sind eingetragen.");
        (await staff.GetByRole(AriaRole.Table, new() { Name = "Schließtage" }).Locator("tbody tr").AllInnerTextsAsync())
            .ShouldBe([$"24.12.{year} bis 26.12.{year}\tWeihnachten\tAufheben"]);
        var lease = staff.GetByRole(AriaRole.Form, new() { Name = "Nutzungszeitraum" });
        await lease.GetByLabel("Genutzt bis").FillAsync($"31.07.{year + 1}");
        await lease.GetByRole(AriaRole.Button, new() { Name = "Zeitraum speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Nutzungszeitraum ist gespeichert.");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "standort");

        using (var admin = app.AdminClient())
        {
            var site = await admin.GetFromJsonAsync<JsonElement>($"/api/sites/{siteId}");
            site.GetProperty("openingHours").EnumerateArray().Select(h => $"{h.GetProperty("day")} {h.GetProperty("opens")}-{h.GetProperty("closes")}")
                .ShouldBe(["monday 09:00-13:00", "monday 14:00-18:00", "wednesday 10:00-24:00"]);
            site.GetProperty("closures").EnumerateArray().Select(c => (c.GetProperty("firstDay").GetString(), c.GetProperty("lastDay").GetString(), c.GetProperty("reason").GetString()))
                .ShouldBe([($"{year}-12-24", $"{year}-12-26", "Weihnachten")]);
            site.GetProperty("lease").GetRawText().ShouldBe($$"""{"from":null,"until":"{{year + 1}}-07-31"}""");
        }
        await staff.GetByRole(AriaRole.Button, new() { Name = $"Aufheben: 24.12.{year} bis 26.12.{year}, Weihnachten" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Schließtage sind aufgehoben.");
        (await staff.GetByRole(AriaRole.Table, new() { Name = "Schließtage" }).CountAsync()).ShouldBe(0);

        // A room, its rates (never for the past) and its rules.
        var open = staff.GetByRole(AriaRole.Form, new() { Name = "Raum anlegen" });
        await open.GetByLabel("Name").FillAsync("Werkraum");
        await open.GetByLabel("Art").SelectOptionAsync("room");
        await open.GetByLabel("Personen höchstens").FillAsync("12");
        await open.GetByLabel("Stundensatz in €").FillAsync("15,00");
        await open.GetByRole(AriaRole.Button, new() { Name = "Raum anlegen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Werkraum ist angelegt.");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).DateTime);
        (await staff.GetByRole(AriaRole.Table, new() { Name = "Preise" }).Locator("tbody tr").AllInnerTextsAsync())
            .ShouldBe([$"{today:dd.MM.yyyy}\t15,00 €\t0,00 €"]);

        var rates = staff.GetByRole(AriaRole.Form, new() { Name = "Neue Preise" });
        await rates.GetByLabel("Stundensatz in €").FillAsync("18,50");
        await rates.GetByLabel("Gilt ab").FillAsync(today.AddDays(-1).ToString("dd.MM.yyyy"));
        await rates.GetByRole(AriaRole.Button, new() { Name = "Preise speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Preise nicht gespeichert: Preise ändern sich nie rückwirkend; bitte heute oder später.");
        await rates.GetByLabel("Stundensatz in €").FillAsync("18,50");
        await rates.GetByLabel("Gilt ab").FillAsync(today.AddDays(30).ToString("dd.MM.yyyy"));
        await rates.GetByRole(AriaRole.Button, new() { Name = "Preise speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Preise sind gespeichert.");
        (await staff.GetByRole(AriaRole.Table, new() { Name = "Preise" }).Locator("tbody tr").AllInnerTextsAsync())
            .ShouldBe([$"{today:dd.MM.yyyy}\t15,00 €\t0,00 €", $"{today.AddDays(30):dd.MM.yyyy}\t18,50 €\t0,00 €"]);

        var rules = staff.GetByRole(AriaRole.Form, new() { Name = "Buchungsregeln" });
        await rules.GetByLabel("Mindestdauer in Minuten").FillAsync("60");
        await rules.GetByLabel("Buchungen brauchen eine Freigabe der Raumverwaltung").CheckAsync();
        // Every kind ticked is what "anyone" reads back as; only associations from now on.
        foreach (var kind in new[] { "Initiative", "Verein", "Sozialunternehmen", "Genossenschaft", "Unternehmen", "Öffentliche Einrichtung" })
        {
            (await rules.GetByLabel(kind, new() { Exact = true }).IsCheckedAsync()).ShouldBeTrue(kind);
            await rules.GetByLabel(kind, new() { Exact = true }).SetCheckedAsync(kind == "Verein");
        }
        await rules.GetByRole(AriaRole.Button, new() { Name = "Regeln speichern" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Buchungsregeln sind gespeichert.");
        (await rules.GetByLabel("Buchungen brauchen eine Freigabe der Raumverwaltung").IsCheckedAsync()).ShouldBeTrue();
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "raum");
        var spaceUrl = staff.Url;
        using (var admin = app.AdminClient())
        {
            var space = await admin.GetFromJsonAsync<JsonElement>($"/api/spaces/{Guid.Parse(spaceUrl.Split('/')[^1].Split('?')[0])}");
            space.GetProperty("rules").GetRawText().ShouldBe("""{"minDurationMinutes":60,"maxDurationMinutes":null,"leadTimeMinutes":0,"approvalRequired":true,"organisationKinds":["association"]}""");
            space.GetProperty("siteId").GetGuid().ShouldBe(siteId);
        }

        // A member is refused staff's pages by the server.
        var member = await app.SignedInAsync("mira.standorte@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        foreach (var url in new[] { "/verwaltung/standorte", $"/verwaltung/standort/{siteId}", spaceUrl })
        {
            (await member.GotoAsync(url, BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
            (await member.ContentAsync()).ShouldNotContain("Stadtteilladen Testweg");
        }
    }

    [Fact]
    public async Task Staff_register_a_funder_award_a_grant_raise_its_budget_and_see_the_sponsors_budget_warning()
    {
        var staff = await app.SignedInAsync("verwaltung.foerderer@example.org", Roles.Admin);
        await staff.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Förderer" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);

        // The sponsor's prize money used the whole budget: Funding's warning shows beside it.
        await Eventually.ReachedAsync(async () =>
        {
            await staff.ReloadAsync();
            return (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Preis des Fotowettbewerbs" }).InnerTextAsync()).Contains("100 % des Budgets erreicht", StringComparison.Ordinal);
        }, "the sponsor's grant warns at 100 %");

        var funder = staff.GetByRole(AriaRole.Form, new() { Name = "Förderer eintragen" });
        await funder.GetByLabel("Name").FillAsync("Quartiersfonds Test");
        await funder.GetByLabel("Art").SelectOptionAsync("foundation");
        await funder.GetByRole(AriaRole.Button, new() { Name = "Förderer eintragen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Förderer ist eingetragen.");

        var grant = staff.GetByRole(AriaRole.Form, new() { Name = "Förderung eintragen" });
        var year = DateTime.UtcNow.Year;
        await grant.GetByLabel("Förderer").SelectOptionAsync(new SelectOptionValue { Label = "Quartiersfonds Test" });
        await grant.GetByLabel("Name der Förderung").FillAsync("Nachbarschaftsräume Testweg");
        await grant.GetByLabel("Aktenzeichen").FillAsync("QF-7");
        await grant.GetByLabel("Budget in €").FillAsync("1.000,00");
        await grant.GetByLabel("Erster Tag").FillAsync($"01.01.{year}");
        await grant.GetByLabel("Letzter Tag").FillAsync($"31.12.{year}");
        // Nothing it pays for: Funding refuses, and the page says which field.
        await grant.GetByRole(AriaRole.Button, new() { Name = "Förderung eintragen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldStartWith("Förderung nicht eingetragen: ");
        await grant.GetByLabel("Förderer").SelectOptionAsync(new SelectOptionValue { Label = "Quartiersfonds Test" });
        await grant.GetByLabel("Name der Förderung").FillAsync("Nachbarschaftsräume Testweg");
        await grant.GetByLabel("Aktenzeichen").FillAsync("QF-7");
        await grant.GetByLabel("Budget in €").FillAsync("1.000,00");
        await grant.GetByLabel("Erster Tag").FillAsync($"01.01.{year}");
        await grant.GetByLabel("Letzter Tag").FillAsync($"31.12.{year}");
        await grant.GetByLabel("Raumstunden").CheckAsync();
        await grant.GetByRole(AriaRole.Button, new() { Name = "Förderung eintragen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Förderung ist eingetragen.");
        var row = staff.GetByRole(AriaRole.Table, new() { Name = "Förderungen von Quartiersfonds Test" }).Locator("tbody tr");
        (await row.Locator("td").AllInnerTextsAsync()).Take(6).ShouldBe(
            ["Nachbarschaftsräume Testweg\nQF-7\nVerlängern, abschließen", $"01.01.{year} bis 31.12.{year}", "1.000,00 €", "0,00 €", "1.000,00 €", "–"]);
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        var increase = staff.GetByRole(AriaRole.Form, new() { Name = "Budget erhöhen: Nachbarschaftsräume Testweg" });
        await increase.GetByLabel("Betrag in €").FillAsync("500,00");
        await increase.GetByLabel("Anlass").FillAsync("Nachbewilligung");
        await increase.GetByRole(AriaRole.Button, new() { Name = "Erhöhen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Das Budget ist erhöht.");
        (await row.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("1.500,00 €");
        await BrowserApp.ScreenshotAsync(staff, "foerderer");

        // A funder is refused staff's page by the server.
        var city = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var stranger = await app.SignedInAsync("foerderung.foerderer@example.org", Roles.Funder, funderId: city);
        (await stranger.GotoAsync("/verwaltung/foerderer", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await stranger.ContentAsync()).ShouldNotContain("Quartiersfonds Test");
    }
}
