using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;

namespace Allmende.Tests.Web;

/// <summary>Two passkey challenges per client address in an hour: the window does not end while the test runs.</summary>
public sealed class StrictPasskeyChallengesApp : AllmendeApp
{
    public StrictPasskeyChallengesApp() => With("SignIn:PasskeyChallenges:PermitsPerWindow", "2").With("SignIn:PasskeyChallenges:Window", "01:00:00");
}

/// <summary>
/// Passkey challenges are rows anyone may make (ADR 24): ASP.NET Core's rate limiter caps them per client address, over
/// plain HTTP as the pages' script asks for them (a form POST with the page's antiforgery token).
/// </summary>
public sealed class PasskeyChallengeLimitTests(StrictPasskeyChallengesApp app) : IClassFixture<StrictPasskeyChallengesApp>
{
    [Fact]
    public async Task A_client_past_its_passkey_challenges_gets_a_429_problem_while_the_password_form_still_answers()
    {
        using var browser = CookieSession.Browser(app);
        var challenges = new List<Guid>();
        for (var i = 0; i < 2; i++)
        {
            var options = await (await CookieSession.PostFormAsync(browser, "/anmelden", "/anmelden?handler=PasskeyOptions")).ShouldBeAsync(HttpStatusCode.OK);
            challenges.Add(JsonDocument.Parse(await options.Content.ReadAsStringAsync()).RootElement.GetProperty("challengeId").GetGuid());
        }

        var refused = await CookieSession.PostFormAsync(browser, "/anmelden", "/anmelden?handler=PasskeyOptions");

        await refused.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        (problem.GetProperty("status").GetInt32(), problem.GetProperty("title").GetString()).ShouldBe((429, "Too many requests"));
        refused.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldNotBeNull().ShouldBeGreaterThan(TimeSpan.Zero);
        // Only the two challenges that were answered were kept.
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from signin.passkey_challenges")).ShouldBe(2);
        challenges.Distinct().Count().ShouldBe(2);

        // The page itself and its password form are not limited: a wrong password is told as ever, not refused as too many.
        var password = await CookieSession.PostFormAsync(browser, "/anmelden", "/anmelden",
            new() { ["Email"] = "niemand@example.org", ["Password"] = "falsch-falsch" });
        var html = WebUtility.HtmlDecode(await (await password.ShouldBeAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync());
        html.ShouldContain("E-Mail-Adresse oder Passwort stimmen nicht.");

        // The budget is the address's, whichever page asks: a person signing in from it (the password is not limited)
        // cannot add a passkey now either, while the page's other posts (removing one) still answer as ever.
        using var staff = await CookieSession.SignedInAsync(app, "verwaltung.grenze@example.org", Roles.Admin);
        await (await staff.GetAsync("/passkeys")).ShouldBeAsync(HttpStatusCode.OK);
        await (await CookieSession.PostFormAsync(staff, "/passkeys", "/passkeys?handler=Options")).ShouldBeAsync(HttpStatusCode.TooManyRequests);
        var remove = await CookieSession.PostFormAsync(staff, "/passkeys", "/passkeys?handler=Remove", new() { ["PasskeyId"] = Guid.NewGuid().ToString() });
        remove.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from signin.passkey_challenges")).ShouldBe(2);
    }
}
