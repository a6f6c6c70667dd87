using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Host.Access;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace Allmende.Tests.Access;

/// <summary>
/// Keys only for principals that exist, tokens that speak for their key as it is now, and If-Match
/// compared strongly (issue 16, item 5; ADR 7).
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class KeysAndTokensTests(AllmendeApp app)
{
    private HttpClient Bearer(string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Keys_for_people_or_funders_that_exist_nowhere_are_refused_naming_the_field()
    {
        using var admin = app.AdminClient();
        var nobody = Guid.NewGuid();

        var member = await ProblemAsync(await admin.PostAsJsonAsync("/api/access/keys", new { name = "ghost", role = "member", personId = nobody }),
            HttpStatusCode.BadRequest);
        member.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["personId"]);
        member.GetProperty("errors").GetProperty("personId")[0].GetString().ShouldBe($"There is no person {nobody}.");

        var funder = await ProblemAsync(await admin.PostAsJsonAsync("/api/access/keys", new { name = "ghost", role = "funder", funderId = nobody }),
            HttpStatusCode.BadRequest);
        funder.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["funderId"]);
        funder.GetProperty("errors").GetProperty("funderId")[0].GetString().ShouldBe($"There is no funder {nobody}.");

        // A made-up person on an auditor key is refused too: a key names only real people.
        var auditor = await ProblemAsync(await admin.PostAsJsonAsync("/api/access/keys", new { name = "ghost", role = "auditor", personId = nobody }),
            HttpStatusCode.BadRequest);
        auditor.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["personId"]);

        (await admin.PostAsJsonAsync("/api/access/keys", new { name = "real", role = "funder", funderId = await app.FunderAsync() }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task No_key_is_issued_for_a_forgotten_person()
    {
        using var admin = app.AdminClient();
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Mara Selbständig", $"mara.{Guid.NewGuid():N}@example.org");
        (await admin.PostAsJsonAsync("/api/access/keys", new { name = "before", role = "member", personId = person.Id }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        await (await admin.PostAsync($"/api/people/{person.Id}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.OK);
        await Eventually.ReachedAsync(async () =>
            await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from access.forgotten_people where person_id = $1", person.Id) == 1,
            "access knows the person is forgotten");

        var refused = await ProblemAsync(await admin.PostAsJsonAsync("/api/access/keys", new { name = "after", role = "member", personId = person.Id }),
            HttpStatusCode.BadRequest);
        refused.GetProperty("errors").GetProperty("personId")[0].GetString().ShouldBe($"Person {person.Id} was forgotten: no key can act for them.");
    }

    [Fact]
    public async Task A_tokens_role_person_and_funder_come_from_its_key_not_from_its_claims()
    {
        var person = await app.PersonAsync();
        using var admin = app.AdminClient();
        var issued = await (await admin.PostAsJsonAsync("/api/access/keys", new { name = "member", role = "member", personId = person }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var keyId = issued.GetProperty("details").GetProperty("keyId").GetGuid();

        // A token signed with the host's own key (as a leaked signing key or an old token format would be)
        // that claims to be an admin acting for another person: only the key's subject counts.
        var issuer = app.Services.GetRequiredService<TokenIssuer>();
        var now = DateTime.UtcNow;
        var forged = new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(TokenIssuer.Issuer, TokenIssuer.Issuer,
            [
                new Claim(ClaimTypes.NameIdentifier, $"key-{keyId:N}"), new Claim(ClaimTypes.Role, Roles.Admin),
                new Claim(AllmendeClaims.Person, Guid.NewGuid().ToString()), new Claim(AllmendeClaims.Funder, Guid.NewGuid().ToString()),
            ],
            now, now.AddMinutes(5), new SigningCredentials(issuer.SigningKey, SecurityAlgorithms.HmacSha256)));
        using var bearer = Bearer(forged);

        var me = await bearer.GetFromJsonAsync<JsonElement>("/api/access/me");
        me.GetProperty("actor").GetString().ShouldBe($"member:key-{keyId:N}");
        me.GetProperty("role").GetString().ShouldBe("member");
        me.GetProperty("personId").GetGuid().ShouldBe(person);
        me.GetProperty("funders").GetArrayLength().ShouldBe(0);
        (await bearer.GetAsync("/api/access/keys")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await admin.PostAsJsonAsync($"/api/access/keys/{keyId}/revoke", new { reason = "test" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await bearer.GetAsync("/api/access/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_carries_only_the_id_of_its_key()
    {
        using var funder = app.CreateClient();
        funder.DefaultRequestHeaders.Add("X-Api-Key", await app.KeyAsync(Roles.Funder));
        var token = (await (await funder.PostAsync("/api/access/tokens", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;

        var claims = new JwtSecurityTokenHandler().ReadJwtToken(token).Claims.Select(c => c.Type).Order().ToList();
        claims.ShouldBe(new[] { ClaimTypes.NameIdentifier, "aud", "exp", "iss", "nbf" }.Order());
        using var bearer = Bearer(token);
        (await bearer.GetFromJsonAsync<JsonElement>("/api/access/me")).GetProperty("role").GetString().ShouldBe("funder");
    }

    [Fact]
    public async Task A_weak_If_Match_is_refused_since_If_Match_compares_strongly()
    {
        using var admin = app.AdminClient();
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Jonas Ehrenamt", $"jonas.{Guid.NewGuid():N}@example.org");

        var weak = await ProblemAsync(await admin.PostAsync($"/api/people/{person.Id}/forget", null, $"W/{etag}"), HttpStatusCode.BadRequest);
        weak.GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["If-Match"]);
        (await admin.GetFromJsonAsync<JsonElement>($"/api/people/{person.Id}")).GetProperty("erased").GetBoolean().ShouldBeFalse();

        await (await admin.PostAsync($"/api/people/{person.Id}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Back_dating_the_flexible_desk_price_needs_the_price_lists_ETag()
    {
        using var admin = app.AdminClient();
        const string Url = "/api/funding/prices/flexible-desk";
        var thisMonth = DateTime.UtcNow.AddDays(-1) is var d ? new DateOnly(d.Year, d.Month, 1) : default; // a month already begun in Berlin

        // The first price starts the list: no version to name.
        var first = await admin.SendAsync("PUT", Url, new { monthlyFeeCents = 9000, effectiveFrom = "2030-01-01" }).ShouldHaveStatus(HttpStatusCode.OK);
        var etag = SpacesHttp.ETag(first);
        // A coming month needs none either: nothing was charged at it yet.
        etag = SpacesHttp.ETag(await admin.SendAsync("PUT", Url, new { monthlyFeeCents = 9500, effectiveFrom = "2031-01-01" }).ShouldHaveStatus(HttpStatusCode.OK));
        SpacesHttp.ETag(await admin.SendAsync("GET", Url).ShouldHaveStatus(HttpStatusCode.OK)).ShouldBe(etag);

        var backDated = new { monthlyFeeCents = 8000, effectiveFrom = thisMonth.ToString("yyyy-MM-dd") };
        (await ProblemAsync(await admin.SendAsync("PUT", Url, backDated), (HttpStatusCode)428)).GetProperty("title").GetString().ShouldBe("If-Match required");
        // A stale ETag: the 409 tells the versions, never the store's stream.
        var stale = await ProblemAsync(await admin.SendAsync("PUT", Url, backDated, "\"1\""), HttpStatusCode.Conflict);
        (stale.GetProperty("title").GetString(), stale.GetProperty("detail").GetString()).ShouldBe(("Changed by someone else meanwhile: reload and retry",
            "You sent If-Match \"1\", but it is now at \"2\": GET it again, check the change, and retry with its ETag."));
        var done = await admin.SendAsync("PUT", Url, backDated, etag).ShouldHaveStatus(HttpStatusCode.OK);

        (await done.JsonAsync()).EnumerateArray().Select(p => (p.GetProperty("monthlyFeeCents").GetInt64(), p.GetProperty("effectiveFrom").GetString()))
            .ShouldBe([(8000L, thisMonth.ToString("yyyy-MM-dd")), (9000L, "2030-01-01"), (9500L, "2031-01-01")]);
        SpacesHttp.ETag(done).ShouldNotBe(etag);
    }
}
