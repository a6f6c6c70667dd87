using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Contracts;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Access;

public sealed class AccessTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private async Task<JsonElement> IssueAsync(object request)
    {
        using var admin = app.AdminClient();
        var response = await admin.PostAsJsonAsync("/api/access/keys", request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private HttpClient With(string key)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task An_issued_key_is_shown_once_stored_only_as_a_hash_and_works_for_its_role()
    {
        var person = await app.PersonAsync();
        var issued = await IssueAsync(new { name = "Raumverwaltung Laptop", role = "member", personId = person });
        var key = issued.GetProperty("key").GetString()!;
        var keyId = issued.GetProperty("details").GetProperty("keyId").GetGuid();

        using var member = With(key);
        var me = await member.GetFromJsonAsync<JsonElement>("/api/access/me");
        me.GetProperty("role").GetString().ShouldBe("member");
        me.GetProperty("personId").GetGuid().ShouldBe(person);
        me.GetProperty("actor").GetString().ShouldBe($"member:key-{keyId:N}");

        using var admin = app.AdminClient();
        var listed = await admin.GetStringAsync("/api/access/keys?limit=500");
        listed.ShouldContain(keyId.ToString());
        // "alm_" + id + "_" + secret, and the base64url secret may itself hold '_': split only twice.
        var secret = key.Split('_', 3)[2];
        secret.Length.ShouldBe(43);
        listed.ShouldNotContain(secret);
        (await app.Store.ReadStreamAsync($"api-key-{keyId:N}")).Single().Data
            .ShouldBe(new Allmende.Host.Access.ApiKeyIssued(keyId, "member", person, null, null));
        await using var command = app.DataSource.CreateCommand("select count(*) from marten.mt_events where data::text like '%' || $1 || '%'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = secret });
        (await command.ExecuteScalarAsync()).ShouldBe(0L);
    }

    [Fact]
    public async Task A_revoked_key_and_the_tokens_made_from_it_stop_working_at_once()
    {
        var issued = await IssueAsync(new { name = "to revoke", role = "auditor" });
        var key = issued.GetProperty("key").GetString()!;
        var keyId = issued.GetProperty("details").GetProperty("keyId").GetGuid();
        using var auditor = With(key);
        var token = (await (await auditor.PostAsync("/api/access/tokens", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        using var bearer = app.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        (await bearer.GetFromJsonAsync<JsonElement>("/api/access/me")).GetProperty("role").GetString().ShouldBe("auditor");

        using var admin = app.AdminClient();
        (await admin.PostAsJsonAsync($"/api/access/keys/{keyId}/revoke", new { reason = "laptop lost" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await auditor.GetAsync("/api/access/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await bearer.GetAsync("/api/access/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await app.Store.ReadStreamAsync($"api-key-{keyId:N}"))[^1].Data.ShouldBe(new Allmende.Host.Access.ApiKeyRevoked(keyId, "laptop lost"));
    }

    [Fact]
    public async Task An_expired_key_is_refused()
    {
        // The host starts first (its start-up may take longer than the key lives), then the key is issued
        // to live ten seconds from now: valid at once, refused once that instant has passed. (Two seconds
        // were once used up by issuing alone on a loaded machine.)
        using (var admin = app.AdminClient())
            (await admin.GetAsync("/api/access/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var issued = await IssueAsync(new { name = "short", role = "auditor", expiresAt = DateTimeOffset.UtcNow.AddSeconds(10) });
        using var auditor = With(issued.GetProperty("key").GetString()!);
        (await auditor.GetAsync("/api/access/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await Eventually.ReachedAsync(async () => (await auditor.GetAsync("/api/access/me")).StatusCode == HttpStatusCode.Unauthorized, "key expires", 30);
    }

    [Fact]
    public async Task Issuing_a_key_with_bad_fields_names_them()
    {
        using var admin = app.AdminClient();
        var response = await admin.PostAsJsonAsync("/api/access/keys", new { name = "", role = "superuser", expiresAt = DateTimeOffset.UtcNow.AddDays(-1) });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ShouldBe(["expiresAt", "name", "role"]);

        var member = await admin.PostAsJsonAsync("/api/access/keys", new { name = "no person", role = "member" });
        (await member.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Single().Name.ShouldBe("personId");
    }

    [Fact]
    public async Task Only_staff_issue_keys()
    {
        foreach (var role in new[] { Roles.Auditor, Roles.Member, Roles.Funder })
        {
            using var client = await app.ClientAsync(role);
            (await client.PostAsJsonAsync("/api/access/keys", new { name = "escalate", role = "admin" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden, role);
        }
        using var anonymous = app.CreateClient();
        (await anonymous.PostAsJsonAsync("/api/access/keys", new { name = "x", role = "admin" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_member_acts_for_the_organisations_membership_says_and_loses_them_when_forgotten()
    {
        var person = await app.PersonAsync();
        var organisation = Guid.NewGuid();
        using var member = await app.ClientAsync(Roles.Member, person);
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.Publish(new PersonActsForOrganisation(person, organisation, "representative", 2));
        await uow.CommitAsync();

        await Eventually.ReachedAsync(async () =>
            (await member.GetFromJsonAsync<JsonElement>("/api/access/me")).GetProperty("organisations").EnumerateArray().Any(o => o.GetGuid() == organisation),
            "member acts for the organisation");

        var forget = app.Store.Begin(new EventMetadata("test"));
        forget.Publish(new PersonForgotten(person, DateTimeOffset.UtcNow, 3));
        await forget.CommitAsync();
        await Eventually.ReachedAsync(async () => (await member.GetAsync("/api/access/me")).StatusCode == HttpStatusCode.Unauthorized,
            "a forgotten person's keys are revoked");
        using var admin = app.AdminClient();
        var keys = await admin.GetFromJsonAsync<JsonElement>("/api/access/keys?role=member&includeRevoked=true&limit=500");
        var key = keys.GetProperty("items").EnumerateArray().Single(k => k.GetProperty("personId").GetGuid() == person);
        key.GetProperty("name").GetString().ShouldBe("(erased)");
        var keyId = key.GetProperty("keyId").GetGuid();
        (await app.Store.ReadStreamAsync($"api-key-{keyId:N}"))[^1].Data.ShouldBe(new Allmende.Host.Access.ApiKeyRevoked(keyId, "person forgotten"));
    }

    private async Task<long> CountAsync(string sql, Guid id)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Membership_facts_arriving_out_of_order_never_restore_an_older_state()
    {
        var person = await app.PersonAsync();
        var organisation = Guid.NewGuid();
        using var member = await app.ClientAsync(Roles.Member, person);
        // The newer "stopped" (version 3) is delivered before the older "acts for" (version 2).
        var stopped = app.Store.Begin(new EventMetadata("test"));
        stopped.Publish(new PersonStoppedActingForOrganisation(person, organisation, 3));
        await stopped.CommitAsync();
        await Eventually.ReachedAsync(async () => await CountAsync("select count(*) from access.person_organisations where person_id = $1", person) == 1, "stop recorded");
        var acts = app.Store.Begin(new EventMetadata("test"));
        var actsId = acts.Publish(new PersonActsForOrganisation(person, organisation, "member", 2));
        await acts.CommitAsync();
        await Eventually.ReachedAsync(async () =>
            await WolverineEnvelopes.HandledAsync(app.DataSource, actsId) == 1, "old fact delivered");

        (await member.GetFromJsonAsync<JsonElement>("/api/access/me")).GetProperty("organisations").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_token_cannot_make_tokens_and_a_bootstrap_token_carries_the_keys_fingerprint()
    {
        using var admin = app.AdminClient();
        var token = (await (await admin.PostAsync("/api/access/tokens", null)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
        using var bearer = app.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        (await bearer.GetFromJsonAsync<JsonElement>("/api/access/me")).GetProperty("role").GetString().ShouldBe("admin");
        (await bearer.PostAsync("/api/access/tokens", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var payload = token.Split('.')[1].Replace('-', '+').Replace('_', '/');
        var claims = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(payload.PadRight(payload.Length + (4 - payload.Length % 4) % 4, '=')));
        claims.ShouldContain("allmende:bootstrap-fingerprint");
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Unreadable_fields_and_instants_without_an_offset_are_named_in_the_400()
    {
        using var admin = app.AdminClient();
        var wrongType = await admin.PostAsync("/api/access/keys", Json("{\"name\": 123, \"role\": \"auditor\"}"));
        wrongType.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await wrongType.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Single().Name.ShouldBe("name");

        var local = await admin.PostAsync("/api/access/keys", Json("{\"name\": \"x\", \"role\": \"auditor\", \"expiresAt\": \"2030-03-29T01:00:00\"}"));
        local.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await local.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("expiresAt")[0].GetString()!.ShouldContain("offset");

        var query = await admin.GetAsync("/api/access/keys?limit=abc");
        query.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await query.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Single().Name.ShouldBe("limit");
    }
}
