using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>Staff: the approval queue and the site calendar (spaces as columns, Berlin hours, both DST days).</summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffTests(BrowserApp app)
{
    [Fact]
    public async Task A_member_requests_the_hall_staff_approve_it_and_both_see_it_on_the_calendar_and_in_the_list()
    {
        var mira = await app.PersonIdAsync("Mira Beispiel");
        var member = await app.SignedInAsync("mira.saal@example.org", Roles.Member, personId: mira);
        var day = DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(7 * 7 + ((int)DayOfWeek.Wednesday - (int)DateTime.UtcNow.DayOfWeek + 7) % 7);
        await Eventually.ReachedAsync(async () =>
        {
            await member.GotoAsync($"/mitglied/buchen?standort={await SiteIdAsync(member, "Quartierszentrum am Markt")}&datum={day:dd.MM.yyyy}&beginn=18:00&dauer=180&personen=80", BrowserApp.DocumentOnly);
            return await member.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Veranstaltungssaal mit Bühne buchen" }).CountAsync() > 0;
        }, "the hall is offered to the member");
        await member.Locator("main").GetByRole(AriaRole.Link, new() { Name = "Veranstaltungssaal mit Bühne buchen" }).ClickAsync();
        await member.GetByLabel("Zweck").FillAsync("Stadtteilversammlung");
        await member.GetByLabel("Handlungsfeld").SelectOptionAsync("living-together");
        await member.GetByRole(AriaRole.Button, new() { Name = "Verbindlich buchen" }).ClickAsync();
        (await member.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain("muss die Buchung noch freigeben");
        (await member.GetByRole(AriaRole.Row).Filter(new() { HasText = "Stadtteilversammlung" }).InnerTextAsync()).ShouldContain("wartet auf Freigabe");

        var staff = await app.SignedInAsync("verwaltung.freigaben@example.org", Roles.Admin);
        await staff.GotoAsync("/verwaltung/freigaben", BrowserApp.DocumentOnly);
        var request = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Stadtteilversammlung" });
        (await request.InnerTextAsync()).ShouldContain("Veranstaltungssaal mit Bühne, Quartierszentrum am Markt");
        (await request.InnerTextAsync()).ShouldContain("Initiative Kiezkiosk");
        (await request.InnerTextAsync()).ShouldContain($"{day:dd.MM.yyyy}, 18:00–21:00 Uhr");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "freigaben");
        await request.GetByRole(AriaRole.Button, new() { Name = "Freigeben: Stadtteilversammlung" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldContain("freigegeben");
        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Stadtteilversammlung" }).CountAsync()).ShouldBe(0);

        await staff.GotoAsync($"/verwaltung/kalender?standort={await SiteIdAsync(staff, "Quartierszentrum am Markt")}&datum={day:dd.MM.yyyy}", BrowserApp.DocumentOnly);
        var headers = await staff.Locator("table.calendar thead th").AllInnerTextsAsync();
        headers.ShouldBe(["Uhrzeit", "Arbeitsgruppenraum", "Besprechungsraum", "Veranstaltungssaal mit Bühne", "Vereinsraum"]);
        var eighteen = staff.GetByRole(AriaRole.Row).Filter(new() { Has = staff.GetByRole(AriaRole.Rowheader, new() { Name = "18:00", Exact = true }) });
        (await eighteen.Locator("td").Nth(2).InnerTextAsync()).ShouldContain("18:00–21:00 Stadtteilversammlung");
        (await eighteen.Locator("td").Nth(2).InnerTextAsync()).ShouldContain("Initiative Kiezkiosk");
        var nineteen = staff.GetByRole(AriaRole.Row).Filter(new() { Has = staff.GetByRole(AriaRole.Rowheader, new() { Name = "19:00", Exact = true }) });
        (await nineteen.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("belegt");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "kalender");

        await member.GotoAsync("/mitglied/buchungen", BrowserApp.DocumentOnly);
        (await member.GetByRole(AriaRole.Row).Filter(new() { HasText = "Stadtteilversammlung" }).InnerTextAsync()).ShouldContain("bestätigt");
    }

    [Theory]
    [InlineData("2026-10-25", 25, "02:00 (Sommerzeit)", "02:00 (Winterzeit)")]
    [InlineData("2027-03-28", 23, "01:00", "03:00")]
    [InlineData("2026-12-24", 24, "00:00", "23:00")]
    public async Task The_calendar_day_has_the_real_hours_of_the_Berlin_day(string date, int hours, string first, string second)
    {
        var staff = await app.SignedInAsync($"verwaltung.{date}@example.org", Roles.Admin);
        await staff.GotoAsync($"/verwaltung/kalender?datum={date}", BrowserApp.DocumentOnly);
        var rows = await staff.Locator("table.calendar tbody th").AllInnerTextsAsync();
        rows.Count.ShouldBe(hours);
        rows.ShouldContain(first);
        rows.ShouldContain(second);
        rows.Distinct().Count().ShouldBe(hours);
    }

    private static async Task<string> SiteIdAsync(IPage page, string name)
    {
        var current = page.Url;
        await page.GotoAsync("/mitglied/buchen", BrowserApp.DocumentOnly); // open to members and staff
        var value = await page.GetByLabel("Standort").Locator("option", new() { HasText = name }).GetAttributeAsync("value");
        await page.GotoAsync(current, BrowserApp.DocumentOnly);
        return value!;
    }
}

/// <summary>Funders: their grants with budget use, and the printable report; another funder's report is refused by the server.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FunderTests(BrowserApp app)
{
    [Fact]
    public async Task A_funder_opens_its_grants_and_the_report_and_is_refused_another_funders_report()
    {
        var city = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var funder = await app.SignedInAsync("foerderung.stadt@example.org", Roles.Funder, funderId: city);
        await funder.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        var card = funder.Locator(".card").Filter(new() { HasText = "Engagement-Etage Kreativquartier" });
        (await card.InnerTextAsync()).ShouldContain("500.000,00 €");
        (await card.InnerTextAsync()).ShouldContain("Sozialbehörde Musterstadt");
        await BrowserApp.ShouldBeAccessibleAsync(funder);
        await BrowserApp.ScreenshotAsync(funder, "foerderungen");

        await card.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Förderbericht") }).ClickAsync();
        await BrowserApp.ArrivedAsync(funder, new System.Text.RegularExpressions.Regex("/bericht"));
        (await funder.ContentAsync()).ShouldContain("Engagement-Etage Kreativquartier");
        var reportUrl = funder.Url;
        await BrowserApp.ScreenshotAsync(funder, "foerderbericht");

        // Another funder, signed in, asks for the city's report by its address: the server refuses.
        using var admin = app.AdminClient();
        var other = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(admin, "/api/funding/funders", new
        {
            name = "Stiftung Nachbarschaft", kind = "foundation", contact = new { office = "Förderreferat", email = "info@stiftung.example" }, reportingPeriod = "yearly",
        });
        other.EnsureSuccessStatusCode();
        var otherId = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(other.Content)).GetProperty("id").GetGuid();
        var stranger = await app.SignedInAsync("stiftung@example.org", Roles.Funder, funderId: otherId);
        var refused = await stranger.GotoAsync(reportUrl, BrowserApp.DocumentOnly);
        refused!.Status.ShouldBeOneOf(403, 404);
        (await stranger.ContentAsync()).ShouldNotContain("Engagement-Etage Kreativquartier");
        await stranger.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        (await stranger.Locator("main").InnerTextAsync()).ShouldNotContain("Engagement-Etage Kreativquartier");
    }
}
