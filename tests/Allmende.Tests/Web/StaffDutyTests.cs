using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>Staff on duty: the day's check-ins, the site's week (spaces as columns, both DST weeks), and the flagged bookings.</summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffDutyTests(BrowserApp app)
{
    /// <summary>A Friday <paramref name="weeks"/> weeks on: clear of the other browser tests' days.</summary>
    private static DateOnly Friday(int weeks) =>
        DateOnly.FromDateTime(DateTime.UtcNow.Date).AddDays(7 * weeks + ((int)DayOfWeek.Friday - (int)DateTime.UtcNow.DayOfWeek + 7) % 7);

    [Fact]
    public async Task Staff_check_a_group_in_see_it_in_the_week_and_see_the_bookings_a_closure_flagged()
    {
        using var admin = app.AdminClient();
        var site = await IdAsync(admin, "/api/sites?limit=500", "Quartierszentrum am Markt");
        var kiosk = await IdAsync(admin, "/api/organisations?limit=500", "Initiative Kiezkiosk");
        var day = Friday(11);
        var booked = await BookAsync(admin, "Vereinsraum", kiosk, day, new TimeOnly(10, 0), "Kiezrunde");

        var staff = await app.SignedInAsync("kuemmerdienst@example.org", Roles.Admin, phone: true);
        await staff.GotoAsync($"/verwaltung/heute?standort={site}&datum={day:dd.MM.yyyy}", BrowserApp.DocumentOnly);
        var row = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Kiezrunde" });
        (await row.InnerTextAsync()).ShouldContain("10:00–11:00 Uhr");
        (await row.InnerTextAsync()).ShouldContain("Vereinsraum");
        (await row.InnerTextAsync()).ShouldContain("Initiative Kiezkiosk");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await row.GetByRole(AriaRole.Button, new() { Name = "Einchecken: Kiezrunde, Initiative Kiezkiosk" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Eingecheckt: Kiezrunde, Initiative Kiezkiosk.");
        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Kiezrunde" }).InnerTextAsync()).ShouldContain("eingecheckt");
        (await admin.GetFromJsonAsync<JsonElement>($"/api/bookings/{booked}")).GetProperty("status").GetString().ShouldBe("checked-in");
        await BrowserApp.ScreenshotAsync(staff, "check-ins");

        await staff.GotoAsync($"/verwaltung/kalender?standort={site}&datum={day:dd.MM.yyyy}&ansicht=woche", BrowserApp.DocumentOnly);
        (await staff.Locator("table.calendar thead th").AllInnerTextsAsync())
            .ShouldBe(["Tag", "Arbeitsgruppenraum", "Besprechungsraum", "Veranstaltungssaal mit Bühne", "Vereinsraum"]);
        var friday = staff.GetByRole(AriaRole.Row).Filter(new() { Has = staff.GetByRole(AriaRole.Rowheader, new() { Name = Weekday(day) }) });
        (await friday.Locator("td").Nth(3).InnerTextAsync()).ShouldContain("10:00–11:00 Kiezrunde");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "kalender-woche");

        // A closure covers a booking a week later: Bookings flags it (by message), and the page says why in German.
        var later = await BookAsync(admin, "Arbeitsgruppenraum", kiosk, day.AddDays(7), new TimeOnly(15, 0), "Herbstfest-Planung");
        using var siteRead = await admin.GetAsync($"/api/sites/{site}");
        using var closing = new HttpRequestMessage(HttpMethod.Post, $"/api/sites/{site}/closures")
        {
            Content = JsonContent.Create(new { firstDay = day.AddDays(7), lastDay = day.AddDays(7), reason = "Wasserschaden" }),
        };
        closing.Headers.IfMatch.Add(siteRead.Headers.ETag!);
        var closure = await admin.SendAsync(closing);
        closure.StatusCode.ShouldBe(HttpStatusCode.Created, await closure.Content.ReadAsStringAsync());
        await Eventually.ReachedAsync(async () =>
        {
            await staff.GotoAsync("/verwaltung/auffaellig", BrowserApp.DocumentOnly);
            return await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Herbstfest-Planung" }).CountAsync() > 0;
        }, "the closure flagged the booking");
        var flagged = await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Herbstfest-Planung" }).InnerTextAsync();
        flagged.ShouldContain("Standort geschlossen: Wasserschaden");
        flagged.ShouldContain("Arbeitsgruppenraum, Quartierszentrum am Markt");
        flagged.ShouldContain($"{Weekday(day.AddDays(7))}, 15:00–16:00 Uhr");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "markierte-buchungen");
        later.ShouldNotBe(Guid.Empty);

        // A member is no staff: the server refuses the duty pages.
        var member = await app.SignedInAsync("mira.dienst@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        foreach (var path in new[] { "/verwaltung/heute", "/verwaltung/auffaellig", "/verwaltung/personen", "/verwaltung/organisationen" })
        {
            (await member.GotoAsync(path, BrowserApp.DocumentOnly))!.Status.ShouldBe(403, path);
            (await member.ContentAsync()).ShouldNotContain("Kiezrunde");
        }
    }

    [Theory]
    [InlineData("2026-10-25", "Montag, 19.10.2026", "Sonntag, 25.10.2026")]
    [InlineData("2027-03-28", "Montag, 22.03.2027", "Sonntag, 28.03.2027")]
    public async Task The_week_of_a_clock_change_has_its_seven_Berlin_days(string date, string first, string last)
    {
        var staff = await app.SignedInAsync($"verwaltung.woche.{date}@example.org", Roles.Admin);
        await staff.GotoAsync($"/verwaltung/kalender?datum={date}&ansicht=woche", BrowserApp.DocumentOnly);
        var days = await staff.Locator("table.calendar tbody th").AllInnerTextsAsync();
        days.Count.ShouldBe(7);
        days[0].ShouldBe(first);
        days[6].ShouldBe(last);
    }

    private static string Weekday(DateOnly day) => day.ToString("dddd, dd.MM.yyyy", new System.Globalization.CultureInfo("de-DE"));

    private static async Task<Guid> BookAsync(HttpClient admin, string space, Guid organisation, DateOnly day, TimeOnly at, string purpose)
    {
        var spaceId = await IdAsync(admin, "/api/spaces?limit=500", space, onlyOne: false);
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var start = new DateTimeOffset(day.ToDateTime(at), berlin.GetUtcOffset(day.ToDateTime(at)));
        var response = await admin.PostAsJsonAsync("/api/bookings", new
        {
            spaceId, organisationId = organisation, start, end = start.AddHours(1), attendees = 6, purpose, actionField = "living-together",
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<Guid> IdAsync(HttpClient admin, string list, string name, bool onlyOne = true)
    {
        var matching = (await admin.GetFromJsonAsync<JsonElement>(list)).GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("name").GetString() == name).ToList();
        if (onlyOne)
            matching.Count.ShouldBe(1, name);
        return matching[0].GetProperty("id").GetGuid();
    }
}
