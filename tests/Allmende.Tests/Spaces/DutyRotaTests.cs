using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Spaces.DutyRota;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Spaces;

/// <summary>
/// The duty rota ("Kümmerdienst") through the real host: staff plan shifts, members take and give back
/// their own, one person is on duty in one place at a time even when they race, and a member never
/// learns who else is on duty.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class DutyRotaTests(AllmendeApp app)
{
    private static readonly DateTimeOffset Day = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(10);

    private async Task<Guid> SiteAsync(HttpClient admin, string name)
    {
        var site = await admin.SendAsync("POST", "/api/sites", new
        {
            name,
            address = new { street = "Lindenstraße 5", postalCode = "30159", city = "Hannover" },
        }).ShouldHaveStatus(HttpStatusCode.Created);
        return (await site.JsonAsync()).GetProperty("id").GetGuid();
    }

    private static async Task<(DutyShiftResponse Shift, string ETag)> PlanAsync(HttpClient admin, Guid site, DateTimeOffset start, DateTimeOffset end, string? note = null)
    {
        var response = await admin.SendAsync("POST", $"/api/sites/{site}/duty-shifts", new { start, end, note }).ShouldHaveStatus(HttpStatusCode.Created);
        return ((await response.Content.ReadFromJsonAsync<DutyShiftResponse>(EventingJson.Options))!, response.ETag());
    }

    /// <summary>Staff put the person on the site's rota in Membership; Spaces learns it through the outbox.</summary>
    private async Task OnRotaAsync(HttpClient admin, Guid person, Guid site)
    {
        var etag = (await admin.GetAsync($"/api/people/{person}").ShouldHaveStatus(HttpStatusCode.OK)).ETag();
        await admin.SendAsync("POST", $"/api/people/{person}/duty-rota", new { siteId = site }, etag).ShouldHaveStatus(HttpStatusCode.OK);
        await Eventually.ReachedAsync(async () =>
            await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from spaces.duty_pool where person_id = $1 and site_id = $2", person, site) == 1,
            "Spaces knows the person is on the site's rota");
    }

    private static async Task<DutyShiftResponse> ReadAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<DutyShiftResponse>(EventingJson.Options))!;

    private static async Task<string> ETagAsync(HttpClient client, Guid shift) =>
        (await client.GetAsync($"/api/duty-shifts/{shift}").ShouldHaveStatus(HttpStatusCode.OK)).ETag();

    [Fact]
    public async Task A_member_takes_a_shift_another_sees_it_taken_but_not_by_whom_and_it_is_given_back()
    {
        using var admin = app.AdminClient();
        var site = await SiteAsync(admin, "Stadtteilhaus Kümmerdienst");
        var (lea, ben) = (await app.PersonAsync("Lea Dienst"), await app.PersonAsync("Ben Dienst"));
        await OnRotaAsync(admin, lea, site);
        await OnRotaAsync(admin, ben, site);
        using var leaClient = await app.ClientAsync(Roles.Member, lea);
        using var benClient = await app.ClientAsync(Roles.Member, ben);
        var (start, end) = (Day.AddHours(16), Day.AddHours(20));

        var (planned, etag) = await PlanAsync(admin, site, start, end, "Schlüssel im Büro");
        planned.ShouldBe(new DutyShiftResponse(planned.Id, site, start, end, "Schlüssel im Büro", false, false, null, null, 1));

        var taken = await ReadAsync(await leaClient.SendAsync("POST", $"/api/duty-shifts/{planned.Id}/take", new { }, etag).ShouldHaveStatus(HttpStatusCode.OK));
        taken.ShouldBe(planned with { Taken = true, Mine = true, PersonId = lea, Version = 2 });
        // Taking it again changes nothing; someone else is refused.
        (await ReadAsync(await leaClient.SendAsync("POST", $"/api/duty-shifts/{planned.Id}/take", new { }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK)))
            .ShouldBe(taken);
        (await (await benClient.SendAsync("POST", $"/api/duty-shifts/{planned.Id}/take", new { }, "\"2\"")).RuleAsync()).ShouldBe("shift-taken");
        (await (await benClient.SendAsync("POST", $"/api/duty-shifts/{planned.Id}/release", null, "\"2\"")).RuleAsync()).ShouldBe("shift-taken");

        var rotaForBen = await benClient.GetFromJsonAsync<DutyRotaResponse>($"/api/sites/{site}/duty-shifts?from={Day:yyyy-MM-dd}&to={Day:yyyy-MM-dd}", EventingJson.Options);
        rotaForBen.ShouldBe(new DutyRotaResponse(site, DateOnly.FromDateTime(Day.UtcDateTime), DateOnly.FromDateTime(Day.UtcDateTime), rotaForBen!.Shifts));
        rotaForBen.Shifts.ShouldBe([taken with { Mine = false, PersonId = null }]);
        var rotaForStaff = await admin.GetFromJsonAsync<DutyRotaResponse>($"/api/sites/{site}/duty-shifts?from={Day:yyyy-MM-dd}&to={Day:yyyy-MM-dd}", EventingJson.Options);
        rotaForStaff!.Shifts.ShouldBe([taken with { Mine = false }]);

        var released = await ReadAsync(await leaClient.SendAsync("POST", $"/api/duty-shifts/{planned.Id}/release", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK));
        released.ShouldBe(planned with { Version = 3 });
        (await ReadAsync(await benClient.SendAsync("POST", $"/api/duty-shifts/{planned.Id}/take", new { }, "\"3\"").ShouldHaveStatus(HttpStatusCode.OK)))
            .ShouldBe(planned with { Taken = true, Mine = true, PersonId = ben, Version = 4 });
    }

    [Fact]
    public async Task One_person_racing_for_overlapping_shifts_at_two_sites_gets_exactly_one()
    {
        using var admin = app.AdminClient();
        var (north, south) = (await SiteAsync(admin, "Nordhaus Kümmerdienst"), await SiteAsync(admin, "Südhaus Kümmerdienst"));
        for (var round = 0; round < 10; round++)
        {
            var person = await app.PersonAsync($"Renn Dienst {round}");
            await OnRotaAsync(admin, person, north);
            await OnRotaAsync(admin, person, south);
            var start = Day.AddDays(1 + round).AddHours(9);
            var (a, _) = await PlanAsync(admin, north, start, start.AddHours(3));
            var (b, _) = await PlanAsync(admin, south, start.AddHours(2), start.AddHours(5));

            using var first = app.AdminClient();
            using var second = app.AdminClient();
            var answers = await Task.WhenAll(
                first.SendAsync("POST", $"/api/duty-shifts/{a.Id}/take", new { personId = person }, "\"1\""),
                second.SendAsync("POST", $"/api/duty-shifts/{b.Id}/take", new { personId = person }, "\"1\""));

            answers.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1, $"round {round}");
            (await answers.Single(r => r.StatusCode != HttpStatusCode.OK).RuleAsync()).ShouldBe("person-on-duty-elsewhere");
            // Nothing half-written: the refused shift is still free, in its stream and in the rota.
            var refused = answers[0].StatusCode == HttpStatusCode.OK ? b : a;
            (await ReadAsync(await admin.GetAsync($"/api/duty-shifts/{refused.Id}"))).ShouldBe(refused);
            (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from spaces.duty_shifts where person_id = $1", person)).ShouldBe(1);
        }
    }

    [Fact]
    public async Task Cancelling_frees_the_person_and_a_cancelled_shift_cannot_be_taken()
    {
        using var admin = app.AdminClient();
        var site = await SiteAsync(admin, "Werkhof Kümmerdienst");
        var person = await app.PersonAsync("Cora Dienst");
        await OnRotaAsync(admin, person, site);
        var start = Day.AddDays(20).AddHours(10);
        var (shift, _) = await PlanAsync(admin, site, start, start.AddHours(2));
        await admin.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { personId = person }, "\"1\"").ShouldHaveStatus(HttpStatusCode.OK);

        (await (await admin.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/cancel", new { reason = "" }, "\"2\"")).InvalidFieldsAsync()).ShouldBe(["reason"]);
        var cancelled = await ReadAsync(await admin.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/cancel", new { reason = "Haus geschlossen" }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.OK));
        cancelled.ShouldBe(shift with { CancelledBecause = "Haus geschlossen", Version = 3 });
        (await (await admin.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { personId = person }, "\"3\"")).RuleAsync()).ShouldBe("shift-cancelled");

        // The person is free for the same hours elsewhere.
        var (other, _) = await PlanAsync(admin, site, start, start.AddHours(2));
        await admin.SendAsync("POST", $"/api/duty-shifts/{other.Id}/take", new { personId = person }, "\"1\"").ShouldHaveStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_plans_and_bad_takes_are_named()
    {
        using var admin = app.AdminClient();
        var site = await SiteAsync(admin, "Ladenlokal Kümmerdienst");
        var start = Day.AddDays(30).AddHours(8);

        (await (await admin.SendAsync("POST", $"/api/sites/{site}/duty-shifts", new { start, end = start.AddHours(-1) })).InvalidFieldsAsync()).ShouldBe(["end"]);
        (await (await admin.SendAsync("POST", $"/api/sites/{site}/duty-shifts", new { end = start })).InvalidFieldsAsync()).ShouldBe(["start"]);
        (await (await admin.SendAsync("POST", $"/api/sites/{site}/duty-shifts", new { start, end = start.AddHours(13) })).RuleAsync()).ShouldBe("shift-too-long");
        (await (await admin.SendAsync("POST", $"/api/sites/{site}/duty-shifts", new { start = start.AddYears(-1), end = start.AddYears(-1).AddHours(2) })).RuleAsync())
            .ShouldBe("shift-over");
        (await admin.SendAsync("POST", $"/api/sites/{Guid.NewGuid()}/duty-shifts", new { start, end = start.AddHours(2) })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.GetAsync($"/api/sites/{site}/duty-shifts?from=2027-01-01&to=2027-06-01")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var window = await admin.GetAsync($"/api/sites/{site}/duty-shifts?from=2027-02-01&to=2027-01-01");
        window.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await window.Content.ReadAsStringAsync()).ShouldContain("\"to\"");

        var (shift, etag) = await PlanAsync(admin, site, start, start.AddHours(2));
        (await (await admin.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { }, etag)).InvalidFieldsAsync()).ShouldBe(["personId"]);
        var mia = await app.PersonAsync("Mia Dienst");
        using var member = await app.ClientAsync(Roles.Member, mia);
        // Only a person on the site's rota takes its shifts.
        (await (await member.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { }, etag)).RuleAsync()).ShouldBe("not-on-duty-rota");
        (await (await admin.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { personId = mia }, etag)).RuleAsync()).ShouldBe("not-on-duty-rota");
        (await (await member.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { personId = Guid.NewGuid() }, etag)).InvalidFieldsAsync())
            .ShouldBe(["personId"]);
        (await member.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { })).StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        (await member.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/take", new { }, "\"7\"")).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await member.SendAsync("POST", $"/api/duty-shifts/{shift.Id}/cancel", new { reason = "nein" }, etag)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ReadAsync(await admin.GetAsync($"/api/duty-shifts/{shift.Id}"))).ShouldBe(shift);
    }
}
