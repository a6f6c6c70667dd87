using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>
/// On a 375 px phone the wide pages (the week calendar with a column per space, the day calendar, the
/// funder's dashboard tables) scroll only inside their labelled containers, never the whole page sideways.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PhoneWidthTests(BrowserApp app)
{
    [Fact]
    public async Task The_week_and_day_calendars_of_every_site_fit_a_375_px_phone()
    {
        var staff = await app.SignedInAsync("verwaltung.telefon@example.org", Roles.Admin, phone: true);
        await BrowserApp.ShouldFitTheWidthAsync(staff);
        await staff.GotoAsync("/verwaltung/kalender?ansicht=woche", BrowserApp.DocumentOnly);
        var sites = await staff.GetByLabel("Standort").Locator("option").EvaluateAllAsync<string[]>("options => options.map(o => o.value)");
        sites.Length.ShouldBeGreaterThan(5);
        foreach (var site in sites)
        {
            foreach (var view in new[] { "woche", "tag" })
            {
                await staff.GotoAsync($"/verwaltung/kalender?standort={site}&ansicht={view}", BrowserApp.DocumentOnly);
                await BrowserApp.ShouldShowNoErrorAsync(staff);
                await BrowserApp.ShouldFitTheWidthAsync(staff);
            }
        }
        // The wide table scrolls in a region with a name, which a keyboard reaches to scroll it.
        foreach (var view in new[] { "woche", "tag" })
        {
            await staff.GotoAsync($"/verwaltung/kalender?standort={sites[0]}&ansicht={view}", BrowserApp.DocumentOnly);
            var region = staff.GetByRole(AriaRole.Region).Filter(new() { Has = staff.Locator("table.calendar") });
            (await region.GetAttributeAsync("tabindex")).ShouldBe("0");
            (await region.EvaluateAsync<bool>("r => r.scrollWidth > r.clientWidth")).ShouldBeTrue(); // it does scroll, inside
            await BrowserApp.ShouldBeAccessibleAsync(staff);
        }
    }

    [Fact]
    public async Task The_funders_grants_and_dashboard_fit_a_375_px_phone()
    {
        var city = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var funder = await app.SignedInAsync("foerderung.telefon@example.org", Roles.Funder, funderId: city, phone: true);
        await funder.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldFitTheWidthAsync(funder);
        await funder.GetByRole(AriaRole.Link, new() { Name = "Übersicht: Engagement-Etage Kreativquartier" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(funder);
        (await funder.Locator("main table").CountAsync()).ShouldBeGreaterThan(2);
        await BrowserApp.ShouldFitTheWidthAsync(funder);
        await funder.GotoAsync("/foerderung/echtheit", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldFitTheWidthAsync(funder);
    }
}
