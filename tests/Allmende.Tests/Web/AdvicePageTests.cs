using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// Appointments with a person in the web app (issue 17; ADR 19), on the demo's kiosk pilot: staff see the advisor's
/// hours and who booked them, book a slot for a newcomer with minimal data and consent, cancel it and offer new hours;
/// a member sees and cancels only their own appointments and books one for themselves; members never reach the staff page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AdvicePageTests(BrowserApp app)
{
    private const string Offer = "Gründungsberatung für Neuangekommene";

    [Fact]
    public async Task Staff_book_and_cancel_for_a_newcomer_and_offer_hours_a_member_books_and_cancels_their_own_and_sees_no_one_elses()
    {
        var staff = await app.SignedInAsync("verwaltung.beratung@example.org", Roles.Admin);
        await staff.GotoAsync("/verwaltung/beratung", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var offered = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = Offer });
        (await offered.InnerTextAsync()).ShouldContain("Lena Vorlage");
        (await offered.InnerTextAsync()).ShouldContain("Dienstags");
        await offered.GetByRole(AriaRole.Link, new() { Name = Offer }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var booked = staff.GetByRole(AriaRole.Region, new() { Name = $"Termine: {Offer}" }).GetByRole(AriaRole.Row);
        var clients = await booked.AllInnerTextsAsync();
        // The pilot's five past appointments (recorded) and its four coming ones.
        clients.Count(r => r.Contains("Amina Beispiel", StringComparison.Ordinal)).ShouldBe(4);
        clients.Count(r => r.Contains("Tomasz Muster", StringComparison.Ordinal)).ShouldBe(3);
        clients.Count(r => r.Contains("Mira Beispiel", StringComparison.Ordinal)).ShouldBe(2);
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "beratung");

        // A newcomer: a name, an e-mail and the consent; without the consent nothing is stored.
        var slot = await staff.GetByLabel("Freier Termin").Locator("option").First.InnerTextAsync();
        await staff.GetByLabel("Name", new() { Exact = true }).FillAsync("Bo Neuling");
        await staff.GetByLabel("E-Mail (für Bestätigung und Erinnerung)").FillAsync("bo.neuling@example.org");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Termin buchen" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Ohne Einwilligung der Person werden ihre Daten nicht gespeichert.");
        await staff.GetByLabel("Name", new() { Exact = true }).FillAsync("Bo Neuling");
        await staff.GetByLabel("E-Mail (für Bestätigung und Erinnerung)").FillAsync("bo.neuling@example.org");
        await staff.GetByLabel("Die Person hat der Einwilligungserklärung zugestimmt").CheckAsync();
        await staff.GetByRole(AriaRole.Button, new() { Name = "Termin buchen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var bo = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Bo Neuling" });
        (await bo.InnerTextAsync()).ShouldContain(slot);
        (await bo.InnerTextAsync()).ShouldContain("neu in der Stadt");
        (await bo.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("gebucht");
        await bo.GetByLabel("Grund der Absage").FillAsync("Bo hat einen anderen Termin gefunden");
        await bo.GetByRole(AriaRole.Button, new() { Name = "Absagen: Bo Neuling", Exact = false }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Bo Neuling" }).Locator("td").Nth(2).InnerTextAsync())
            .ShouldBe("abgesagt (von der Beratung)");

        // New hours: once, in the same room, with the demo's advisor and cooperative.
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(40);
        await staff.GetByLabel("Beratende Person").SelectOptionAsync(new SelectOptionValue { Label = "Lena Vorlage" });
        await staff.GetByLabel("für die Organisation").SelectOptionAsync(new SelectOptionValue { Label = "Genossenschaft freier Beraterinnen eG" });
        await staff.GetByLabel("Angebot").FillAsync("Sprechstunde Steuern");
        await staff.GetByLabel("Erster Tag (TT.MM.JJJJ)").FillAsync(day.ToString("dd.MM.yyyy", System.Globalization.CultureInfo.InvariantCulture));
        await staff.GetByLabel("Von (HH:MM)").FillAsync("14:00");
        await staff.GetByLabel("Bis (HH:MM)").FillAsync("15:00");
        await staff.GetByLabel("Minuten je Termin").FillAsync("30");
        var room = await staff.GetByLabel("Raum").Locator("option").Filter(new() { HasText = "Coaching" }).First.InnerTextAsync();
        await staff.GetByLabel("Raum").SelectOptionAsync(new SelectOptionValue { Label = room });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Sprechstunden anbieten" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Heading, new() { Name = "Termine: Sprechstunde Steuern" }).CountAsync()).ShouldBe(1);
        (await staff.GetByLabel("Freier Termin").Locator("option").CountAsync()).ShouldBe(2);

        // Mira sees her own appointment (the demo's), never the newcomers'; she books one and cancels it.
        var miraId = await app.PersonIdAsync("Mira Beispiel");
        var mira = await app.SignedInAsync("mira.beratung@example.org", Roles.Member, personId: miraId, phone: true);
        await mira.GotoAsync("/mitglied/termine", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(mira);
        var mine = mira.GetByRole(AriaRole.Region, new() { Name = "Meine Termine" }).GetByRole(AriaRole.Row);
        (await mine.CountAsync()).ShouldBe(3); // the header and the demo's two: one past, one coming
        (await mira.ContentAsync()).ShouldNotContain("Amina");
        var choice = await mira.GetByLabel("Freier Termin").First.Locator("option").First.InnerTextAsync();
        await mira.GetByRole(AriaRole.Button, new() { Name = $"Termin buchen: {Offer}" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(mira);
        var booking = mine.Filter(new() { HasText = choice });
        (await booking.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("gebucht");
        await BrowserApp.ShouldBeAccessibleAsync(mira);
        await BrowserApp.ShouldFitTheWidthAsync(mira);
        await BrowserApp.ScreenshotAsync(mira, "beratungstermine");
        await booking.GetByLabel("Grund").FillAsync("Doch keine Zeit");
        await booking.GetByRole(AriaRole.Button).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(mira);
        (await mine.Filter(new() { HasText = choice }).Locator("td").Nth(2).InnerTextAsync()).ShouldBe("abgesagt (von der beratenen Person)");
        using (var admin = app.AdminClient())
        {
            var hers = await admin.GetFromJsonAsync<JsonElement>($"/api/advice/hours?organisationId={await OrganisationAsync(admin, "Genossenschaft freier Beraterinnen eG")}");
            hers.EnumerateArray().Select(h => h.GetProperty("title").GetString()).ShouldContain(Offer);
        }

        // Another member sees none of Mira's appointments, and no member reaches the staff page (the server says no).
        var jonas = await app.SignedInAsync("jonas.beratung@example.org", Roles.Member, personId: await app.PersonIdAsync("Jonas Muster"));
        await jonas.GotoAsync("/mitglied/termine", BrowserApp.DocumentOnly);
        (await jonas.GetByText("Sie haben keine Beratungstermine.").CountAsync()).ShouldBe(1);
        (await jonas.GotoAsync("/verwaltung/beratung", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await jonas.ContentAsync()).ShouldNotContain("Amina");

        // The staff page on a phone: wide tables scroll in their own region, the page does not.
        var phone = await app.SignedInAsync("verwaltung.beratung.telefon@example.org", Roles.Admin, phone: true);
        await phone.GotoAsync("/verwaltung/beratung", BrowserApp.DocumentOnly);
        await phone.GetByRole(AriaRole.Link, new() { Name = Offer }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(phone);
        await BrowserApp.ShouldFitTheWidthAsync(phone);
    }

    [Fact]
    public async Task The_advisors_side_records_what_came_of_a_past_appointment_and_the_funds_report_counts_it()
    {
        // The demo's pilot has a past (ADR 19): Tomasz's second appointment was recorded as not held. He came late after all.
        var staff = await app.SignedInAsync("verwaltung.ergebnis@example.org", Roles.Admin);
        await staff.GotoAsync("/verwaltung/beratung", BrowserApp.DocumentOnly);
        await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = Offer }).GetByRole(AriaRole.Link, new() { Name = Offer }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var rows = staff.GetByRole(AriaRole.Region, new() { Name = $"Termine: {Offer}" }).GetByRole(AriaRole.Row);
        var missed = rows.Filter(new() { HasText = "Tomasz Muster" }).Filter(new() { HasText = "nicht stattgefunden" });
        (await missed.CountAsync()).ShouldBe(1);
        var when = await missed.Locator("td").First.InnerTextAsync();

        // By keyboard, as the form is read: the disclosure opens with Enter, then the fields in order.
        await missed.GetByText("Ergebnis erfassen").FocusAsync();
        await staff.Keyboard.PressAsync("Enter");
        await missed.GetByLabel("ja", new() { Exact = true }).CheckAsync();
        await missed.GetByLabel("Die Person willigt ein, dass Ergebnisse erfasst werden").CheckAsync();
        await missed.GetByLabel("Geschäftsplan entworfen (Anzahl)").FillAsync("1");
        await missed.GetByLabel("Weitervermittelt (Anzahl)").FillAsync("1");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await missed.GetByRole(AriaRole.Button, new() { Name = "Ergebnis speichern", Exact = false }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);

        var recorded = rows.Filter(new() { HasText = when }).Filter(new() { HasText = "Tomasz Muster" });
        (await recorded.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("stattgefunden: Geschäftsplan entworfen: 1, Weitervermittelt: 1");
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        // The city fund's report counts it: five held now, none missed, still three people; the outcomes add up.
        using var admin = app.AdminClient();
        var fund = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants?limit=100")).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("reference").GetString() == "IF-2026-07").GetProperty("id").GetGuid();
        var report = $"/api/funding/reports/grants/{fund}?period=custom&from=2026-01-01&to=2027-12-31";
        await Eventually.ReachedAsync(async () => (await admin.GetFromJsonAsync<JsonElement>(report)).GetProperty("advice").GetProperty("appointmentsHeld").GetInt32() == 5,
            "Funding has the new record");
        var advice = (await admin.GetFromJsonAsync<JsonElement>(report)).GetProperty("advice");
        (advice.GetProperty("appointmentsHeld").GetInt32(), advice.GetProperty("appointmentsNotHeld").GetInt32(), advice.GetProperty("peopleAdvised").GetInt32())
            .ShouldBe((5, 0, 3));
        advice.GetProperty("outcomes").EnumerateArray().Select(o => (o.GetProperty("kind").GetString(), o.GetProperty("count").GetInt64())).ToArray().ShouldBe(
            [("business-plan-drafted", 2L), ("business-registered", 1L), ("follow-up-agreed", 1L), ("funding-applied", 1L), ("referred-elsewhere", 2L)]);
    }

    private static async Task<Guid> OrganisationAsync(HttpClient admin, string name) =>
        (await admin.GetFromJsonAsync<JsonElement>("/api/organisations?limit=500")).GetProperty("items").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
}
