using System.Net;
using System.Text.Json.Nodes;
using Allmende.Membership.Applications;
using Allmende.Membership.Organisations;
using Allmende.Membership.Organisations.Read;

namespace Allmende.Tests.Membership;

/// <summary>The host for application tests, with room for more applications than a real client address gets.</summary>
public sealed class ApplicationsApp : MembershipApp
{
    public ApplicationsApp() => With("Membership:Applications:PermitsPerWindow", "1000");
}

public sealed class ApplicationApiTests(ApplicationsApp app) : IClassFixture<ApplicationsApp>
{
    private const string ContactName = "Quirina Antragstellerin";
    private const string ContactEmail = "quirina.antrag@nachbarn.example";

    internal static object Application(string name = "Initiative Nachbarschaftsgarten", bool? consent = true, string? version = ConsentText.Version,
        string contactName = ContactName, string contactEmail = ContactEmail) => new
    {
        Organisation = new
        {
            Name = name, Kind = "initiative", NonProfit = true,
            Address = new { Street = "Gartenweg 12", PostalCode = "04177", City = "Leipzig" },
        },
        ContactPerson = new { Name = contactName, Email = contactEmail, Phone = "+49 341 555 0101" },
        Consent = consent,
        ConsentTextVersion = version,
    };

    private async Task<ApplicationReceipt> SubmitAsync(object? body = null)
    {
        using var anonymous = app.CreateClient();
        var response = await (await anonymous.PostAsync("/api/membership/applications", body ?? Application())).ShouldBeAsync(HttpStatusCode.Accepted);
        return await response.ReadAsync<ApplicationReceipt>();
    }

    private static async Task<(ApplicationResponse Application, string ETag)> ReadAsync(HttpClient staff, Guid id)
    {
        var response = await (await staff.GetAsync($"/api/membership/applications/{id}")).ShouldBeAsync(HttpStatusCode.OK);
        return (await response.ReadAsync<ApplicationResponse>(), response.ETag());
    }

