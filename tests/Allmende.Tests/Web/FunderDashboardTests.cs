using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>A funder's dashboard of a grant (burn-down, hours by action field, reach, sites) and the history of a booking it paid for.</summary>
[Collection(BrowserCollection.Name)]
public sealed class FunderDashboardTests(BrowserApp app)
{
    [Fact]
    public async Task A_funder_reads_a_grants_dashboard_and_a_paid_bookings_history()
    {
        var city = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var funder = await app.SignedInAsync("foerderung.dashboard@example.org", Roles.Funder, funderId: city, phone: true);
        await funder.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        await funder.GetByRole(AriaRole.Link, new() { Name = "Übersicht: Engagement-Etage Kreativquartier" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(funder);
        (await funder.Locator("h1").InnerTextAsync()).ShouldBe("Engagement-Etage Kreativquartier");
        var cards = await funder.Locator(".cards li").AllInnerTextsAsync();
        cards[0].ShouldBe("Budget\n500.000,00 €");
        cards.Select(c => c.Split('\n')[0]).ShouldBe(["Budget", "Verbraucht", "Verfügbar", "Gebuchte Stunden", "Erreichte Organisationen", "Erreichte Teilnehmende"]);
        (await funder.GetByRole(AriaRole.Img, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Verfügbares Budget je Monat, von 500.000,00 €") }).CountAsync()).ShouldBe(1);
        (await funder.GetByRole(AriaRole.Table, new() { Name = "Stunden nach Handlungsfeld" }).Locator("tbody tr").CountAsync()).ShouldBeGreaterThan(0);
        (await funder.GetByRole(AriaRole.Table, new() { Name = "Standorte" }).InnerTextAsync()).ShouldContain("Genossenschaftshaus Kreativquartier");
        await BrowserApp.ShouldBeAccessibleAsync(funder);
        await BrowserApp.ScreenshotAsync(funder, "foerderung-uebersicht");
        var dashboard = funder.Url;

        // Funding pays by message: wait for a paid booking to be listed, then open its history.
        await Eventually.ReachedAsync(async () =>
        {
            await funder.GotoAsync(dashboard, BrowserApp.DocumentOnly);
            return await funder.GetByRole(AriaRole.List, new() { Name = "Zuletzt geförderte Buchungen" }).GetByRole(AriaRole.Link).CountAsync() > 0;
        }, "the grant paid for a booking");
        await funder.GetByRole(AriaRole.List, new() { Name = "Zuletzt geförderte Buchungen" }).GetByRole(AriaRole.Link).First.ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(funder);
        (await funder.Locator("h1").InnerTextAsync()).ShouldBe("Verlauf einer Buchung");
        var events = await funder.GetByRole(AriaRole.Table, new() { Name = "Was geschah" }).Locator("tbody tr").AllInnerTextsAsync();
        events.ShouldNotBeEmpty();
        events[0].ShouldContain("Beginn:");
        (await funder.GetByRole(AriaRole.Table, new() { Name = "Wer bezahlt hat" }).InnerTextAsync()).ShouldContain("diese Förderung");
        await BrowserApp.ShouldBeAccessibleAsync(funder);
        await BrowserApp.ScreenshotAsync(funder, "buchung-verlauf");
        var history = funder.Url;

        // Another funder is refused both by the server.
        var otherFunder = await app.FunderAsync("Bürgerstiftung Test");
        var stranger = await app.SignedInAsync("buergerstiftung@example.org", Roles.Funder, funderId: otherFunder);
        foreach (var url in new[] { dashboard, history })
        {
            (await stranger.GotoAsync(url, BrowserApp.DocumentOnly))!.Status.ShouldBeOneOf(403, 404);
            (await stranger.ContentAsync()).ShouldNotContain("Engagement-Etage Kreativquartier");
        }
    }
}
