using Allmende.Tests.Infrastructure;
using System.Net;
using System.Text.Json.Nodes;
using Allmende.Eventing.Api;
using Allmende.Membership.People.Read;

namespace Allmende.Tests.Membership;

[Collection(MembershipHost.Name)]
public sealed class PeopleApiTests(MembershipApp app)
{
    internal static async Task<(PersonResponse Person, string ETag)> RegisterAsync(HttpClient client, string name, string email, string? phone = null)
    {
        var response = await (await client.PostAsync("/api/people", new { Name = name, Email = email, Phone = phone })).ShouldBeAsync(HttpStatusCode.Created);
        return (await response.ReadAsync<PersonResponse>(), response.ETag());
    }

    internal static async Task<(PersonResponse Person, string ETag)> SendAsync(HttpClient client, HttpMethod method, string url, object? body, string etag)
    {
        var response = await (await client.SendAsync(method, url, body, etag)).ShouldBeAsync(HttpStatusCode.OK);
        return (await response.ReadAsync<PersonResponse>(), response.ETag());
    }

    private static async Task<string?> RefusedAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await (await response.ShouldBeAsync(HttpStatusCode.Conflict)).Content.ReadAsStringAsync())?["rule"]?.GetValue<string>();

    private static async Task<IEnumerable<string>> InvalidFieldsAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await (await response.ShouldBeAsync(HttpStatusCode.BadRequest)).Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(p => p.Key);

    private async Task<Guid> OrganisationAsync(HttpClient client, object details)
    {
        var (organisation, _) = await OrganisationApiTests.RegisterAsync(client, details);
        return organisation.Id;
    }

    [Fact]
    public async Task Registering_a_person_answers_201_with_location_etag_and_their_data()
    {
        using var client = app.AdminClient();

        var response = await (await client.PostAsync("/api/people", new { Name = "Mara Selbständig", Email = "mara@freelance.example", Phone = "+49 341 555 0101" }))
            .ShouldBeAsync(HttpStatusCode.Created);

        var person = await response.ReadAsync<PersonResponse>();
        response.Headers.Location!.ToString().ShouldBe($"/api/people/{person.Id}");
        response.ETag().ShouldBe("\"1\"");
        (person.Name, person.Email, person.Phone, person.Erased, person.Version).ShouldBe(("Mara Selbständig", "mara@freelance.example", "+49 341 555 0101", false, 1L));
        person.Organisations.ShouldBeEmpty();
        var read = await (await client.GetAsync($"/api/people/{person.Id}")).ShouldBeAsync(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"1\"");
        (await read.ReadAsync<PersonResponse>()).Email.ShouldBe("mara@freelance.example");
    }

    [Fact]
    public async Task A_person_with_bad_fields_is_a_400_naming_each_of_them()
    {
        using var client = app.AdminClient();

        (await InvalidFieldsAsync(await client.PostAsync("/api/people", new { Name = "", Email = "mara-at-example", Phone = "ring twice" })))
            .ShouldBe(["name", "email", "phone"], ignoreOrder: true);
        (await InvalidFieldsAsync(await client.PostAsync("/api/people", new { Name = "Mara" }))).ShouldBe(["email"]);
    }

    [Fact]
    public async Task An_unknown_person_is_a_404()
    {
        using var client = app.AdminClient();
        var unknown = Guid.NewGuid();

        await (await client.GetAsync($"/api/people/{unknown}")).ShouldBeAsync(HttpStatusCode.NotFound);
        await (await client.PutAsync($"/api/people/{unknown}", new { Name = "X", Email = "x@example.org" }, "\"1\"")).ShouldBeAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync($"/api/people/{unknown}/forget", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Personal_data_is_changed_with_put_and_if_match()
    {
        using var client = app.AdminClient();
        var (person, etag) = await RegisterAsync(client, "Jonas Ehrenamt", "jonas@verein.example");
        var url = $"/api/people/{person.Id}";

        await (await client.PutAsync(url, new { Name = "Jonas Ehrenamt-Weber", Email = "jonas.weber@verein.example" })).ShouldBeAsync(HttpStatusCode.PreconditionRequired);
        (person, var changed) = await SendAsync(client, HttpMethod.Put, url, new { Name = "Jonas Ehrenamt-Weber", Email = "jonas.weber@verein.example", Phone = "0341 555 0102" }, etag);
        await (await client.PutAsync(url, new { Name = "Lost update", Email = "lost@verein.example" }, etag)).ShouldBeAsync(HttpStatusCode.Conflict);

        changed.ShouldBe("\"2\"");
        (person.Name, person.Email, person.Phone).ShouldBe(("Jonas Ehrenamt-Weber", "jonas.weber@verein.example", "0341 555 0102"));
        (await (await client.GetAsync(url)).ReadAsync<PersonResponse>()).Name.ShouldBe("Jonas Ehrenamt-Weber");
    }

    [Fact]
    public async Task A_person_starts_and_stops_acting_for_organisations_and_not_twice()
    {
        using var client = app.AdminClient();
        var verein = await OrganisationAsync(client, OrganisationApiTests.NeighbourhoodAssociation());
        var authority = await OrganisationAsync(client, OrganisationApiTests.SocialAuthority());
        var (person, etag) = await RegisterAsync(client, "Jonas Ehrenamt", "jonas@verein.example");
        var url = $"/api/people/{person.Id}/organisations";

        (person, etag) = await SendAsync(client, HttpMethod.Post, url, new { OrganisationId = verein, Role = "representative" }, etag);
        (person, etag) = await SendAsync(client, HttpMethod.Post, url, new { OrganisationId = authority, Role = "member" }, etag);
        person.Organisations.Select(o => (o.OrganisationId, o.Role)).ShouldBe([(verein, "representative"), (authority, "member")], ignoreOrder: true);

        (await RefusedAsync(await client.PostAsync(url, new { OrganisationId = verein, Role = "member" }, etag))).ShouldBe("already-acting");

        (person, etag) = await SendAsync(client, HttpMethod.Delete, $"{url}/{verein}", null, etag);
        person.Organisations.Single().OrganisationId.ShouldBe(authority);
        (await RefusedAsync(await client.DeleteAsync($"{url}/{verein}", etag))).ShouldBe("not-acting");
        await (await client.DeleteAsync($"{url}/{authority}", null)).ShouldBeAsync(HttpStatusCode.PreconditionRequired);
    }

    [Fact]
    public async Task Acting_for_an_unknown_or_ended_organisation_or_with_an_unknown_role_is_refused()
    {
        using var client = app.AdminClient();
        var (ended, endedEtag) = await OrganisationApiTests.RegisterAsync(client, OrganisationApiTests.NeighbourhoodAssociation());
        await OrganisationApiTests.PostAsync(client, $"/api/organisations/{ended.Id}/end", new { Reason = "Application withdrawn" }, endedEtag);
        var (person, etag) = await RegisterAsync(client, "Jonas Ehrenamt", "jonas@verein.example");
        var url = $"/api/people/{person.Id}/organisations";

        (await InvalidFieldsAsync(await client.PostAsync(url, new { OrganisationId = Guid.NewGuid(), Role = "member" }, etag))).ShouldBe(["organisationId"]);
        (await InvalidFieldsAsync(await client.PostAsync(url, new { Role = "boss" }, etag))).ShouldBe(["organisationId", "role"], ignoreOrder: true);
        (await RefusedAsync(await client.PostAsync(url, new { OrganisationId = ended.Id, Role = "member" }, etag))).ShouldBe("organisation-ended");
    }

    [Fact]
    public async Task Plans_have_periods_that_never_overlap_for_the_same_person_and_organisation_and_a_later_plan_ends_an_open_one()
    {
        using var client = app.AdminClient();
        var verein = await OrganisationAsync(client, OrganisationApiTests.NeighbourhoodAssociation());
        var (person, etag) = await RegisterAsync(client, "Mara Selbständig", "mara@freelance.example");
        var url = $"/api/people/{person.Id}/plans";

        (person, etag) = await SendAsync(client, HttpMethod.Post, url, new { Plan = "flexible-desk", ValidFrom = new DateOnly(2026, 1, 1), ValidUntil = new DateOnly(2026, 6, 30) }, etag);
        (person, etag) = await SendAsync(client, HttpMethod.Post, url, new { Plan = "fixed-desk", ValidFrom = new DateOnly(2026, 7, 1) }, etag);
        (await RefusedAsync(await client.PostAsync(url, new { Plan = "civil-society", ValidFrom = new DateOnly(2026, 7, 1) }, etag))).ShouldBe("plan-periods-overlap");
        // A later plan ends the open-ended one the day before.
        (person, etag) = await SendAsync(client, HttpMethod.Post, url, new { Plan = "civil-society", ValidFrom = new DateOnly(2027, 1, 1) }, etag);
        (await RefusedAsync(await client.PostAsync(url, new { Plan = "civil-society", OrganisationId = verein, ValidFrom = new DateOnly(2026, 1, 1) }, etag)))
            .ShouldBe("not-acting-for-organisation");
        (person, etag) = await SendAsync(client, HttpMethod.Post, $"/api/people/{person.Id}/organisations", new { OrganisationId = verein, Role = "member" }, etag);
        (person, _) = await SendAsync(client, HttpMethod.Post, url, new { Plan = "civil-society", OrganisationId = verein, ValidFrom = new DateOnly(2026, 1, 1) }, etag);

        person.Plans.ShouldBe([
            new PlanResponse("flexible-desk", null, new DateOnly(2026, 1, 1), new DateOnly(2026, 6, 30)),
            new PlanResponse("civil-society", verein, new DateOnly(2026, 1, 1), null),
            new PlanResponse("fixed-desk", null, new DateOnly(2026, 7, 1), new DateOnly(2026, 12, 31)),
            new PlanResponse("civil-society", null, new DateOnly(2027, 1, 1), null),
        ]);
    }

    [Fact]
    public async Task A_plan_with_bad_fields_is_a_400_naming_them()
    {
        using var client = app.AdminClient();
        var (person, etag) = await RegisterAsync(client, "Mara Selbständig", "mara@freelance.example");

        (await InvalidFieldsAsync(await client.PostAsync($"/api/people/{person.Id}/plans",
                new { Plan = "gold", ValidFrom = new DateOnly(2026, 3, 1), ValidUntil = new DateOnly(2026, 2, 28) }, etag)))
            .ShouldBe(["plan", "validUntil"], ignoreOrder: true);
        (await InvalidFieldsAsync(await client.PostAsync($"/api/people/{person.Id}/plans", new { Plan = "fixed-desk" }, etag))).ShouldBe(["validFrom"]);
    }

    [Fact]
    public async Task A_person_opts_in_to_a_sites_duty_rota_and_out_again()
    {
        using var client = app.AdminClient();
        var werkstatt = Guid.NewGuid();
        var (person, etag) = await RegisterAsync(client, "Jonas Ehrenamt", "jonas@verein.example");
        var url = $"/api/people/{person.Id}/duty-rota";

        (person, etag) = await SendAsync(client, HttpMethod.Post, url, new { SiteId = werkstatt }, etag);
        person.DutyRota.Single().SiteId.ShouldBe(werkstatt);
        (await RefusedAsync(await client.PostAsync(url, new { SiteId = werkstatt }, etag))).ShouldBe("already-on-duty-rota");
        (await InvalidFieldsAsync(await client.PostAsync(url, new { }, etag))).ShouldBe(["siteId"]);

        (person, etag) = await SendAsync(client, HttpMethod.Delete, $"{url}/{werkstatt}", null, etag);
        person.DutyRota.ShouldBeEmpty();
        (await RefusedAsync(await client.DeleteAsync($"{url}/{werkstatt}", etag))).ShouldBe("not-on-duty-rota");
    }

    [Fact]
    public async Task The_people_list_pages_and_filters_by_the_organisation_they_act_for()
    {
        using var client = app.AdminClient();
        var verein = await OrganisationAsync(client, OrganisationApiTests.NeighbourhoodAssociation());
        var ids = new List<Guid>();
        foreach (var name in new[] { "Ada Vorstand", "Ben Kassenwart", "Cem Mitglied" })
        {
            var (person, etag) = await RegisterAsync(client, name, $"{name.Split(' ')[0].ToLowerInvariant()}@verein.example");
            await SendAsync(client, HttpMethod.Post, $"/api/people/{person.Id}/organisations", new { OrganisationId = verein, Role = "member" }, etag);
            ids.Add(person.Id);
        }
        await RegisterAsync(client, "Mara Selbständig", "mara@freelance.example");

        var all = await (await client.GetAsync($"/api/people?organisationId={verein}")).ReadAsync<Page<PersonResponse>>();
        all.Total.ShouldBe(3);
        all.Items.Select(p => p.Name).ShouldBe(["Ada Vorstand", "Ben Kassenwart", "Cem Mitglied"]);
        var page = await (await client.GetAsync($"/api/people?organisationId={verein}&offset=2&limit=1")).ReadAsync<Page<PersonResponse>>();
        (page.Total, page.Items.Single().Id).ShouldBe((3L, ids[2]));
        (await (await client.GetAsync("/api/people?limit=500")).ReadAsync<Page<PersonResponse>>()).Total.ShouldBeGreaterThanOrEqualTo(4);
        (await InvalidFieldsAsync(await client.GetAsync("/api/people?offset=-1"))).ShouldBe(["offset"]);
    }

    [Fact]
    public async Task Without_a_key_every_people_endpoint_is_a_401()
    {
        using var anonymous = app.CreateClient();

        (await anonymous.GetAsync("/api/people")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync("/api/people", new { Name = "A", Email = "a@example.org" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PutAsync($"/api/people/{Guid.NewGuid()}", new { Name = "A", Email = "a@example.org" }, "\"1\"")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync($"/api/people/{Guid.NewGuid()}/forget", null, "\"1\"")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
