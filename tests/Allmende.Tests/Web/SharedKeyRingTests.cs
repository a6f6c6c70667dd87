using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Allmende.Tests.Web;

/// <summary>
/// Two hosts of one database share the Data Protection key ring (signin.data_protection_keys): a person signed in
/// on one is signed in on the other, and a form one rendered the other accepts. A host of another database has
/// another ring and reads none of it, so the keys do not come from a folder the hosts of this machine share.
/// </summary>
public sealed class SharedKeyRingTests : IAsyncLifetime
{
    private string _database = "";
    private string _other = "";

    public async Task InitializeAsync()
    {
        // As a fresh installation: the template's host made a key when it was migrated; the hosts here start with none.
        _database = await TestPostgres.CreateDatabaseAsync("keyring");
        _other = await TestPostgres.CreateDatabaseAsync("keyring");
        await TestPostgres.ExecuteAsync(_database, "delete from signin.data_protection_keys");
        await TestPostgres.ExecuteAsync(_other, "delete from signin.data_protection_keys");
    }

    public async Task DisposeAsync()
    {
        await TestPostgres.DropDatabaseAsync(_database);
        await TestPostgres.DropDatabaseAsync(_other);
    }

    [Fact]
    public async Task A_session_cookie_issued_by_one_host_is_accepted_by_another_host_of_the_same_database()
    {
        await using var first = new AllmendeApp(_database, runBackgroundWork: true);
        await first.StartAsync();
        await using var second = new AllmendeApp(_database, runBackgroundWork: false);
        await second.StartAsync();

        // Signed in on the first host: the invitation's password form answers with the session cookie.
        using var admin = first.AdminClient();
        var invited = await (await admin.PostAsJsonAsync("/api/access/accounts", new { email = "verwaltung.zwei@example.org", role = Roles.Admin }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var link = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("link").GetString()!;
        using var onFirst = CookieSession.Browser(first);
        var set = await CookieSession.PostFormAsync(onFirst, link, link, new() { ["Password"] = CookieSession.Password, ["Confirm"] = CookieSession.Password });
        set.StatusCode.ShouldBe(HttpStatusCode.Redirect, await set.Content.ReadAsStringAsync());
        var session = SetCookieHeaderValue.ParseList(set.Headers.GetValues(HeaderNames.SetCookie).ToList()).Single(c => c.Name == "allmende.session");

        // The second host reads it: the staff page opens, in the person's name.
        using var onSecond = second.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/passkeys");
        request.Headers.Add(HeaderNames.Cookie, $"{session.Name}={session.Value}");
        var page = await (await onSecond.SendAsync(request)).ShouldBeAsync(HttpStatusCode.OK);
        WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()).ShouldContain("Sie haben noch keinen Passkey.");

        // One ring, in the database: each host knows exactly the keys of the table, and the second made none of its own.
        var stored = await TestPostgres.ScalarAsync(_database, "select count(*) from signin.data_protection_keys where name like 'key-%'");
        stored.ShouldBe(1);
        KeyIds(first).ShouldBe(KeyIds(second));

        // What one host protects the other unprotects; a host of another database cannot.
        var payload = first.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Protect("Kiezkiosk");
        second.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(payload).ShouldBe("Kiezkiosk");
        await using var elsewhere = new AllmendeApp(_other, runBackgroundWork: false);
        await elsewhere.StartAsync();
        Should.Throw<System.Security.Cryptography.CryptographicException>(
            () => elsewhere.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test").Unprotect(payload));
    }

    private static Guid[] KeyIds(AllmendeApp host) =>
        [.. host.Services.GetRequiredService<Microsoft.AspNetCore.DataProtection.KeyManagement.IKeyManager>().GetAllKeys().Select(k => k.KeyId).Order()];
}
