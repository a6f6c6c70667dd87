using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>The public programme (ADR 20) in a browser, without signing in: the association's dates and a sign-up, on a phone.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ProgrammePageTests(BrowserApp app)
{
    [Fact]
    public async Task Anyone_reads_the_associations_programme_on_a_phone_and_signs_up_for_an_open_evening()
    {
        using var admin = app.AdminClient();
        var organisations = await admin.GetFromJsonAsync<JsonElement>("/api/organisations?limit=500");
        var association = organisations.GetProperty("items").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == "Nachbarschaftsverein Lindenviertel e.V.").GetProperty("id").GetGuid();

        var visitor = await app.NewPageAsync(phone: true);
        await Eventually.ReachedAsync(async () =>
        {
            await visitor.GotoAsync($"/programm/organisation/{association}", BrowserApp.DocumentOnly);
            return await visitor.Locator(".card h2").CountAsync() == 5; // the programme's read model follows the log
        }, "the demo programme is listed");
        await BrowserApp.ShouldShowNoErrorAsync(visitor);
        (await visitor.Locator("h1").InnerTextAsync()).ShouldBe("Programm: Nachbarschaftsverein Lindenviertel e.V.");
        (await visitor.Locator(".card h2").AllInnerTextsAsync()).Order().ShouldBe(
            ["Hofflohmarkt", "Offener Abend im Lindenviertel", "Offener Abend im Lindenviertel", "Offener Abend im Lindenviertel", "Offener Abend im Lindenviertel"]);
        var market = visitor.Locator(".card").Filter(new() { HasText = "Hofflohmarkt" });
        (await market.InnerTextAsync()).ShouldContain("Ohne Anmeldung, kommen Sie einfach vorbei.");
        (await market.InnerTextAsync()).ShouldContain("10:00–16:00 Uhr");
        (await visitor.GetByRole(AriaRole.Link, new() { Name = "Als Kalender abonnieren (iCal)" }).GetAttributeAsync("href"))
            .ShouldBe($"/api/programme/public/organisations/{association}/ical");
        await BrowserApp.ShouldBeAccessibleAsync(visitor);
        await BrowserApp.ShouldFitTheWidthAsync(visitor);
        await BrowserApp.ScreenshotAsync(visitor, "programm");

        var evening = visitor.Locator(".card").Filter(new() { HasText = "Offener Abend im Lindenviertel" }).First;
        var when = await evening.Locator("time").InnerTextAsync();
        (await evening.InnerTextAsync()).ShouldContain("Noch 20 von 20 Plätzen frei.");
        await evening.GetByLabel("Name", new() { Exact = true }).FillAsync("Lea Nachbarin");
        await evening.GetByLabel("E-Mail", new() { Exact = true }).FillAsync("lea.programm@example.org");
        await evening.GetByRole(AriaRole.Checkbox).CheckAsync();
        await evening.GetByRole(AriaRole.Button, new() { Name = "Verbindlich anmelden" }).ClickAsync();
        (await visitor.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Sie sind angemeldet. Wir freuen uns auf Sie!");
        var signedUp = visitor.Locator(".card").Filter(new() { Has = visitor.Locator("time", new() { HasTextString = when }) }).Filter(new() { HasText = "Offener Abend" });
        (await signedUp.InnerTextAsync()).ShouldContain("Noch 19 von 20 Plätzen frei.");
        await BrowserApp.ShouldBeAccessibleAsync(visitor);
    }
}
