using Allmende.Eventing.Api;
using System.Net.Http.Json;
using Allmende.Host.Web;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// The Kümmerdienst page: staff plan a shift, a member takes it and sees it as theirs, another member
/// sees it taken but not by whom, staff see the name; the member gives it back and staff cancel it.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class DutyRotaPageTests(BrowserApp app)
{
    [Fact]
    public async Task Staff_plan_a_shift_a_member_takes_it_others_see_it_taken_and_it_ends_cancelled()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(5);
        var when = $"{day.ToString("dddd, dd.MM.yyyy", Formats.German)}, 17:00–21:30";

        var staff = await app.SignedInAsync("verwaltung.kuemmerdienst@example.org", Roles.Admin);
        await staff.GotoAsync("/mitglied/kuemmerdienst", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var site = await staff.GetByLabel("Standort", new() { Exact = true }).InputValueAsync();
        var miraId = await app.PersonIdAsync("Mira Beispiel");
        using (var admin = app.AdminClient())
        {
            // Staff put Mira on the site's rota (Membership); the rota's shifts are hers to take once Spaces has heard.
            var person = await admin.GetAsync($"/api/people/{miraId}");
            using var join = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{miraId}/duty-rota") { Content = JsonContent.Create(new { siteId = Guid.Parse(site) }) };
            join.Headers.TryAddWithoutValidation("If-Match", person.Headers.ETag!.Tag);
            (await admin.SendAsync(join)).EnsureSuccessStatusCode();
            await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
                "select count(*) from spaces.duty_pool where person_id = $1 and site_id = $2", miraId, Guid.Parse(site)) == 1, "Spaces knows Mira's rota");
        }
        await staff.GetByLabel("Datum").FillAsync(day.ToString("dd.MM.yyyy", Formats.German));
        await staff.GetByLabel("Von").FillAsync("17:00");
        await staff.GetByLabel("Bis").FillAsync("21:30");
        await staff.GetByLabel("Hinweis").FillAsync("Offener Abend, Schlüssel im Büro");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Dienst planen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe($"Dienst am {day:dd.MM.yyyy} von 17:00 bis 21:30 geplant.");
        var planned = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = when });
        (await planned.InnerTextAsync()).ShouldContain("Offener Abend, Schlüssel im Büro");
        (await planned.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("frei");
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        var mira = await app.SignedInAsync("mira.kuemmerdienst@example.org", Roles.Member, personId: miraId);
        await mira.GotoAsync($"/mitglied/kuemmerdienst?standort={site}&ab={day:dd.MM.yyyy}", BrowserApp.DocumentOnly);
        await mira.GetByRole(AriaRole.Button, new() { Name = $"Übernehmen: {when}" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(mira);
        (await mira.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Dienst ist übernommen.");
        var mine = mira.GetByRole(AriaRole.Row).Filter(new() { HasText = when });
        (await mine.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("Sie");
        (await mira.GetByRole(AriaRole.Heading, new() { Name = "Dienst planen" }).CountAsync()).ShouldBe(0, "members do not plan");
        await BrowserApp.ShouldBeAccessibleAsync(mira);
        await BrowserApp.ScreenshotAsync(mira, "kuemmerdienst");

        var other = await app.SignedInAsync("jonas.kuemmerdienst@example.org", Roles.Member, personId: await app.PersonIdAsync("Jonas Muster"));
        await other.GotoAsync($"/mitglied/kuemmerdienst?standort={site}&ab={day:dd.MM.yyyy}", BrowserApp.DocumentOnly);
        var seenByOther = other.GetByRole(AriaRole.Row).Filter(new() { HasText = when });
        (await seenByOther.Locator("td").Nth(2).InnerTextAsync()).ShouldBe("besetzt");
        (await seenByOther.GetByRole(AriaRole.Button).CountAsync()).ShouldBe(0, "nobody else may take or give back Mira's shift");
        (await other.ContentAsync()).ShouldNotContain("Mira");

        await staff.GotoAsync($"/mitglied/kuemmerdienst?standort={site}&ab={day:dd.MM.yyyy}", BrowserApp.DocumentOnly); // not a reload: that would send the last form again
        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = when }).Locator("td").Nth(2).InnerTextAsync()).ShouldBe("Mira Beispiel");

        await mine.GetByRole(AriaRole.Button, new() { Name = $"Abgeben: {when}" }).ClickAsync();
        (await mira.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Dienst ist wieder frei.");
        (await mira.GetByRole(AriaRole.Row).Filter(new() { HasText = when }).Locator("td").Nth(2).InnerTextAsync()).ShouldBe("frei");

        // Jonas is not on this site's rota: the free shift is refused to him, in German.
        await other.GotoAsync($"/mitglied/kuemmerdienst?standort={site}&ab={day:dd.MM.yyyy}", BrowserApp.DocumentOnly);
        await other.GetByRole(AriaRole.Button, new() { Name = $"Übernehmen: {when}" }).ClickAsync();
        (await other.GetByRole(AriaRole.Alert).InnerTextAsync())
            .ShouldBe("Diese Person steht nicht auf der Kümmerdienst-Liste dieses Standorts; die Raumverwaltung trägt sie ein.");

        await staff.GotoAsync($"/mitglied/kuemmerdienst?standort={site}&ab={day:dd.MM.yyyy}", BrowserApp.DocumentOnly); // not a reload: that would send the last form again
        var row = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = when });
        await row.GetByLabel("Grund der Absage").FillAsync("Haus geschlossen");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Absagen: {when}" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Dienst ist abgesagt.");
        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = when }).Locator("td").Nth(2).InnerTextAsync()).ShouldBe("abgesagt (Haus geschlossen)");
    }
}
