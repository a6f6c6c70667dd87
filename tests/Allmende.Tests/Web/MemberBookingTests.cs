using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>A member finds a free room, books it for their organisation, sees it in their list and cancels it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class MemberBookingTests(BrowserApp app)
{
    /// <summary>A Thursday five weeks on: past the demo's weekly bookings' pattern of the first weeks and inside the opening hours.</summary>
    private static DateOnly Day(int weeks) =>
        DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(7 * weeks + ((int)DayOfWeek.Thursday - (int)DateTime.UtcNow.DayOfWeek + 7) % 7);

    [Fact]
    public async Task A_member_finds_a_free_room_books_it_for_their_organisation_sees_it_and_cancels_it()
    {
        var mira = await app.PersonIdAsync("Mira Beispiel");
        var page = await app.SignedInAsync("mira.buchen@example.org", Roles.Member, personId: mira, phone: true);
        await MemberSeesTheirOrganisationAsync(page);
        var day = Day(5);

        await page.GotoAsync("/mitglied/buchen", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await page.GetByLabel("Standort").SelectOptionAsync(new SelectOptionValue { Label = "Quartierszentrum am Markt" });
        await page.GetByLabel("Datum").FillAsync(day.ToString("dd.MM.yyyy"));
        await page.GetByLabel("Beginn").FillAsync("14:00");
        await page.GetByLabel("Dauer").SelectOptionAsync("120");
        await page.GetByLabel("Personen").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Freie Räume suchen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);
        // Rooms for 12 or more: the association room (15) and the hall (150, approval); not the meeting rooms for 10 and 8.
        var offered = await page.Locator("main").GetByRole(AriaRole.Link).Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("buchen$") }).AllInnerTextsAsync();
        offered.ShouldBe(["Vereinsraum buchen", "Veranstaltungssaal mit Bühne buchen"], ignoreOrder: true);
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "raum-suchen");

        await page.GetByRole(AriaRole.Link, new() { Name = "Vereinsraum buchen" }).ClickAsync();
        (await page.Locator("main").InnerTextAsync()).ShouldContain("Vereinsraum, Quartierszentrum am Markt");
        (await page.Locator("main").InnerTextAsync()).ShouldContain($"{day:dd.MM.yyyy}, 14:00–16:00 Uhr");
        (await page.GetByLabel("Für Organisation").Locator("option").AllInnerTextsAsync()).ShouldBe(["Initiative Kiezkiosk"]);
        await page.GetByLabel("Zweck").FillAsync("Beratung für Gründerinnen");
        await page.GetByLabel("Handlungsfeld").SelectOptionAsync("local-economy");
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "buchung-anlegen");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verbindlich buchen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);

        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain("Die Buchung ist bestätigt.");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Beratung für Gründerinnen" });
        (await row.InnerTextAsync()).ShouldContain("Vereinsraum, Quartierszentrum am Markt");
        (await row.InnerTextAsync()).ShouldContain("Initiative Kiezkiosk");
        (await row.InnerTextAsync()).ShouldContain("Lokale Ökonomie, 12 Personen");
        (await row.InnerTextAsync()).ShouldContain("bestätigt");
        await BrowserApp.ShouldBeAccessibleAsync(page);

        // The API holds the same booking, made as the member: the web app wrote through it.
        using var admin = app.AdminClient();
        var bookings = await admin.GetFromJsonAsync<JsonElement>($"/api/bookings?limit=500&from={day:yyyy-MM-dd}T00:00:00Z");
        var booking = bookings.GetProperty("items").EnumerateArray().Single(b => b.GetProperty("purpose").GetString() == "Beratung für Gründerinnen");
        booking.GetProperty("personId").GetGuid().ShouldBe(mira);
        booking.GetProperty("attendees").GetInt32().ShouldBe(12);

        // Cancel it, with a reason.
        await row.GetByLabel("Grund der Stornierung").FillAsync("Termin verlegt");
        await row.GetByRole(AriaRole.Button, new() { Name = "Stornieren" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain("storniert");
        (await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Beratung für Gründerinnen" }).InnerTextAsync()).ShouldContain("storniert");
        await BrowserApp.ScreenshotAsync(page, "meine-buchungen");
    }

    [Fact]
    public async Task A_member_books_with_the_keyboard_alone()
    {
        var mira = await app.PersonIdAsync("Mira Beispiel");
        var page = await app.SignedInAsync("mira.tastatur@example.org", Roles.Member, personId: mira);
        await MemberSeesTheirOrganisationAsync(page);
        var day = Day(6);

        await page.GotoAsync("/mitglied/buchen", BrowserApp.DocumentOnly);
        await Keyboard.TabToAsync(page, "Standort");
        await page.Keyboard.TypeAsync("Quartier"); // a focused select picks the option typed
        await Keyboard.TabToAsync(page, "Datum");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync(day.ToString("dd.MM.yyyy"));
        await Keyboard.TabToAsync(page, "Beginn");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("10:00");
        await Keyboard.TabToAsync(page, "Personen");
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.TypeAsync("6");
        await Keyboard.TabToAsync(page, "Freie Räume suchen");
        await page.Keyboard.PressAsync("Enter");
        await BrowserApp.ArrivedAsync(page, new System.Text.RegularExpressions.Regex("standort="));
        await BrowserApp.ShouldShowNoErrorAsync(page);
        (await page.Locator("h2").First.InnerTextAsync()).ShouldContain($"{day:dd.MM.yyyy}, 10:00–11:00 Uhr");

        await Keyboard.TabToAsync(page, "Arbeitsgruppenraum buchen");
        await page.Keyboard.PressAsync("Enter");
        await BrowserApp.ArrivedAsync(page, new System.Text.RegularExpressions.Regex("/mitglied/buchen/neu"));
        await Keyboard.TabToAsync(page, "Zweck");
        await page.Keyboard.TypeAsync("Arbeitsgruppe Straßenfest");
        await Keyboard.TabToAsync(page, "Handlungsfeld");
        await page.Keyboard.TypeAsync("Stadtteilkultur");
        await Keyboard.TabToAsync(page, "Verbindlich buchen");
        await page.Keyboard.PressAsync("Enter");
        await BrowserApp.ArrivedAsync(page, new System.Text.RegularExpressions.Regex("/mitglied/buchungen"));
        await BrowserApp.ShouldShowNoErrorAsync(page);
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Arbeitsgruppe Straßenfest" });
        (await row.InnerTextAsync()).ShouldContain("Arbeitsgruppenraum, Quartierszentrum am Markt");
        (await row.InnerTextAsync()).ShouldContain("Stadtteilkultur, 6 Personen");
    }

    /// <summary>Membership's "acts for" reaches Access by message: wait for it rather than for a time.</summary>
    internal static async Task MemberSeesTheirOrganisationAsync(IPage page) =>
        await Eventually.ReachedAsync(async () =>
        {
            await page.GotoAsync("/mitglied/buchen/neu?raum=00000000-0000-0000-0000-000000000000&beginn=2030-01-01T10:00:00%2B01:00&dauer=60", BrowserApp.DocumentOnly);
            return await page.GetByLabel("Für Organisation").CountAsync() > 0;
        }, "the member acts for their organisation");
}

/// <summary>Moving through a page as a keyboard user does: Tab until the element named has focus.</summary>
internal static class Keyboard
{
    public static async Task TabToAsync(IPage page, string accessibleName, int maxTabs = 80)
    {
        for (var i = 0; i < maxTabs; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string>("""
                () => {
                  const e = document.activeElement;
                  if (!e) return '';
                  const byLabel = e.labels && e.labels.length ? e.labels[0].innerText : '';
                  return (e.getAttribute('aria-label') || byLabel || e.innerText || '').trim();
                }
                """);
            if (focused.StartsWith(accessibleName, StringComparison.Ordinal))
                return;
        }
        throw new ShouldAssertException($"Tab never reached '{accessibleName}' on {page.Url}");
    }

}

/// <summary>A member reaches their organisation's page; another organisation's is refused by the server, not merely unlinked.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OrganisationPageTests(BrowserApp app)
{
    [Fact]
    public async Task A_member_opens_their_organisations_page_and_is_refused_another_organisations()
    {
        var mira = await app.PersonIdAsync("Mira Beispiel");
        var page = await app.SignedInAsync("mira.organisation@example.org", Roles.Member, personId: mira);
        using var admin = app.AdminClient();
        var organisations = (await admin.GetFromJsonAsync<JsonElement>("/api/organisations?limit=500")).GetProperty("items").EnumerateArray().ToList();
        var own = organisations.Single(o => o.GetProperty("name").GetString() == "Initiative Kiezkiosk").GetProperty("id").GetGuid();
        var other = organisations.First(o => o.GetProperty("name").GetString() != "Initiative Kiezkiosk");

        // Membership's "acts for" reaches Access by message: until then the member's own page is refused too.
        await Eventually.ReachedAsync(async () => (await page.GotoAsync($"/mitglied/organisation/{own}", BrowserApp.DocumentOnly))!.Status == 200, "the member acts for their organisation");
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Initiative Kiezkiosk");
        await BrowserApp.ShouldBeAccessibleAsync(page);

        var refused = await page.GotoAsync($"/mitglied/organisation/{other.GetProperty("id").GetGuid()}", BrowserApp.DocumentOnly);
        refused!.Status.ShouldBe(404);
        (await page.ContentAsync()).ShouldNotContain(other.GetProperty("name").GetString()!);
        await BrowserApp.ShouldBeAccessibleAsync(page);
    }
}
