using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Microsoft.Playwright;
using Npgsql;

namespace Allmende.Tests.Web;

/// <summary>Signing in as a person: invitation link, password, session cookie, sign-out, lockout, revoking.</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserApp app)
{
    [Fact]
    public async Task Staff_invite_a_person_who_sets_a_password_through_the_link_and_signs_in_and_out()
    {
        var page = await app.NewPageAsync();
        await page.GotoAsync("/", BrowserApp.DocumentOnly);
        page.Url.ShouldStartWith(new Uri(app.BaseAddress, "/anmelden").ToString()); // not signed in: to the sign-in page
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "anmelden");

        var staff = await app.SignedInAsync("verwaltung@example.org", Roles.Admin);
        await staff.GotoAsync("/verwaltung/zugaenge", BrowserApp.DocumentOnly);
        await staff.GetByLabel("E-Mail-Adresse").FillAsync("Lena.Neu@Example.org");
        await staff.GetByLabel("Rolle").SelectOptionAsync(Roles.Member);
        await staff.GetByLabel("Person (für Mitglieder)").SelectOptionAsync(new SelectOptionValue { Label = "Mira Beispiel" });
        await staff.GetByRole(AriaRole.Button, new() { Name = "Einladen" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        var link = await staff.Locator("#invitation-link").InnerTextAsync();
        link.ShouldStartWith(new Uri(app.BaseAddress, "/einladung/").ToString());
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        var row = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "lena.neu@example.org" });
        (await row.InnerTextAsync()).ShouldContain("Mira Beispiel");
        (await row.InnerTextAsync()).ShouldContain("eingeladen");

        var member = await app.NewPageAsync(phone: true);
        await member.GotoAsync(link, BrowserApp.DocumentOnly);
        (await member.Locator("main").InnerTextAsync()).ShouldContain("lena.neu@example.org");
        await BrowserApp.ShouldBeAccessibleAsync(member);
        await member.GetByLabel("Neues Passwort").FillAsync("kurz");
        await member.GetByLabel("Passwort wiederholen").FillAsync("kurz");
        await member.GetByLabel("Neues Passwort").EvaluateAsync("e => e.removeAttribute('minlength')");
        await member.GetByRole(AriaRole.Button, new() { Name = "Passwort speichern und anmelden" }).ClickAsync();
        (await member.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("mindestens 10 Zeichen");
        await member.GetByLabel("Neues Passwort").FillAsync(BrowserApp.Password);
        await member.GetByLabel("Passwort wiederholen").FillAsync(BrowserApp.Password);
        await member.GetByRole(AriaRole.Button, new() { Name = "Passwort speichern und anmelden" }).ClickAsync();
        await BrowserApp.ArrivedAsync(member, new Uri(app.BaseAddress, "/").ToString());
        (await member.GetByRole(AriaRole.Navigation).InnerTextAsync()).ShouldContain("Meine Buchungen");

        // The link is spent.
        var again = await app.NewPageAsync();
        await again.GotoAsync(link, BrowserApp.DocumentOnly);
        (await again.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("nicht mehr gültig");

        // Sign out, then in again with the address in any case.
        await member.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        (await member.Locator("h1").InnerTextAsync()).ShouldBe("Abgemeldet");
        await member.GotoAsync("/verwaltung/zugaenge", BrowserApp.DocumentOnly);
        member.Url.ShouldStartWith(new Uri(app.BaseAddress, "/anmelden").ToString());
        await member.GetByLabel("E-Mail-Adresse").FillAsync("LENA.NEU@example.org");
        await member.GetByLabel("Passwort").FillAsync(BrowserApp.Password);
        await member.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();
        // Back to the page asked for, which a member's session does not reach: staff only.
        await BrowserApp.ArrivedAsync(member, new Uri(app.BaseAddress, "/kein-zugriff?ReturnUrl=%2Fverwaltung%2Fzugaenge").ToString());
        var refused = await member.GotoAsync("/verwaltung/zugaenge", BrowserApp.DocumentOnly);
        refused!.Status.ShouldBe(403);
    }

    [Fact]
    public async Task The_fifth_wrong_password_locks_the_account_even_for_the_right_one()
    {
        var page = await app.SignedInAsync("pruefung@example.org", Roles.Auditor);
        await page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        await page.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await page.GetByLabel("E-Mail-Adresse").FillAsync("pruefung@example.org");
            await page.GetByLabel("Passwort").FillAsync($"falsch-{attempt}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();
            (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain(attempt < 5 ? "stimmen nicht" : "gesperrt");
        }
        await page.GetByLabel("E-Mail-Adresse").FillAsync("pruefung@example.org");
        await page.GetByLabel("Passwort").FillAsync(BrowserApp.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("gesperrt");
        await BrowserApp.ShouldBeAccessibleAsync(page);
    }

    [Fact]
    public async Task Revoking_a_persons_access_ends_their_open_session_at_the_next_request()
    {
        var funderId = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var funder = await app.SignedInAsync("foerderer-entzug@example.org", Roles.Funder, funderId: funderId);
        (await funder.GotoAsync("/", BrowserApp.DocumentOnly))!.Status.ShouldBe(200);
        page_is_signed_in(await funder.Locator("header").InnerTextAsync());

        using var admin = app.AdminClient();
        var accounts = await admin.GetFromJsonAsync<JsonElement>("/api/access/accounts");
        var account = accounts.EnumerateArray().Single(a => a.GetProperty("email").GetString() == "foerderer-entzug@example.org");
        account.GetProperty("status").GetString().ShouldBe("active");
        var revoked = await admin.PostAsJsonAsync($"/api/access/accounts/{account.GetProperty("accountId").GetGuid()}/revoke", new { reason = "left" });
        revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("revoked");

        await funder.GotoAsync("/", BrowserApp.DocumentOnly);
        funder.Url.ShouldStartWith(new Uri(app.BaseAddress, "/anmelden").ToString());

        await funder.GetByLabel("E-Mail-Adresse").FillAsync("foerderer-entzug@example.org");
        await funder.GetByLabel("Passwort").FillAsync(BrowserApp.Password);
        await funder.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();
        (await funder.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain("stimmen nicht");
    }

    [Fact]
    public async Task The_address_is_stored_sealed_and_hashed_never_in_plain_text_and_the_log_names_none()
    {
        await app.InviteAsync("geheim.adresse@example.org", Roles.Admin);
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            select count(*) from signin.accounts where email_sealed like '%geheim%' or encode(email_hash, 'escape') like '%geheim%';
            """, connection);
        ((long)(await command.ExecuteScalarAsync())!).ShouldBe(0);
        await using var log = new NpgsqlCommand("select count(*) from marten.mt_events where data::text like '%geheim.adresse%'", connection);
        ((long)(await log.ExecuteScalarAsync())!).ShouldBe(0);
        using var admin = app.AdminClient();
        var accounts = await admin.GetFromJsonAsync<JsonElement>("/api/access/accounts");
        accounts.EnumerateArray().ShouldContain(a => a.GetProperty("email").GetString() == "geheim.adresse@example.org");
    }

    [Fact]
    public async Task An_invitation_names_a_valid_address_and_the_scope_its_role_needs()
    {
        using var admin = app.AdminClient();
        var noPerson = await admin.PostAsJsonAsync("/api/access/accounts", new { email = "x@example.org", role = "member" });
        noPerson.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await noPerson.Content.ReadAsStringAsync()).ShouldContain("personId");
        var badAddress = await admin.PostAsJsonAsync("/api/access/accounts", new { email = "kein-at", role = "admin" });
        badAddress.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await badAddress.Content.ReadAsStringAsync()).ShouldContain("email");
        await app.InviteAsync("doppelt@example.org", Roles.Admin);
        var twice = await admin.PostAsJsonAsync("/api/access/accounts", new { email = "Doppelt@example.org", role = "admin" });
        twice.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using var member = await app.ClientAsync(Roles.Member);
        (await member.GetAsync("/api/access/accounts")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    private static void page_is_signed_in(string header) => header.ShouldContain("Abmelden");
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserApp>
{
    public const string Name = "browser";
}
