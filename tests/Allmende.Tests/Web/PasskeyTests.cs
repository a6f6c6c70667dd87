using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Microsoft.Playwright;
using Npgsql;

namespace Allmende.Tests.Web;

/// <summary>
/// Passkeys (ADR 24) in the real browser: Chromium's virtual authenticator (through the DevTools protocol)
/// plays the person's device. The pages are opened at http://localhost, a secure context with a valid
/// relying-party id; 127.0.0.1 is not one.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PasskeyTests(BrowserApp app)
{
    [Fact]
    public async Task A_person_adds_a_passkey_signs_out_and_signs_in_with_it_instead_of_the_password()
    {
        var (page, _) = await SignedInWithDeviceAsync("passkey.anna@example.org", Roles.Admin);
        await page.GetByRole(AriaRole.Link, new() { Name = "Passkeys" }).ClickAsync();
        (await page.Locator("main").InnerTextAsync()).ShouldContain("Sie haben noch keinen Passkey.");
        await BrowserApp.ShouldBeAccessibleAsync(page);

        // By keyboard: Enter in the name field sends the form, as any form's.
        await page.GetByLabel("Name, zum Wiedererkennen").FillAsync("Laptop im Büro");
        // Look at the challenge while the device answers it: what the browser got, and what the server kept.
        (string? Challenge, string? ForDevice, string? Kept) ceremony = default;
        await page.RouteAsync(url => url.EndsWith("handler=Options", StringComparison.Ordinal), async route =>
        {
            var response = await route.FetchAsync();
            var body = await response.TextAsync();
            var challengeId = JsonDocument.Parse(body).RootElement.GetProperty("challengeId").GetString();
            ceremony = (challengeId, body, await KeptOptionsAsync(Guid.Parse(challengeId!)));
            await route.FulfillAsync(new() { Response = response });
        });
        await page.GetByLabel("Name, zum Wiedererkennen").PressAsync("Enter");
        await BrowserApp.ArrivedAsync(page, At("/passkeys?erledigt=hinzugefuegt"));
        await BrowserApp.ShouldShowNoErrorAsync(page);
        (await page.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Passkey ist gespeichert. Ab jetzt können Sie sich damit anmelden.");
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Laptop im Büro" });
        (await row.Locator("td").AllInnerTextsAsync()).Skip(2).Take(2).ToArray().ShouldBe(new[] { "noch nie", "dieses Gerät" });
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await BrowserApp.ScreenshotAsync(page, "passkeys");

        // The device was given the address as the passkey's label; the challenge kept meanwhile named none, and is gone now.
        ceremony.ForDevice.ShouldNotBeNull().ShouldContain("passkey.anna@example.org");
        ceremony.Kept.ShouldNotBeNull().ShouldNotContain("passkey.anna");
        JsonDocument.Parse(ceremony.Kept).RootElement.GetProperty("challenge").GetString()
            .ShouldBe(JsonDocument.Parse(ceremony.ForDevice).RootElement.GetProperty("options").GetProperty("challenge").GetString());
        (await ChallengeCountAsync(Guid.Parse(ceremony.Challenge!))).ShouldBe(0);

        // What is kept: the public key and its counter for the account, no secret, and the log names only ids.
        var accountId = await AccountIdAsync("passkey.anna@example.org");
        var stored = await PasskeyRowsAsync(accountId);
        stored.ShouldBe([new PasskeyRow(accountId, "Laptop im Büro", ["internal"], true, false)]);
        await using (var connection = await app.DataSource.OpenConnectionAsync())
        await using (var log = new NpgsqlCommand("""
            select type, data::text from marten.mt_events where stream_id = $1 and type like 'signin.passkey%' order by seq_id
            """, connection) { Parameters = { new() { Value = $"sign-in-{accountId:N}" } } })
        await using (var reader = await log.ExecuteReaderAsync())
        {
            (await reader.ReadAsync()).ShouldBeTrue();
            reader.GetString(0).ShouldBe("signin.passkey-added");
            var data = JsonDocument.Parse(reader.GetString(1)).RootElement;
            data.GetProperty("accountId").GetGuid().ShouldBe(accountId);
            data.EnumerateObject().Select(p => p.Name).Order().ShouldBe(["accountId", "passkeyId"]);
            (await reader.ReadAsync()).ShouldBeFalse();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Abgemeldet");
        await page.GotoAsync("/verwaltung/zugaenge", BrowserApp.DocumentOnly);
        page.Url.ShouldStartWith(At("/anmelden"));
        await BrowserApp.ShouldBeAccessibleAsync(page);
        // By keyboard: from the password field past "Anmelden" to "Passkey verwenden".
        await page.GetByLabel("Passwort").FocusAsync();
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        (await page.EvaluateAsync<string>("() => document.activeElement.textContent")).ShouldBe("Passkey verwenden");
        await page.Keyboard.PressAsync("Enter");
        await BrowserApp.ArrivedAsync(page, At("/verwaltung/zugaenge"));
        (await page.Locator("header").InnerTextAsync()).ShouldContain("passkey.anna@example.org");
        (await page.Locator("h1").InnerTextAsync()).ShouldBe("Zugänge");

        (await PasskeyRowsAsync(accountId)).ShouldBe([new PasskeyRow(accountId, "Laptop im Büro", ["internal"], true, true)]);
        await page.GotoAsync("/passkeys", BrowserApp.DocumentOnly);
        (await row.Locator("td").AllInnerTextsAsync())[2].ShouldNotBe("noch nie");
    }

    [Fact]
    public async Task An_answer_is_taken_once_and_only_for_its_own_challenge()
    {
        var (page, _) = await SignedInWithDeviceAsync("passkey.bernd@example.org", Roles.Auditor);
        await AddPasskeyAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        await page.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        string? sent = null;
        await page.RouteAsync(url => url.EndsWith("handler=Passkey", StringComparison.Ordinal), async route =>
        {
            sent = route.Request.PostData;
            await route.ContinueAsync();
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        await BrowserApp.ArrivedAsync(page, At("/"));
        var answer = HttpUtility.ParseQueryString(sent.ShouldNotBeNull());

        // The same answer again, from another browser: its challenge was used up by the sign-in above.
        var replay = await app.NewPageAsync(at: app.LocalhostAddress);
        await replay.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        await SubmitPasskeyAnswerAsync(replay, answer["ChallengeId"]!, answer["Credential"]!);
        (await replay.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe(
            "Die Anfrage ist abgelaufen oder wurde schon beantwortet. Bitte versuchen Sie es noch einmal.");
        (await replay.Locator("header").InnerTextAsync()).ShouldNotContain("Abmelden");

        // The same answer to a fresh challenge: the device signed another one, so the signature does not fit.
        var fresh = await FreshChallengeAsync(replay);
        await SubmitPasskeyAnswerAsync(replay, fresh, answer["Credential"]!);
        (await replay.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe(
            "Der Passkey wurde nicht angenommen: Die Prüfung der Antwort Ihres Geräts ist fehlgeschlagen.");
        (await replay.Locator("header").InnerTextAsync()).ShouldNotContain("Abmelden");
        await BrowserApp.ShouldBeAccessibleAsync(replay);

        // Whatever else the form brings is refused in words, never a server error.
        foreach (var (challengeId, credential) in new[]
        {
            ("kein-guid", answer["Credential"]!),
            (Guid.NewGuid().ToString(), answer["Credential"]!),
            (await FreshChallengeAsync(replay), "kein JSON"),
            (await FreshChallengeAsync(replay), """{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"AA","authenticatorData":"AA","signature":"AA"}}"""),
            (await FreshChallengeAsync(replay), Mangled(answer["Credential"]!)),
        })
        {
            var sent2 = await replay.RunAndWaitForResponseAsync(() => SubmitPasskeyAnswerAsync(replay, challengeId, credential),
                response => response.Url.EndsWith("handler=Passkey", StringComparison.Ordinal));
            sent2.Status.ShouldBe(200, $"{challengeId} {credential}");
            (await replay.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldNotBeNullOrWhiteSpace();
            (await replay.Locator("header").InnerTextAsync()).ShouldNotContain("Abmelden");
        }

        // Both challenges were used up by their one answer.
        (await ChallengeCountAsync(Guid.Parse(answer["ChallengeId"]!), Guid.Parse(fresh))).ShouldBe(0);
    }

    [Fact]
    public async Task Revoking_a_persons_access_ends_sign_in_with_their_passkey()
    {
        var funderId = await app.FunderIdAsync("Sozialbehörde Musterstadt");
        var (page, _) = await SignedInWithDeviceAsync("passkey.carla@example.org", Roles.Funder, funderId: funderId);
        await AddPasskeyAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();

        var accountId = await AccountIdAsync("passkey.carla@example.org");
        using (var admin = app.AdminClient())
        {
            var revoked = await admin.PostAsJsonAsync($"/api/access/accounts/{accountId}/revoke", new { reason = "left" });
            revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        (await PasskeyRowsAsync(accountId)).ShouldBeEmpty();

        await page.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        await page.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Dieser Passkey gehört zu keinem Zugang hier (mehr).");
        await page.GotoAsync("/foerderung", BrowserApp.DocumentOnly);
        page.Url.ShouldStartWith(At("/anmelden"));
    }

    [Fact]
    public async Task A_locked_account_is_refused_with_its_passkey_too()
    {
        var (page, _) = await SignedInWithDeviceAsync("passkey.dora@example.org", Roles.Auditor);
        await AddPasskeyAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        await page.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            await page.GetByLabel("E-Mail-Adresse").FillAsync("passkey.dora@example.org");
            await page.GetByLabel("Passwort").FillAsync($"falsch-{attempt}");
            await page.GetByRole(AriaRole.Button, new() { Name = "Anmelden" }).ClickAsync();
            (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldContain(attempt < 5 ? "stimmen nicht" : "gesperrt");
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        await BrowserApp.ArrivedAsync(page, At("/anmelden?handler=Passkey"));
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Zu viele Fehlversuche: Die Anmeldung ist für 15 Minuten gesperrt.");
        (await page.Locator("header").InnerTextAsync()).ShouldNotContain("Abmelden");
    }

    [Fact]
    public async Task A_person_removes_their_own_passkey_but_never_another_persons()
    {
        var (emil, _) = await SignedInWithDeviceAsync("passkey.emil@example.org", Roles.Admin);
        await AddPasskeyAsync(emil);
        var (frida, _) = await SignedInWithDeviceAsync("passkey.frida@example.org", Roles.Auditor);
        await AddPasskeyAsync(frida);
        var fridas = await frida.Locator("input[name=PasskeyId]").GetAttributeAsync("value");
        var fridaId = await AccountIdAsync("passkey.frida@example.org");

        // Emil's own form, sent with Frida's passkey: not his, so not found, and nothing removed.
        await emil.Locator("input[name=PasskeyId]").EvaluateAsync("(input, id) => input.value = id", fridas);
        var refused = await emil.RunAndWaitForResponseAsync(
            () => emil.GetByRole(AriaRole.Button, new() { Name = "Entfernen" }).ClickAsync(),
            response => response.Url.EndsWith("handler=Remove", StringComparison.Ordinal));
        refused.Status.ShouldBe(404);
        (await emil.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Diesen Passkey gibt es in Ihrem Konto nicht (mehr).");
        (await PasskeyRowsAsync(fridaId)).Count.ShouldBe(1);
        await BrowserApp.ShouldBeAccessibleAsync(emil);

        // Her own: removed, and the device's key opens nothing any more.
        await frida.GetByRole(AriaRole.Button, new() { Name = "Entfernen" }).ClickAsync();
        await BrowserApp.ArrivedAsync(frida, At("/passkeys?erledigt=entfernt"));
        (await frida.Locator("main").InnerTextAsync()).ShouldContain("Sie haben noch keinen Passkey.");
        (await PasskeyRowsAsync(fridaId)).ShouldBeEmpty();
        (await PasskeyRowsAsync(await AccountIdAsync("passkey.emil@example.org"))).Count.ShouldBe(1);
        await frida.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        await frida.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        await frida.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        (await frida.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Dieser Passkey gehört zu keinem Zugang hier (mehr).");
    }

    [Fact]
    public async Task Forgetting_a_person_deletes_their_passkeys_and_ends_sign_in_with_them()
    {
        var personId = await app.PersonAsync("Greta Vergessen");
        var (page, _) = await SignedInWithDeviceAsync("passkey.greta@example.org", Roles.Member, personId: personId, phone: true);
        await AddPasskeyAsync(page);
        await BrowserApp.ShouldFitTheWidthAsync(page);
        await BrowserApp.ShouldBeAccessibleAsync(page);
        await page.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        var accountId = await AccountIdAsync("passkey.greta@example.org");
        (await PasskeyRowsAsync(accountId)).Count.ShouldBe(1);

        using (var admin = app.AdminClient())
        {
            using var forget = new HttpRequestMessage(HttpMethod.Post, $"/api/people/{personId}/forget") { Headers = { { "If-Match", "\"1\"" } } };
            (await admin.SendAsync(forget)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        // The sign-in side learns of it from the outbox (ForgottenAccounts): wait until it has handled it.
        await Eventually.ReachedAsync(async () => (await PasskeyRowsAsync(accountId)).Count == 0, "the forgotten person's passkeys are deleted");

        await page.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        await page.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        (await page.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Dieser Passkey gehört zu keinem Zugang hier (mehr).");
    }

    [Fact]
    public async Task Staff_see_a_persons_passkeys_on_the_person_page_and_remove_one_which_ends_its_sign_ins_and_sessions()
    {
        var personId = await app.PersonAsync("Hanna Gerät");
        var (hanna, _) = await SignedInWithDeviceAsync("passkey.hanna@example.org", Roles.Member, personId: personId);
        await hanna.GotoAsync("/passkeys", BrowserApp.DocumentOnly);
        await hanna.GetByLabel("Name, zum Wiedererkennen").FillAsync("Telefon von Hanna");
        await hanna.GetByRole(AriaRole.Button, new() { Name = "Passkey hinzufügen" }).ClickAsync();
        await BrowserApp.ArrivedAsync(hanna, At("/passkeys?erledigt=hinzugefuegt"));
        // Signed in again with the passkey: that session lasts as long as the passkey. Another one, with the password, does not depend on it.
        await hanna.GetByRole(AriaRole.Button, new() { Name = "Abmelden" }).ClickAsync();
        await hanna.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        await hanna.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        await BrowserApp.ArrivedAsync(hanna, At("/"));
        var laptop = await app.NewPageAsync(at: app.LocalhostAddress);
        await laptop.GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        await laptop.GetByLabel("E-Mail-Adresse").FillAsync("passkey.hanna@example.org");
        await laptop.GetByLabel("Passwort").FillAsync(BrowserApp.Password);
        await laptop.GetByRole(AriaRole.Button, new() { Name = "Anmelden", Exact = true }).ClickAsync();
        await BrowserApp.ArrivedAsync(laptop, At("/"));
        // A member does not open the staff page, and the API refuses a member's key: the server decides, not a hidden link.
        await hanna.GotoAsync($"/verwaltung/personen/{personId}", BrowserApp.DocumentOnly);
        hanna.Url.ShouldStartWith(At("/kein-zugriff"));
        var accountId = await AccountIdAsync("passkey.hanna@example.org");
        using (var member = await app.ClientAsync(Roles.Member, personId))
        {
            (await member.GetAsync($"/api/access/accounts/{accountId}/passkeys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        // Staff see the passkey on the person page: its name, the access, when added and last used, and no key material.
        var (createdAt, lastUsedAt, credentialId, publicKey) = await PasskeyDetailsAsync(accountId);
        var staff = await app.SignedInAsync("verwaltung.geraete@example.org", Roles.Admin);
        await staff.GotoAsync($"/verwaltung/personen/{personId}", BrowserApp.DocumentOnly);
        var row = staff.GetByRole(AriaRole.Row).Filter(new() { HasText = "Telefon von Hanna" });
        (await row.Locator("td").AllInnerTextsAsync()).Take(4).ToArray().ShouldBe(
            ["Telefon von Hanna", "passkey.hanna@example.org", Berlin(createdAt), Berlin(lastUsedAt)]);
        var html = await staff.ContentAsync();
        foreach (var secret in new[] { Convert.ToBase64String(credentialId), Base64Url(credentialId), Convert.ToHexString(credentialId), Convert.ToBase64String(publicKey),
                     Base64Url(publicKey), Convert.ToHexString(publicKey) })
            html.ShouldNotContain(secret, Case.Insensitive);
        await BrowserApp.ShouldBeAccessibleAsync(staff);

        await staff.GetByRole(AriaRole.Button, new() { Name = "Passkey entfernen: Telefon von Hanna" }).ClickAsync();
        await BrowserApp.ShouldShowNoErrorAsync(staff);
        (await staff.GetByRole(AriaRole.Status).InnerTextAsync()).ShouldBe("Der Passkey „Telefon von Hanna“ ist entfernt: Mit ihm meldet sich niemand mehr an.");
        (await staff.Locator("main").InnerTextAsync()).ShouldContain("Kein Passkey.");
        await BrowserApp.ShouldBeAccessibleAsync(staff);
        (await PasskeyRowsAsync(accountId)).ShouldBeEmpty();
        // The log says who removed it: the staff person's account, not Hanna's.
        var staffAccount = await AccountIdAsync("verwaltung.geraete@example.org");
        await using (var connection = await app.DataSource.OpenConnectionAsync())
        await using (var log = new NpgsqlCommand("""
            select user_name from marten.mt_events where stream_id = $1 and type = 'signin.passkey-removed'
            """, connection) { Parameters = { new() { Value = $"sign-in-{accountId:N}" } } })
        {
            (await log.ExecuteScalarAsync()).ShouldBe($"{Roles.Admin}:account-{staffAccount:N}");
        }

        // The session the passkey opened ends at its next request; the passkey opens nothing any more; the password session goes on.
        await hanna.GotoAsync("/passkeys", BrowserApp.DocumentOnly);
        hanna.Url.ShouldStartWith(At("/anmelden"));
        await hanna.GetByRole(AriaRole.Button, new() { Name = "Passkey verwenden" }).ClickAsync();
        (await hanna.GetByRole(AriaRole.Alert).InnerTextAsync()).ShouldBe("Dieser Passkey gehört zu keinem Zugang hier (mehr).");
        await laptop.GotoAsync("/passkeys", BrowserApp.DocumentOnly);
        laptop.Url.ShouldBe(At("/passkeys"));
        (await laptop.Locator("main").InnerTextAsync()).ShouldContain("Sie haben noch keinen Passkey.");

        // A passkey the access does not have (removed, or never there): 404, nothing else touched.
        using var admin = app.AdminClient();
        (await admin.DeleteAsync($"/api/access/accounts/{accountId}/passkeys/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static string Berlin(DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("dd.MM.yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<(DateTimeOffset CreatedAt, DateTimeOffset LastUsedAt, byte[] CredentialId, byte[] PublicKey)> PasskeyDetailsAsync(Guid accountId)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            select created_at, last_used_at, credential_id, public_key from signin.passkeys where account_id = $1
            """, connection) { Parameters = { new() { Value = accountId } } };
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        return (reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<byte[]>(2), reader.GetFieldValue<byte[]>(3));
    }

    private sealed record PasskeyRow(Guid AccountId, string Name, string[] Transports, bool HasPublicKey, bool Used)
    {
        public bool Equals(PasskeyRow? other) => other is not null && AccountId == other.AccountId && Name == other.Name
            && Transports.SequenceEqual(other.Transports) && HasPublicKey == other.HasPublicKey && Used == other.Used;

        public override int GetHashCode() => HashCode.Combine(AccountId, Name, HasPublicKey, Used);
    }

    private string At(string path) => new Uri(app.LocalhostAddress, path).ToString();

    /// <summary>
    /// A person invited for <paramref name="role"/> who set a password, signed in at localhost in a browser
    /// whose device is Chromium's virtual authenticator (discoverable keys, user verification that succeeds).
    /// </summary>
    private async Task<(IPage Page, ICDPSession Device)> SignedInWithDeviceAsync(string email, string role, Guid? personId = null, Guid? funderId = null,
        bool phone = false)
    {
        var link = new Uri(app.LocalhostAddress, new Uri(await app.InviteAsync(email, role, personId, funderId)).PathAndQuery);
        var page = await app.NewPageAsync(phone, app.LocalhostAddress);
        var device = await page.Context.NewCDPSessionAsync(page);
        await device.SendAsync("WebAuthn.enable");
        await device.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        await page.GotoAsync(link.ToString(), BrowserApp.DocumentOnly);
        await page.GetByLabel("Neues Passwort").FillAsync(BrowserApp.Password);
        await page.GetByLabel("Passwort wiederholen").FillAsync(BrowserApp.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Passwort speichern und anmelden" }).ClickAsync();
        await BrowserApp.ArrivedAsync(page, At("/"));
        return (page, device);
    }

    private async Task AddPasskeyAsync(IPage page)
    {
        await page.GotoAsync("/passkeys", BrowserApp.DocumentOnly);
        await page.GetByRole(AriaRole.Button, new() { Name = "Passkey hinzufügen" }).ClickAsync();
        await BrowserApp.ArrivedAsync(page, At("/passkeys?erledigt=hinzugefuegt"));
        await BrowserApp.ShouldShowNoErrorAsync(page);
    }

    /// <summary>The real passkey's answer with its signed bytes cut short: it names a known credential, so Fido2 has to read it.</summary>
    private static string Mangled(string credential)
    {
        var answer = JsonNode.Parse(credential)!;
        answer["response"]!["authenticatorData"] = "AAAA";
        answer["response"]!["signature"] = "AAAA";
        return answer.ToJsonString();
    }

    /// <summary>A new sign-in challenge, asked for as the page's script does; its id.</summary>
    private static async Task<string> FreshChallengeAsync(IPage page) =>
        await page.EvaluateAsync<string>("""
            async () => {
                const form = document.querySelector('form[data-passkey]');
                const answer = await fetch(form.dataset.options, { method: 'POST', body: new FormData(form) });
                return (await answer.json()).challengeId;
            }
            """);

    /// <summary>
    /// Sends the sign-in page's passkey form with the given answer, as the page's script would. The alert of
    /// an earlier answer goes first, so that waiting for an alert waits for this answer's page.
    /// </summary>
    private static async Task SubmitPasskeyAnswerAsync(IPage page, string challengeId, string credential) =>
        await page.EvaluateAsync("""
            ([challengeId, credential]) => {
                document.querySelectorAll('[role=alert]').forEach(alert => alert.remove());
                const form = document.querySelector('form[data-passkey]');
                form.elements.ChallengeId.value = challengeId;
                form.elements.Credential.value = credential;
                form.submit();
            }
            """, new[] { challengeId, credential });

    private async Task<string?> KeptOptionsAsync(Guid challengeId)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select options from signin.passkey_challenges where challenge_id = $1", connection)
        {
            Parameters = { new() { Value = challengeId } },
        };
        return (string?)await command.ExecuteScalarAsync();
    }

    private async Task<long> ChallengeCountAsync(params Guid[] challengeIds)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("select count(*) from signin.passkey_challenges where challenge_id = any($1)", connection)
        {
            Parameters = { new() { Value = challengeIds } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<Guid> AccountIdAsync(string email)
    {
        using var admin = app.AdminClient();
        var accounts = await admin.GetFromJsonAsync<JsonElement>("/api/access/accounts");
        return accounts.EnumerateArray().Single(a => a.GetProperty("email").GetString() == email).GetProperty("accountId").GetGuid();
    }

    private async Task<List<PasskeyRow>> PasskeyRowsAsync(Guid accountId)
    {
        await using var connection = await app.DataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            select account_id, name, transports, length(public_key) > 0, last_used_at is not null from signin.passkeys where account_id = $1 order by created_at
            """, connection) { Parameters = { new() { Value = accountId } } };
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<PasskeyRow>();
        while (await reader.ReadAsync())
            rows.Add(new PasskeyRow(reader.GetGuid(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetBoolean(3), reader.GetBoolean(4)));
        return rows;
    }
}
