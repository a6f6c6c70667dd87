using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;

namespace Allmende.Tests.Web;

/// <summary>
/// The web app's forms over plain HTTP, as a browser sends them (the page's antiforgery token and cookies
/// included), for tests that need a signed-in session but no rendering: a person invited through the API
/// sets a password through the link and is signed in by the session cookie the client keeps.
/// </summary>
internal static partial class CookieSession
{
    public const string Password = "Kiezkiosk-2026!";

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    /// <summary>The antiforgery token of the form on <paramref name="path"/> (its cookie stays with the client).</summary>
    public static async Task<string> TokenAsync(HttpClient browser, string path)
    {
        var page = await (await browser.GetAsync(path)).ShouldBeAsync(HttpStatusCode.OK);
        return WebUtility.HtmlDecode(Token().Match(await page.Content.ReadAsStringAsync()).Groups[1].Value);
    }

    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string formPath, string postPath, Dictionary<string, string>? fields = null)
    {
        var form = new Dictionary<string, string>(fields ?? []) { ["__RequestVerificationToken"] = await TokenAsync(browser, formPath) };
        return await browser.PostAsync(postPath, new FormUrlEncodedContent(form));
    }

    /// <summary>A client of <paramref name="app"/> that keeps cookies and does not follow redirects.</summary>
    public static HttpClient Browser(AllmendeApp app) => app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Invites <paramref name="email"/> as <paramref name="role"/> and sets the password through the link: the client is then signed in.</summary>
    public static async Task<HttpClient> SignedInAsync(AllmendeApp app, string email, string role, Guid? personId = null)
    {
        using var admin = app.AdminClient();
        var invited = await (await admin.PostAsJsonAsync("/api/access/accounts", new { email, role, personId })).ShouldBeAsync(HttpStatusCode.Created);
        var link = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("link").GetString()!;
        var browser = Browser(app);
        var set = await PostFormAsync(browser, link, link, new() { ["Password"] = Password, ["Confirm"] = Password });
        set.StatusCode.ShouldBe(HttpStatusCode.Redirect, await set.Content.ReadAsStringAsync());
        return browser;
    }
}
