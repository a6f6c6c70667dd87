using System.Net;
using System.Text.RegularExpressions;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// English second (ADR 16): the language switch on every page, the browser's language when nothing was
/// chosen, a member's booking in English with British formats, and the main pages in English on a phone
/// (html lang="en", axe, 375 px).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class EnglishPagesTests(BrowserApp app)
{
    /// <summary>A Thursday eight weeks on, in no other test's way.</summary>
    private static DateOnly Thursday(int weeks) =>
        DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(7 * weeks + ((int)DayOfWeek.Thursday - (int)DateTime.UtcNow.DayOfWeek + 7) % 7);

    [Fact]
    public async Task A_member_switches_to_English_books_a_room_and_reads_the_confirmation_in_English_with_British_dates()
    {
        var mira = await app.PersonIdAsync("Mira Beispiel");
        var page = await app.SignedInAsync("mira.english@example.org", Roles.Member, personId: mira, phone: true);
        (await Language(page)).ShouldBe("de");

        // The switch is a plain link, reached by the keyboard like any other.
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await SpeaksAsync(page, "en");
        (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("Welcome to Allmende");

        var day = Thursday(8);
        var date = day.ToString("dd/MM/yyyy", System.Globalization.CultureInfo.InvariantCulture);
        var weekday = day.DayOfWeek.ToString();
        await page.GotoAsync("/mitglied/buchen", BrowserApp.DocumentOnly);
        (await page.TitleAsync()).ShouldBe("Book a room – Allmende");
        await page.GetByLabel("Site").SelectOptionAsync(new SelectOptionValue { Label = "Quartierszentrum am Markt" });
        await page.GetByLabel("Date").FillAsync(date); // typed in British order
        await page.GetByLabel("Start").FillAsync("10:00");
        await page.GetByLabel("Duration").SelectOptionAsync(new SelectOptionValue { Label = "2 hours" });
        await page.GetByLabel("People").FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find free rooms" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);
        (await page.Locator("#treffer").InnerTextAsync()).ShouldBe($"Free on {weekday}, {date}, 10:00–12:00");
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ShouldFitTheWidthAsync(page);

        var bookingLink = await page.GetByRole(AriaRole.Link, new() { Name = "Book Vereinsraum" }).GetAttributeAsync("href");
        await page.GetByRole(AriaRole.Link, new() { Name = "Book Vereinsraum" }).ClickAsync();
        (await page.Locator("main p").First.InnerTextAsync()).ShouldBe($"Vereinsraum, Quartierszentrum am Markt\n{weekday}, {date}, 10:00–12:00");
        await page.GetByLabel("Purpose").FillAsync("Repair café planning");
        await page.GetByLabel("Expected attendees").FillAsync("12");
        await page.GetByLabel("Action field").SelectOptionAsync(new SelectOptionValue { Label = "Local economy" });
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);

        (await page.GetByRole(AriaRole.Status).InnerTextAsync())
            .ShouldBe($"Booked: Vereinsraum, {weekday}, {date}, 10:00–12:00. The booking is confirmed.");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Repair café planning" });
        (await row.Locator("td").AllInnerTextsAsync()).Take(5).ShouldBe(
            [$"{weekday}, {date}, 10:00–12:00", "Vereinsraum, Quartierszentrum am Markt", "Initiative Kiezkiosk", "Repair café planning\nLocal economy, 12 people", "confirmed"]);
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ShouldFitTheWidthAsync(page);
        await BrowserApp.ScreenshotAsync(page, "my-bookings-en");

        // The API's refusal in English words too: the same room at the same time is taken now.
        await page.GotoAsync(bookingLink!, BrowserApp.DocumentOnly);
        await page.GetByLabel("Purpose").FillAsync("Repair café, twice");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book", Exact = true }).ClickAsync();
        (await page.Locator(".error").InnerTextAsync()).ShouldBe("The booking did not go through: The room is already taken at this time.");

        // And back, to the same page (its query too) in German formats; the choice is kept in a cookie.
        await page.GetByRole(AriaRole.Link, new() { Name = "Deutsch" }).ClickAsync();
        await SpeaksAsync(page, "de");
        (await page.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("Buchung anlegen");
        var german = System.Globalization.CultureInfo.GetCultureInfo("de-DE");
        (await page.Locator("main p").First.InnerTextAsync())
            .ShouldBe($"Vereinsraum, Quartierszentrum am Markt\n{day.ToString("dddd, dd.MM.yyyy", german)}, 10:00–12:00 Uhr");
        await page.GotoAsync("/mitglied/buchungen", BrowserApp.DocumentOnly);
        (await Language(page)).ShouldBe("de");
    }

    [Fact]
    public async Task The_browsers_language_chooses_until_the_switch_is_used_and_the_sign_in_page_has_the_switch_too()
    {
        var english = await app.NewPageAsync(locale: "en-US");
        await english.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        (await Language(english)).ShouldBe("en");
        (await english.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("Sign in");
        await BrowserApp.ShouldBeAccessibleAsync(english);

        // The choice beats the browser's language.
        await english.GetByRole(AriaRole.Link, new() { Name = "Deutsch" }).ClickAsync();
        await SpeaksAsync(english, "de");
        english.Url.ShouldBe(new Uri(app.BaseAddress, "/anmelden").ToString());
        (await english.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe("Anmelden");

        var german = await app.NewPageAsync(locale: "fr-FR"); // a language not offered: German
        await german.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        (await Language(german)).ShouldBe("de");
    }

    [Fact]
    public async Task The_switch_goes_back_only_to_a_page_of_this_host()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = app.BaseAddress };

        foreach (var (back, expected) in new[] { ("/verwaltung/kalender?ansicht=woche", "/verwaltung/kalender?ansicht=woche"), ("//evil.example/", "/"), ("https://evil.example/", "/"), ("/\\evil.example", "/") })
        {
            using var response = await client.GetAsync($"/sprache/en?zurueck={Uri.EscapeDataString(back)}");
            (response.StatusCode, response.Headers.Location?.OriginalString).ShouldBe((HttpStatusCode.Redirect, expected), back);
            response.Headers.GetValues("Set-Cookie").Single().ShouldStartWith("allmende.language=c%3Den-GB%7Cuic%3Den-GB;");
        }
        using (var other = await client.GetAsync("/sprache/fr"))
            other.Headers.Contains("Set-Cookie").ShouldBeFalse(); // only German and English are offered
    }

    [Fact]
    public async Task The_main_pages_in_English_say_so_pass_axe_and_fit_a_375_px_phone()
    {
        var staff = await app.SignedInAsync("verwaltung.english@example.org", Roles.Admin, phone: true);
        await staff.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await SpeaksAsync(staff, "en");
        var pages = new (string Path, string Heading)[]
        {
            ("/", "Welcome to Allmende"),
            ("/verwaltung/kalender?ansicht=woche", "Site calendar"),
            ("/verwaltung/freigaben", "Approvals"),
            ("/verwaltung/standorte", "Sites and rooms"),
            ("/verwaltung/foerderer", "Funders and grants"),
            ("/verwaltung/personen", "People"),
            ("/foerderung", "Grants"),
            ("/foerderung/echtheit", "How to verify authenticity"),
            ("/pruefung", "Audit of the records"),
        };
        foreach (var (path, heading) in pages)
        {
            await staff.GotoAsync(path, BrowserApp.DocumentOnly); // a grant's budget warning is shown as an error on purpose: the heading says the page is there
            (await Language(staff)).ShouldBe("en", path);
            (await staff.GetByRole(AriaRole.Heading, new() { Level = 1 }).InnerTextAsync()).ShouldBe(heading, path);
            await BrowserApp.ShouldBeAccessibleAsync(staff);
            await BrowserApp.ShouldFitTheWidthAsync(staff);
        }
        // Money in British notation on the funders' page: €1,234.56, never 1.234,56 €.
        await staff.GotoAsync("/verwaltung/foerderer", BrowserApp.DocumentOnly);
        var text = await staff.Locator("main").InnerTextAsync();
        Euro().IsMatch(text).ShouldBeTrue(text);
        GermanEuro().IsMatch(text).ShouldBeFalse(text);
    }

    private static Task<string> Language(IPage page) => page.EvaluateAsync<string>("() => document.documentElement.lang");

    /// <summary>
    /// Waits until the page the switch led to is loaded in that language: the switch goes back to the same
    /// address, so the address cannot tell the new page from the old one (the same bound as a click's).
    /// </summary>
    private static Task SpeaksAsync(IPage page, string language) =>
        Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", language, new() { Timeout = 30_000 });

    [GeneratedRegex(@"€\d{1,3}(,\d{3})*\.\d{2}")]
    private static partial Regex Euro();

    [GeneratedRegex(@"\d,\d{2} €")]
    private static partial Regex GermanEuro();
}
