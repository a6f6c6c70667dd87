using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Microsoft.Playwright;

namespace Allmende.Tests.Web;

/// <summary>Staff register an organisation and admit it, register a person, give them an organisation and a plan, and forget them after confirming.</summary>
[Collection(BrowserCollection.Name)]
public sealed class StaffMembershipTests(BrowserApp app)
{
    [Fact]
    public async Task Staff_admit_an_organisation_register_a_person_give_a_plan_and_forget_them_after_confirming()
    {
        var staff = await app.SignedInAsync("verwaltung.mitglieder@example.org", Roles.Admin);

        await staff.GotoAsync("/verwaltung/organisationen", BrowserApp.DocumentOnly);
        await staff.GetByLabel("Name").FillAsync("Nachbarschaftschor Lindenhof");
        await staff.GetByLabel("Art").SelectOptionAsync(new SelectOptionValue { Label = "Verein" });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Eintragen (als Antrag)" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Nachbarschaftschor Lindenhof ist eingetragen und hat die Mitgliedschaft beantragt.");
        var choir = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Nachbarschaftschor Lindenhof" });
        (await choir.InnerTextAsync()).ShouldContain("Verein, gemeinnützig");
        (await choir.InnerTextAsync()).ShouldContain("beantragt");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await choir.GetByRole(AriaRole.Button, new() { Name = "Aufnehmen: Nachbarschaftschor Lindenhof" }).ClickAsync();
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Nachbarschaftschor Lindenhof ist aufgenommen und kann buchen.");
        (await staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Nachbarschaftschor Lindenhof" }).InnerTextAsync()).ShouldContain("aktiv");
        await BrowserApp.ScreenshotAsync(staff, "organisationen");

        await staff.GotoAsync("/verwaltung/personen", BrowserApp.DocumentOnly);
        await staff.GetByLabel("Name").FillAsync("Lena Probe");
        await staff.GetByLabel("E-Mail-Adresse").FillAsync("lena.probe@example.org");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Eintragen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Lena Probe");
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Lena Probe ist eingetragen.");
        var personUrl = staff.Url.Split('?')[0];

        await staff.GetByLabel("Organisation", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Nachbarschaftschor Lindenhof" });
        await staff.GetByLabel("Rolle").SelectOptionAsync("representative");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Zuordnen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Lena Probe handelt jetzt für Nachbarschaftschor Lindenhof.");
        (await staff.GetByRole(AriaRole.List, new() { Name = "Handelt für" }).InnerTextAsync()).ShouldBe("Nachbarschaftschor Lindenhof (vertritt)");

        await staff.GetByLabel("Tarif", new() { Exact = true }).SelectOptionAsync("civil-society");
        await staff.GetByLabel("Über").SelectOptionAsync(new SelectOptionValue { Label = "Nachbarschaftschor Lindenhof" });
        await staff.GetByLabel("Ab").FillAsync("01.01.2027");
        await staff.GetByRole(AriaRole.Button, new() { Name = "Tarif zuweisen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Tarif „Zivilgesellschaft (frei)“ ab 01.01.2027 zugewiesen.");
        (await staff.GetByRole(AriaRole.List, new() { Name = "Tarife" }).InnerTextAsync())
            .ShouldBe("Zivilgesellschaft (frei) über Nachbarschaftschor Lindenhof, ab 01.01.2027");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await BrowserApp.ScreenshotAsync(staff, "person");

        // Forgetting asks first, on a page of its own.
        await staff.GetByRole(AriaRole.Link, new() { Name = "Person vergessen …" }).ClickAsync();
        (await staff.Locator("h1").InnerTextAsync()).ShouldBe("Lena Probe vergessen?");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        await staff.GetByLabel("Ja, Lena Probe endgültig vergessen").CheckAsync();
        await staff.GetByRole(AriaRole.Button, new() { Name = "Endgültig vergessen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Die Person ist vergessen: ihre persönlichen Daten sind gelöscht.");
        (await staff.Locator("main").InnerTextAsync()).ShouldNotContain("Lena Probe");

        using var admin = app.AdminClient();
        var person = await admin.GetFromJsonAsync<JsonElement>("/api/people/" + personUrl.Split('/')[^1]);
        person.GetProperty("erased").GetBoolean().ShouldBeTrue();
        person.GetProperty("email").ValueKind.ShouldBe(JsonValueKind.Null);
    }
}

/// <summary>Admins: the projections' lag and the dead letters, in German; a member is refused the page.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OperationsPageTests(BrowserApp app)
{
    [Fact]
    public async Task An_admin_sees_the_projections_and_dead_letters_and_a_member_is_refused()
    {
        var staff = await app.SignedInAsync("verwaltung.betrieb@example.org", Roles.Admin);
        await staff.GotoAsync("/verwaltung/betrieb", BrowserApp.DocumentOnly);
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var projections = staff.GetByRole(AriaRole.Table, new() { Name = "Lesemodelle (Projektionen)" });
        (await projections.Locator("tbody tr").CountAsync()).ShouldBeGreaterThan(3);
        (await projections.Locator("tbody tr td:nth-child(2)").AllInnerTextsAsync()).ShouldAllBe(s => s.StartsWith("läuft"));
        (await staff.GetByRole(AriaRole.Heading, new() { Name = "Unzustellbare Nachrichten" }).CountAsync()).ShouldBe(1);
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        var member = await app.SignedInAsync("mira.betrieb@example.org", Roles.Member, personId: await app.PersonIdAsync("Mira Beispiel"));
        (await member.GotoAsync("/verwaltung/betrieb", BrowserApp.DocumentOnly))!.Status.ShouldBe(403);
        (await member.ContentAsync()).ShouldNotContain("Lesemodelle");
    }
}
