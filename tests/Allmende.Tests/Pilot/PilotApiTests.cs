using System.Net;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Pilot;

/// <summary>The rural pilot's people through the real host: trials, the needs survey and a company paying an employee's plan.</summary>
public sealed class PilotApiTests(MembershipApp app) : IClassFixture<MembershipApp>
{
    private async Task<(Guid Id, string ETag)> PersonAsync(HttpClient admin, string name)
    {
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, name, $"{Guid.NewGuid():N}@land.example");
        return (person.Id, etag);
    }

    private static string Tag(HttpResponseMessage response) => response.Headers.ETag?.Tag ?? throw new ShouldAssertException("No ETag.");

    private static async Task<string?> RuleAsync(HttpResponseMessage response)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        return (await response.JsonAsync()).GetProperty("rule").GetString();
    }

    [Fact]
    public async Task A_trial_starts_is_converted_to_a_plan_and_cannot_be_converted_again()
    {
        using var admin = app.AdminClient();
        var (lena, etag) = await PersonAsync(admin, "Lena Landarbeit");

        var started = await admin.SendAsync("POST", $"/api/people/{lena}/trials", new { kind = "freelancer", from = "2027-03-01", until = "2027-05-31" }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        var converted = await admin.SendAsync("POST", $"/api/people/{lena}/trials/convert", new { plan = "flexible-desk", planFrom = "2027-04-15" }, Tag(started))
            .ShouldHaveStatus(HttpStatusCode.OK);

        Tag(converted).ShouldBe("\"4\"");
        var person = await converted.JsonAsync();
        person.GetProperty("plans").GetRawText().ShouldBe("""[{"plan":"flexible-desk","organisationId":null,"validFrom":"2027-04-15","validUntil":null}]""");
        var read = await admin.GetAsync($"/api/people/{lena}").ShouldHaveStatus(HttpStatusCode.OK);
        Tag(read).ShouldBe("\"4\"");
        var trials = await admin.GetAsync($"/api/people/{lena}/trials").ShouldHaveStatus(HttpStatusCode.OK);
        (await trials.JsonAsync()).GetRawText().ShouldBe(
            """[{"kind":"freelancer","organisationId":null,"from":"2027-03-01","until":"2027-04-14","outcome":"converted"}]""");
        (await RuleAsync(await admin.SendAsync("POST", $"/api/people/{lena}/trials/convert", new { plan = "civil-society", planFrom = "2027-04-20" }, "\"4\"")))
            .ShouldBe("trial-converted");
        (await RuleAsync(await admin.SendAsync("POST", $"/api/people/{lena}/trials/end", new { lastDay = "2027-04-20" }, "\"4\"")))
            .ShouldBe("trial-converted");
    }

    [Fact]
    public async Task An_ended_trial_is_not_converted_and_bad_trials_are_400s_and_409s()
    {
        using var admin = app.AdminClient();
        var (tarek, etag) = await PersonAsync(admin, "Tarek Gründer");

        (await (await admin.SendAsync("POST", $"/api/people/{tarek}/trials", new { kind = "astronaut", from = "2027-03-01" }, etag)).InvalidFieldsAsync())
            .ShouldBe(["kind", "until"], ignoreOrder: true);
        (await RuleAsync(await admin.SendAsync("POST", $"/api/people/{tarek}/trials", new { kind = "founder", from = "2027-03-01", until = "2027-09-01" }, etag)))
            .ShouldBe("trial-too-long");
        var started = await admin.SendAsync("POST", $"/api/people/{tarek}/trials", new { kind = "founder", from = "2027-03-01", until = "2027-03-31" }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        var ended = await admin.SendAsync("POST", $"/api/people/{tarek}/trials/end", new { lastDay = "2027-03-15" }, Tag(started))
            .ShouldHaveStatus(HttpStatusCode.OK);

        (await RuleAsync(await admin.SendAsync("POST", $"/api/people/{tarek}/trials/convert", new { plan = "flexible-desk", planFrom = "2027-03-16" }, Tag(ended))))
            .ShouldBe("trial-ended");
        await admin.SendAsync("POST", $"/api/people/{tarek}/trials/end", new { lastDay = "2027-03-15" }).ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        (await (await admin.GetAsync($"/api/people/{tarek}/trials").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetRawText().ShouldBe(
            """[{"kind":"founder","organisationId":null,"from":"2027-03-01","until":"2027-03-15","outcome":"ended"}]""");
    }

    [Fact]
    public async Task A_trial_user_answers_the_survey_themselves_with_needs_sealed_and_erased_with_them()
    {
        using var admin = app.AdminClient();
        var (mia, etag) = await PersonAsync(admin, "Mia Pendlerin");
        var started = await admin.SendAsync("POST", $"/api/people/{mia}/trials", new { kind = "employee", from = "2027-03-01", until = "2027-03-31" }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        using var self = await app.ClientAsync(Roles.Member, personId: mia);
        using var stranger = await app.ClientAsync(Roles.Member);
        const string needs = "Ein ruhiger Platz für Telefonate und Quorbelfunk-Empfang";
        var answer = new { oneWayKm = 23.5m, means = "car", commutingDaysPerWeek = 4, needs };

        (await (await self.SendAsync("PUT", $"/api/people/{mia}/survey", new { oneWayKm = -1, means = "rocket", commutingDaysPerWeek = 8 }, Tag(started)))
            .InvalidFieldsAsync()).ShouldBe(["oneWayKm", "means", "commutingDaysPerWeek"], ignoreOrder: true);
        await stranger.SendAsync("PUT", $"/api/people/{mia}/survey", answer, Tag(started)).ShouldHaveStatus(HttpStatusCode.NotFound);
        var answered = await self.SendAsync("PUT", $"/api/people/{mia}/survey", answer, Tag(started)).ShouldHaveStatus(HttpStatusCode.OK);
        var changed = await self.SendAsync("PUT", $"/api/people/{mia}/survey", answer with { oneWayKm = 24.0m }, Tag(answered))
            .ShouldHaveStatus(HttpStatusCode.OK);

        var body = await changed.JsonAsync();
        var at = body.GetProperty("answeredAt").GetString();
        body.GetRawText().ShouldBe(
            $$"""{"personId":"{{mia}}","oneWayKm":24.0,"means":"car","commutingDaysPerWeek":4,"needs":"{{needs}}","answeredAt":"{{at}}"}""");
        (await (await admin.GetAsync($"/api/people/{mia}/survey").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetRawText().ShouldBe(body.GetRawText());
        await stranger.GetAsync($"/api/people/{mia}/survey").ShouldHaveStatus(HttpStatusCode.NotFound);
        (await DatabaseScan.HitsAsync(app.DataSource, "Quorbelfunk")).ShouldBeEmpty("the needs are stored only sealed");
        app.Logs.Lines.Where(l => l.Contains("Quorbelfunk", StringComparison.Ordinal)).ShouldBeEmpty();

        using var funder = await app.ClientAsync(Roles.Funder);
        var summary = (await (await funder.GetAsync("/api/membership/survey/summary").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetRawText();
        summary.ShouldNotContain(mia.ToString());
        summary.ShouldNotContain("Quorbelfunk");
        summary.ShouldContain("\"means\":\"car\"");

        var current = Tag(await admin.GetAsync($"/api/people/{mia}"));
        await admin.SendAsync("POST", $"/api/people/{mia}/forget", null, current).ShouldHaveStatus(HttpStatusCode.OK);
        var forgotten = await (await admin.GetAsync($"/api/people/{mia}/survey").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (forgotten.GetProperty("needs").GetString(), forgotten.GetProperty("oneWayKm").GetDecimal(), forgotten.GetProperty("means").GetString())
            .ShouldBe(("(erased)", 24.0m, "car"));
    }

    [Fact]
    public async Task Someone_neither_member_nor_trial_user_cannot_answer_the_survey()
    {
        using var admin = app.AdminClient();
        var (nobody, etag) = await PersonAsync(admin, "Nora Nachbarin");

        (await RuleAsync(await admin.SendAsync("PUT", $"/api/people/{nobody}/survey", new { oneWayKm = 3, means = "bike", commutingDaysPerWeek = 5 }, etag)))
            .ShouldBe("not-member-or-trial-user");
        await admin.GetAsync($"/api/people/{nobody}/survey").ShouldHaveStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_company_pays_a_named_employees_plan_and_only_a_company_does()
    {
        using var admin = app.AdminClient();
        var (company, companyETag) = await OrganisationApiTests.RegisterAsync(admin, new { Name = $"Hofladen {Guid.NewGuid():N}"[..20], Kind = "company", NonProfit = false });
        await OrganisationApiTests.PostAsync(admin, $"/api/organisations/{company.Id}/activate", null, companyETag);
        var (association, _) = await OrganisationApiTests.RegisterAsync(admin, new { Name = $"Verein {Guid.NewGuid():N}"[..20], Kind = "association", NonProfit = true });
        var (jan, _) = await PersonAsync(admin, "Jan Angestellt");

        var named = await admin.SendAsync("POST", $"/api/organisations/{company.Id}/employee-plans",
            new { personId = jan, plan = "flexible-desk", validFrom = "2027-04-01", validUntil = "2027-09-30" }).ShouldHaveStatus(HttpStatusCode.OK);

        var person = await named.JsonAsync();
        person.GetProperty("plans").GetRawText().ShouldBe(
            $$"""[{"plan":"flexible-desk","organisationId":"{{company.Id}}","validFrom":"2027-04-01","validUntil":"2027-09-30"}]""");
        person.GetProperty("organisations").EnumerateArray().Single().GetProperty("role").GetString().ShouldBe("member");
        (await (await admin.GetAsync($"/api/organisations/{company.Id}/employee-plans").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetRawText().ShouldBe(
            $$"""[{"personId":"{{jan}}","plan":"flexible-desk","validFrom":"2027-04-01","validUntil":"2027-09-30"}]""");
        (await RuleAsync(await admin.SendAsync("POST", $"/api/organisations/{association.Id}/employee-plans",
            new { personId = jan, plan = "flexible-desk", validFrom = "2027-04-01" }))).ShouldBe("not-a-company");
        (await RuleAsync(await admin.SendAsync("POST", $"/api/organisations/{company.Id}/employee-plans",
            new { personId = jan, plan = "fixed-desk", validFrom = "2027-09-01" }))).ShouldBe("plan-periods-overlap");
        await admin.SendAsync("POST", $"/api/organisations/{company.Id}/employee-plans",
            new { personId = Guid.NewGuid(), plan = "flexible-desk", validFrom = "2027-04-01" }).ShouldHaveStatus(HttpStatusCode.NotFound);
    }
}