    private static async Task<IEnumerable<string>> InvalidFieldsAsync(HttpResponseMessage response)
    {
        await response.ShouldBeAsync(HttpStatusCode.BadRequest);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(p => p.Key);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task An_organisation_applies_without_a_key_and_staff_see_the_whole_application_pending()
    {
        using var anonymous = app.CreateClient();
        var consent = await (await anonymous.GetAsync("/api/membership/applications/consent")).ShouldBeAsync(HttpStatusCode.OK);
        (await consent.ReadAsync<ConsentTextResponse>()).ShouldBe(new ConsentTextResponse(ConsentText.Version, ConsentText.Wording));

        var receipt = await SubmitAsync(Application("Initiative Lastenrad Ost"));

        receipt.Status.ShouldBe("pending");
        using var staff = app.AdminClient();
        var (application, etag) = await ReadAsync(staff, receipt.Id);
        etag.ShouldBe("\"1\"");
        // The times are the server's (PostgreSQL keeps microseconds): checked beside the rest of the record.
        (application with { SubmittedAt = default, Consent = application.Consent with { GivenAt = default } }).ShouldBe(new ApplicationResponse(
            receipt.Id,
            "pending",
            new ApplicationOrganisationResponse("Initiative Lastenrad Ost", "initiative", true, new Address("Gartenweg 12", "04177", "Leipzig"), null),
            new ContactPersonResponse(ContactName, ContactEmail, "+49 341 555 0101", false),
            new ConsentResponse(default, ConsentText.Version),
            default, null, null, null, 1));
        (application.SubmittedAt - receipt.SubmittedAt).Duration().ShouldBeLessThan(TimeSpan.FromMilliseconds(1));
        application.Consent.GivenAt.ShouldBeInRange(application.SubmittedAt.AddSeconds(-5), application.SubmittedAt);
        var pending = await (await staff.GetAsync("/api/membership/applications?status=pending")).ShouldBeAsync(HttpStatusCode.OK);
        (await pending.ReadAsync<Allmende.Eventing.Api.Page<ApplicationResponse>>()).Items.ShouldContain(application);
    }

    [Fact]
    public async Task The_contact_person_is_stored_only_sealed_and_never_logged()
    {
        await SubmitAsync(Application(contactName: "Xaverine Siegelprobe", contactEmail: "xaverine.siegel@nachbarn.example"));

        foreach (var needle in new[] { "Xaverine", "xaverine.siegel", "555 0101" })
        {
            (await DatabaseScan.HitsAsync(app.DataSource, needle)).ShouldBeEmpty($"'{needle}' is stored in plain text");
            app.Logs.Lines.Where(l => l.Contains(needle, StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty($"'{needle}' was logged");
        }
    }

    [Fact]
    public async Task Without_consent_the_application_is_a_400_naming_consent_and_nothing_is_stored()
    {
        using var anonymous = app.CreateClient();
        var before = await CountAsync("select count(*) from marten.mt_events");

        (await InvalidFieldsAsync(await anonymous.PostAsync("/api/membership/applications",
            Application(consent: false, contactName: "Ohnewilla Zustimmung")))).ShouldBe(["consent"]);
        (await InvalidFieldsAsync(await anonymous.PostAsync("/api/membership/applications",
            Application(consent: null, version: "1999-old")))).ShouldBe(["consent", "consentTextVersion"], ignoreOrder: true);

        (await CountAsync("select count(*) from marten.mt_events")).ShouldBe(before);
        (await DatabaseScan.HitsAsync(app.DataSource, "Ohnewilla")).ShouldBeEmpty();
        app.Logs.Lines.Where(l => l.Contains("Ohnewilla", StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_application_with_bad_fields_is_a_400_naming_each_of_them()
    {
        using var anonymous = app.CreateClient();

        var fields = await InvalidFieldsAsync(await anonymous.PostAsync("/api/membership/applications", new
        {
            Organisation = new { Name = "", Kind = "club", NonProfit = true },
            ContactPerson = new { Name = "Jo", Email = "not-an-email" },
            Consent = true,
            ConsentTextVersion = ConsentText.Version,
        }));
        fields.ShouldBe(["organisation.name", "organisation.kind", "contactPerson.email"], ignoreOrder: true);

        (await InvalidFieldsAsync(await anonymous.PostAsync("/api/membership/applications", new { Consent = true, ConsentTextVersion = ConsentText.Version })))
            .ShouldBe(["organisation", "contactPerson"], ignoreOrder: true);
    }

    [Fact]
    public async Task Approving_creates_the_organisation_active_and_a_second_decision_is_a_409()
    {
        var receipt = await SubmitAsync(Application("Verein Stadtteilküche"));
        using var staff = app.AdminClient();
        var (_, etag) = await ReadAsync(staff, receipt.Id);

        var approved = await (await staff.PostAsync($"/api/membership/applications/{receipt.Id}/approve", null, etag)).ShouldBeAsync(HttpStatusCode.OK);

        var application = await approved.ReadAsync<ApplicationResponse>();
        approved.ETag().ShouldBe("\"2\"");
        application.ShouldBe(application with { Status = "approved", Version = 2 });
        application.DecidedAt.ShouldNotBeNull();
        var organisation = await (await (await staff.GetAsync($"/api/organisations/{application.OrganisationId}")).ShouldBeAsync(HttpStatusCode.OK))
            .ReadAsync<OrganisationResponse>();
        organisation.ShouldBe(organisation with
        {
            Name = "Verein Stadtteilküche", Kind = "initiative", NonProfit = true, Status = "active", StatusReason = null,
            Address = new Address("Gartenweg 12", "04177", "Leipzig"), Contact = null, Version = 2,
        });

        var again = await staff.PostAsync($"/api/membership/applications/{receipt.Id}/approve", null, "\"2\"");
        await again.ShouldBeAsync(HttpStatusCode.Conflict);
        JsonNode.Parse(await again.Content.ReadAsStringAsync())!["rule"]!.GetValue<string>().ShouldBe("application-already-decided");
        await (await staff.PostAsync($"/api/membership/applications/{receipt.Id}/decline", new { Reason = "Zu spät" }, "\"2\""))
            .ShouldBeAsync(HttpStatusCode.Conflict);
        (await CountAsync($"select count(*) from membership.organisations where name = 'Verein Stadtteilküche'")).ShouldBe(1);
    }

    [Fact]
    public async Task Declining_needs_a_reason_and_keeps_it()
    {
        var receipt = await SubmitAsync(Application("Firma ohne Gemeinwohl"));
        using var staff = app.AdminClient();
        var (_, etag) = await ReadAsync(staff, receipt.Id);

        (await InvalidFieldsAsync(await staff.PostAsync($"/api/membership/applications/{receipt.Id}/decline", new { Reason = " " }, etag)))
            .ShouldBe(["reason"]);
        await (await staff.PostAsync($"/api/membership/applications/{receipt.Id}/decline", new { Reason = "Kein gemeinnütziger Zweck" }))
            .ShouldBeAsync(HttpStatusCode.PreconditionRequired);
        var declined = await (await staff.PostAsync($"/api/membership/applications/{receipt.Id}/decline", new { Reason = "Kein gemeinnütziger Zweck" }, etag))
            .ShouldBeAsync(HttpStatusCode.OK);

        var application = await declined.ReadAsync<ApplicationResponse>();
        application.ShouldBe(application with { Status = "declined", DeclineReason = "Kein gemeinnütziger Zweck", OrganisationId = null, Version = 2 });
        var pending = await (await staff.GetAsync("/api/membership/applications?status=pending")).ReadAsync<Allmende.Eventing.Api.Page<ApplicationResponse>>();
        pending.Items.ShouldNotContain(a => a.Id == receipt.Id);
        await (await staff.GetAsync("/api/membership/applications?status=maybe")).ShouldBeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Erasing_the_contact_person_deletes_their_key_and_a_second_erasure_is_a_409()
    {
        var receipt = await SubmitAsync(Application(contactName: "Wilhelmina Löschbar", contactEmail: "wilhelmina.loeschbar@nachbarn.example"));
        using var staff = app.AdminClient();
        var (_, etag) = await ReadAsync(staff, receipt.Id);

        var erased = await (await staff.DeleteAsync($"/api/membership/applications/{receipt.Id}/contact-person", etag)).ShouldBeAsync(HttpStatusCode.OK);

        (await erased.ReadAsync<ApplicationResponse>()).ContactPerson.ShouldBe(new ContactPersonResponse("(erased)", null, null, true));
        (await CountAsync($"select count(*) from membership.person_keys where person_id = '{receipt.Id}'")).ShouldBe(0);
        await (await staff.DeleteAsync($"/api/membership/applications/{receipt.Id}/contact-person", erased.ETag()))
            .ShouldBeAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Only_staff_read_and_decide_applications()
    {
        var receipt = await SubmitAsync();
        using var anonymous = app.CreateClient();
        using var member = await app.ClientAsync(Allmende.Eventing.Api.Roles.Member);
        using var funder = await app.ClientAsync(Allmende.Eventing.Api.Roles.Funder);

        await (await anonymous.GetAsync("/api/membership/applications")).ShouldBeAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.PostAsync($"/api/membership/applications/{receipt.Id}/approve", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.Unauthorized);
        await (await member.GetAsync($"/api/membership/applications/{receipt.Id}")).ShouldBeAsync(HttpStatusCode.Forbidden);
        await (await funder.PostAsync($"/api/membership/applications/{receipt.Id}/approve", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.Forbidden);
        using var staff = app.AdminClient();
        await (await staff.GetAsync($"/api/membership/applications/{Guid.NewGuid()}")).ShouldBeAsync(HttpStatusCode.NotFound);
    }
}

/// <summary>A host that lets one client address send two applications an hour.</summary>
public sealed class StrictApplicationsApp : MembershipApp
{
    public StrictApplicationsApp() => With("Membership:Applications:PermitsPerWindow", "2");
}

public sealed class ApplicationRateLimitTests(StrictApplicationsApp app) : IClassFixture<StrictApplicationsApp>
{
    [Fact]
    public async Task A_client_address_past_its_limit_gets_a_429_problem_with_retry_after_and_nothing_is_stored()
    {
        using var anonymous = app.CreateClient();
        for (var i = 0; i < 2; i++)
            await (await anonymous.PostAsync("/api/membership/applications", ApplicationApiTests.Application($"Initiative {i}"))).ShouldBeAsync(HttpStatusCode.Accepted);

        var refused = await anonymous.PostAsync("/api/membership/applications", ApplicationApiTests.Application("Initiative zu viel"));

        await refused.ShouldBeAsync(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var seconds = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
        seconds.ShouldBeInRange(1, 3600);
        JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["status"]!.GetValue<int>().ShouldBe(429);
        await using var command = app.DataSource.CreateCommand("select count(*) from membership.applications");
        ((long)(await command.ExecuteScalarAsync())!).ShouldBe(2);
        // Staff with a key are not slowed down by the public limit.
        using var staff = app.AdminClient();
        await (await staff.GetAsync("/api/membership/applications")).ShouldBeAsync(HttpStatusCode.OK);
    }
}
