using System.Net;
using Allmende.Eventing.Api;
using Allmende.Membership.Organisations.Read;
using Allmende.Membership.People.Read;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Membership;

/// <summary>
/// Who sees and changes what in Membership, with real API keys: a member reads only the organisations
/// they act for and those organisations' people (others are 404) and changes only their own personal
/// data; an auditor reads all and writes nothing; a funder sees nothing of Membership.
/// </summary>
public sealed class MembershipAccessTests(MembershipApp app) : IClassFixture<MembershipApp>
{
    private sealed record World(Guid Verein, Guid Kiosk, Guid Jonas, Guid Ada, Guid Cem, Guid Mara, string JonasETag);

    /// <summary>The association with two people acting for it, the kiosk pilot with one, and a freelancer on their own.</summary>
    private async Task<World> WorldAsync(HttpClient admin)
    {
        var (verein, _) = await OrganisationApiTests.RegisterAsync(admin, OrganisationApiTests.NeighbourhoodAssociation());
        var (kiosk, _) = await OrganisationApiTests.RegisterAsync(admin, new { Name = "Kiosk-Pilot Freiberufler eG", Kind = "cooperative", NonProfit = false });
        async Task<(Guid, string)> PersonAsync(string name, Guid? organisation)
        {
            var (person, etag) = await PeopleApiTests.RegisterAsync(admin, name, $"{name.Split(' ')[0].ToLowerInvariant()}@example.org");
            if (organisation is { } id)
                (_, etag) = await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{person.Id}/organisations", new { OrganisationId = id, Role = "member" }, etag);
            return (person.Id, etag);
        }
        var (jonas, jonasETag) = await PersonAsync("Jonas Ehrenamt", verein.Id);
        var (ada, _) = await PersonAsync("Ada Vorstand", verein.Id);
        var (cem, _) = await PersonAsync("Cem Berater", kiosk.Id);
        var (mara, _) = await PersonAsync("Mara Selbständig", null);
        return new World(verein.Id, kiosk.Id, jonas, ada, cem, mara, jonasETag);
    }

    private static Task MembershipVisibleAsync(HttpClient member, Guid organisation) =>
        Eventually.ReachedAsync(async () => (await member.GetAsync($"/api/organisations/{organisation}")).StatusCode == HttpStatusCode.OK,
            "the member's organisation is delivered to access", timeoutSeconds: 15);

