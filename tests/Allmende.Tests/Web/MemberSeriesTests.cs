using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// A member books weekly, moves one date, checks in to another, subscribes to the organisation's calendar
/// and reads its monthly statement; a person of another organisation is refused the booking by the server.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class MemberSeriesTests(BrowserApp app)
{
    /// <summary>A Tuesday nine weeks on: clear of the other browser tests' days.</summary>
    private static DateOnly FirstTuesday() =>
        DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(7 * 9 + ((int)DayOfWeek.Tuesday - (int)DateTime.UtcNow.DayOfWeek + 7) % 7);

    [Fact]
    public async Task A_member_books_weekly_moves_a_date_checks_in_subscribes_and_reads_the_statement()
    {
        var mira = await app.PersonIdAsync("Mira Beispiel");
        var page = await app.SignedInAsync("mira.serie@example.org", Roles.Member, personId: mira, phone: true);
        await MemberBookingTests.MemberSeesTheirOrganisationAsync(page);
        using var admin = app.AdminClient();
        var room = await IdAsync(admin, "/api/spaces?limit=500", "Vereinsraum");
        var own = await IdAsync(admin, "/api/organisations?limit=500", "Initiative Kiezkiosk");
        var day = FirstTuesday();
        var start = new DateTimeOffset(day.ToDateTime(new TimeOnly(17, 0)), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin").GetUtcOffset(day.ToDateTime(new TimeOnly(17, 0))));

        // Weekly for three weeks.
        await page.GotoAsync($"/mitglied/buchen/neu?raum={room}&beginn={Uri.EscapeDataString(start.ToString("yyyy-MM-ddTHH:mm:sszzz"))}&dauer=120&personen=10", BrowserApp.DocumentOnly);
        await page.GetByLabel("Zweck").FillAsync("Sprachcafé");
        await page.GetByLabel("Handlungsfeld").SelectOptionAsync("living-together");
        await page.GetByLabel("Wöchentlich wiederholen").FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verbindlich buchen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Serie gebucht: 3 von 3 Terminen, Vereinsraum, „Sprachcafé“.");
        var rows = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Sprachcafé" });
        (await rows.AllInnerTextsAsync()).Select(r => r.Split('\t')[0]).ShouldBe(
            [.. Enumerable.Range(0, 3).Select(w => $"{FormatsDay(day.AddDays(7 * w))}, 17:00–19:00 Uhr")]);
        await BrowserApp.ShouldBeAccessibleAsync(page);

        // Move the first to 18:00.
        await page.GetByRole(AriaRole.Link, new() { Name = "Verlegen: Sprachcafé" }).First.ClickAsync();
        await BrowserApp.ArrivedAsync(page, new Regex("/verlegen$"));
        (await page.Locator("main").InnerTextAsync()).ShouldContain($"Bisher: {FormatsDay(day)}, 17:00–19:00 Uhr");
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "buchung-verlegen");
        await page.GetByLabel("Neuer Beginn").FillAsync("18:00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verlegen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"Verlegt auf {FormatsDay(day)}, 18:00–20:00 Uhr.");
        var bookings = (await admin.GetFromJsonAsync<JsonElement>($"/api/bookings?limit=500&from={day:yyyy-MM-dd}T00:00:00Z")).GetProperty("items")
            .EnumerateArray().Where(b => b.GetProperty("purpose").GetString() == "Sprachcafé").OrderBy(b => b.GetProperty("start").GetDateTimeOffset()).ToList();
        bookings.Count.ShouldBe(3);
        bookings[0].GetProperty("start").GetDateTimeOffset().ShouldBe(start.AddHours(1));

        // Check in to the first (this house opens check-in long before, see BrowserApp).
        var first = rows.Filter(new() { HasText = "18:00–20:00" });
        await first.GetByRole(AriaRole.Button, new() { Name = "Einchecken: Sprachcafé" }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Eingecheckt. Viel Erfolg bei Ihrem Termin!");
        (await rows.Filter(new() { HasText = "18:00–20:00" }).InnerTextAsync()).ShouldContain("eingecheckt");
        (await admin.GetFromJsonAsync<JsonElement>($"/api/bookings/{bookings[0].GetProperty("id").GetGuid()}")).GetProperty("status").GetString().ShouldBe("checked-in");
        await BrowserApp.ScreenshotAsync(page, "meine-buchungen-serie");

        // The organisation's calendar feed: the secret link, shown once, serves the bookings until it is revoked.
        await page.GetByRole(AriaRole.Button, new() { Name = "Kalender-Link erstellen: Initiative Kiezkiosk" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(page);
        var link = await page.GetByLabel("Ihr Kalender-Link").InputValueAsync();
        link.ShouldStartWith(new Uri(app.BaseAddress, "/api/bookings/ical/cal_").ToString());
        await BrowserApp.ShouldBeAccessibleAsync(page);
        using var calendarApp = new HttpClient();
        var feed = await calendarApp.GetStringAsync(link);
        feed.ShouldContain("BEGIN:VCALENDAR");
        feed.ShouldContain("Sprachcafé");
        await page.GotoAsync("/mitglied/buchungen", BrowserApp.DocumentOnly);
        (await page.GetByLabel("Ihr Kalender-Link").CountAsync()).ShouldBe(0); // shown once only
        await page.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Kalender-Link sperren: Initiative Kiezkiosk") }).ClickAsync();
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain("gesperrt");
        (await calendarApp.GetAsync(link)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // The month's statement: the confirmed dates cost the organisation (Funding hears of them by message).
        await Eventually.ReachedAsync(async () =>
        {
            await page.GotoAsync($"/mitglied/organisation/{own}?monat={day:yyyy-MM}", BrowserApp.DocumentOnly);
            return await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Raumstunden: Vereinsraum, Quartierszentrum am Markt" }).CountAsync() > 0;
        }, "the statement shows the series");
        (await page.Locator("h2").First.InnerTextAsync()).ShouldBe($"Monatsabrechnung {day.ToDateTime(TimeOnly.MinValue).ToString("MMMM yyyy", new System.Globalization.CultureInfo("de-DE"))}");
        (await page.Locator(".cards").InnerTextAsync()).ShouldContain("Eigenanteil der Organisation");
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "monatsabrechnung");

        // Someone of no organisation asks for the booking's page by its address: the server refuses.
        var stranger = await app.SignedInAsync("fremd.serie@example.org", Roles.Member, personId: await app.PersonAsync("Fremde Person"));
        var id = bookings[1].GetProperty("id").GetGuid();
        (await stranger.GotoAsync($"/mitglied/buchungen/{id}/verlegen", BrowserApp.DocumentOnly))!.Status.ShouldBe(404);
        (await stranger.ContentAsync()).ShouldNotContain("Sprachcafé");
    }

    private static string FormatsDay(DateOnly day) => day.ToString("dddd, dd.MM.yyyy", new System.Globalization.CultureInfo("de-DE"));

    private static async Task<Guid> IdAsync(HttpClient admin, string list, string name) =>
        (await admin.GetFromJsonAsync<JsonElement>(list)).GetProperty("items").EnumerateArray()
        .Single(i => i.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
}