    [Fact]
    public async Task Of_a_person_acting_for_two_organisations_a_member_sees_only_the_shared_one_and_its_plans()
    {
        using var admin = app.AdminClient();
        var world = await WorldAsync(admin);
        // Ada acts for the association and also for the kiosk pilot, with a plan through the kiosk.
        var ada = await (await admin.GetAsync($"/api/people/{world.Ada}")).ShouldBeAsync(HttpStatusCode.OK);
        var (_, etag) = await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{world.Ada}/organisations",
            new { OrganisationId = world.Kiosk, Role = "member" }, ada.ETag()!);
        await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{world.Ada}/plans",
            new { Plan = "flexible-desk", OrganisationId = world.Kiosk, ValidFrom = new DateOnly(2026, 1, 1) }, etag);
        using var member = await app.ClientAsync(Roles.Member, personId: world.Jonas);
        await MembershipVisibleAsync(member, world.Verein);

        var seen = await (await member.GetAsync($"/api/people/{world.Ada}")).ReadAsync<PersonResponse>();

        seen.Organisations.Select(o => o.OrganisationId).ShouldBe([world.Verein]);
        seen.Plans.ShouldBeEmpty();
        var full = await (await admin.GetAsync($"/api/people/{world.Ada}")).ReadAsync<PersonResponse>();
        full.Organisations.Select(o => o.OrganisationId).ShouldBe([world.Verein, world.Kiosk], ignoreOrder: true);
        full.Plans.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_member_reads_only_their_organisations_and_their_people_and_changes_only_their_own_data()
    {
        using var admin = app.AdminClient();
        var world = await WorldAsync(admin);
        using var member = await app.ClientAsync(Roles.Member, personId: world.Jonas);
        await MembershipVisibleAsync(member, world.Verein);

        var organisations = await (await member.GetAsync("/api/organisations")).ReadAsync<Page<OrganisationResponse>>();
        organisations.Items.Select(o => o.Id).ShouldBe([world.Verein]);
        await (await member.GetAsync($"/api/organisations/{world.Kiosk}")).ShouldBeAsync(HttpStatusCode.NotFound);

        var people = await (await member.GetAsync("/api/people")).ReadAsync<Page<PersonResponse>>();
        people.Items.Select(p => p.Id).ShouldBe([world.Jonas, world.Ada], ignoreOrder: true);
        (await (await member.GetAsync($"/api/people?organisationId={world.Kiosk}")).ReadAsync<Page<PersonResponse>>()).Total.ShouldBe(0);
        (await (await member.GetAsync($"/api/people/{world.Ada}")).ShouldBeAsync(HttpStatusCode.OK)).ETag().ShouldBe("\"2\"");
        await (await member.GetAsync($"/api/people/{world.Cem}")).ShouldBeAsync(HttpStatusCode.NotFound);
        await (await member.GetAsync($"/api/people/{world.Mara}")).ShouldBeAsync(HttpStatusCode.NotFound);

        var own = await (await member.PutAsync($"/api/people/{world.Jonas}", new { Name = "Jonas Weber", Email = "jonas.weber@example.org" }, world.JonasETag))
            .ShouldBeAsync(HttpStatusCode.OK);
        (await own.ReadAsync<PersonResponse>()).Name.ShouldBe("Jonas Weber");
        await (await member.PutAsync($"/api/people/{world.Ada}", new { Name = "Not Ada", Email = "x@example.org" }, "\"2\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PutAsync($"/api/people/{world.Cem}", new { Name = "Not Cem", Email = "x@example.org" }, "\"2\"")).ShouldBeAsync(HttpStatusCode.NotFound);

        await (await member.PostAsync("/api/organisations", OrganisationApiTests.SocialAuthority())).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync($"/api/organisations/{world.Verein}/activate", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PutAsync($"/api/organisations/{world.Verein}", OrganisationApiTests.NeighbourhoodAssociation("Mine now"), "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync($"/api/organisations/{world.Verein}/shares/payments", new { Date = new DateOnly(2026, 1, 2), AmountCents = 1 }, "\"1\""))
            .ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync("/api/people", new { Name = "New", Email = "new@example.org" })).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync($"/api/people/{world.Jonas}/organisations", new { OrganisationId = world.Kiosk, Role = "member" }, "\"3\""))
            .ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync($"/api/people/{world.Jonas}/plans", new { Plan = "fixed-desk", ValidFrom = new DateOnly(2026, 1, 1) }, "\"3\""))
            .ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync($"/api/people/{world.Jonas}/duty-rota", new { SiteId = Guid.NewGuid() }, "\"3\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await member.PostAsync($"/api/people/{world.Ada}/forget", null, "\"2\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_member_who_stops_acting_loses_sight_of_the_organisation_and_a_forgotten_member_loses_their_key()
    {
        using var admin = app.AdminClient();
        var world = await WorldAsync(admin);
        using var member = await app.ClientAsync(Roles.Member, personId: world.Jonas);
        await MembershipVisibleAsync(member, world.Verein);

        var (_, etag) = await PeopleApiTests.SendAsync(admin, HttpMethod.Delete, $"/api/people/{world.Jonas}/organisations/{world.Verein}", null, world.JonasETag);
        await Eventually.ReachedAsync(async () => (await member.GetAsync($"/api/organisations/{world.Verein}")).StatusCode == HttpStatusCode.NotFound,
            "the member no longer sees the association", timeoutSeconds: 15);
        (await (await member.GetAsync("/api/people")).ReadAsync<Page<PersonResponse>>()).Items.Select(p => p.Id).ShouldBe([world.Jonas]);

        await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{world.Jonas}/forget", null, etag);
        await Eventually.ReachedAsync(async () => (await member.GetAsync("/api/people")).StatusCode == HttpStatusCode.Unauthorized,
            "the forgotten member's key is revoked", timeoutSeconds: 15);
    }

    [Fact]
    public async Task An_auditor_reads_everything_and_writes_nothing()
    {
        using var admin = app.AdminClient();
        var world = await WorldAsync(admin);
        using var auditor = await app.ClientAsync(Roles.Auditor);

        (await (await auditor.GetAsync($"/api/organisations?limit=500")).ReadAsync<Page<OrganisationResponse>>()).Items.Select(o => o.Id)
            .ShouldContain(world.Kiosk);
        await (await auditor.GetAsync($"/api/organisations/{world.Kiosk}")).ShouldBeAsync(HttpStatusCode.OK);
        (await (await (await auditor.GetAsync($"/api/people/{world.Mara}")).ShouldBeAsync(HttpStatusCode.OK)).ReadAsync<PersonResponse>()).Name
            .ShouldBe("Mara Selbständig");
        (await (await auditor.GetAsync($"/api/people?organisationId={world.Verein}")).ReadAsync<Page<PersonResponse>>()).Total.ShouldBe(2);

        await (await auditor.PostAsync("/api/organisations", OrganisationApiTests.SocialAuthority())).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await auditor.PostAsync($"/api/organisations/{world.Kiosk}/activate", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await auditor.PutAsync($"/api/people/{world.Mara}", new { Name = "M", Email = "m@example.org" }, "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await auditor.PostAsync($"/api/people/{world.Mara}/forget", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await auditor.SendAsync(HttpMethod.Delete, $"/api/people/{world.Mara}/personal-data", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_funder_sees_nothing_of_membership()
    {
        using var admin = app.AdminClient();
        var world = await WorldAsync(admin);
        using var funder = await app.ClientAsync(Roles.Funder);

        await (await funder.GetAsync("/api/organisations")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await funder.GetAsync($"/api/organisations/{world.Verein}")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await funder.GetAsync("/api/people")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await funder.GetAsync($"/api/people/{world.Jonas}")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await funder.PutAsync($"/api/people/{world.Jonas}", new { Name = "J", Email = "j@example.org" }, "\"2\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await funder.PostAsync("/api/organisations", OrganisationApiTests.SocialAuthority())).ShouldBeAsync(HttpStatusCode.Forbidden);
    }
}
