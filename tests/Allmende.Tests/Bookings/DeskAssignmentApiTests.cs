using System.Net;
using System.Text.Json;
using Allmende.Bookings.Contracts;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Fixed-desk assignments over HTTP on a real database: blocking both ways, ending early, contracts, DST bounds, access, reactions.</summary>
[Collection(BookingsHost.Name)]
public sealed class DeskAssignmentApiTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    private static Task<HttpResponseMessage> AssignAsync(HttpClient client, Guid desk, Guid organisation, string from, string until, Guid? personId = null) =>
        client.SendAsync("POST", "/api/bookings/desk-assignments", new { spaceId = desk, organisationId = organisation, personId, from, until });

    private static async Task<JsonElement> AssignedAsync(HttpClient client, Guid desk, Guid organisation, string from, string until, Guid? personId = null) =>
        await (await AssignAsync(client, desk, organisation, from, until, personId).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();

    private async Task<(Guid Desk, Guid Organisation)> DeskAsync()
    {
        var site = await _world.SiteAsync();
        var desk = await _world.SpaceAsync(site, "fixed-desk", capacity: 1);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(desk, organisation);
        return (desk, organisation);
    }

    [Fact]
    public async Task An_assignment_blocks_bookings_of_the_desk_and_publishes_what_Funding_charges()
    {
        var (desk, organisation) = await DeskAsync();
        using var admin = app.AdminClient();
        var person = Guid.NewGuid();

        var created = await AssignAsync(admin, desk, organisation, "2027-07-01", "2027-09-30", person).ShouldHaveStatus(HttpStatusCode.Created);
        created.ETag().ShouldBe("\"1\"");
        var assignment = await created.JsonAsync();
        var id = assignment.GetProperty("id").GetGuid();
        created.Headers.Location!.ToString().ShouldBe($"/api/bookings/desk-assignments/{id}");
        (assignment.GetProperty("status").GetString(), assignment.GetProperty("blockedFrom").GetDateTimeOffset(), assignment.GetProperty("blockedUntil").GetDateTimeOffset())
            .ShouldBe(("assigned", At("2027-06-30T22:00:00Z"), At("2027-09-30T22:00:00Z")));

        (await (await BookAsync(admin, desk, organisation, At("2027-08-02T08:00:00Z"), At("2027-08-02T12:00:00Z"), attendees: 1)).RuleAsync()).ShouldBe("slot-taken");
        await BookAsync(admin, desk, organisation, At("2027-06-30T20:00:00Z"), At("2027-06-30T22:00:00Z"), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);

        var published = await app.PublishedAsync<DeskAssigned>("bookings.desk-assigned", "assignmentId", id);
        published.ShouldBe(new DeskAssigned(id, desk, assignment.GetProperty("siteId").GetGuid(), organisation, person,
            new DateOnly(2027, 7, 1), new DateOnly(2027, 9, 30), published.At));

        // Availability shows the desk as taken for the whole day.
        var free = await (await admin.GetAsync($"/api/bookings/availability?spaceId={desk}&from=2027-08-02&to=2027-08-02&durationMinutes=30")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        free.GetProperty("spaces").EnumerateArray().Single().GetProperty("free").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_booking_or_another_assignment_blocks_an_assignment_overlapping_it()
    {
        var (desk, organisation) = await DeskAsync();
        using var admin = app.AdminClient();
        await BookAsync(admin, desk, organisation, At("2027-10-12T08:00:00Z"), At("2027-10-12T10:00:00Z"), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);

        (await (await AssignAsync(admin, desk, organisation, "2027-10-01", "2027-10-31")).RuleAsync()).ShouldBe("slot-taken");
        await AssignedAsync(admin, desk, organisation, "2027-11-01", "2027-12-31");
        (await (await AssignAsync(admin, desk, organisation, "2027-12-31", "2028-01-31")).RuleAsync()).ShouldBe("slot-taken");
        await AssignedAsync(admin, desk, organisation, "2028-01-01", "2028-01-31");
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.desk_assignments where space_id = $1", desk)).ShouldBe(2);
    }

    [Fact]
    public async Task Ending_early_frees_the_days_after_and_publishes_the_new_last_day()
    {
        var (desk, organisation) = await DeskAsync();
        using var admin = app.AdminClient();
        var assignment = await AssignedAsync(admin, desk, organisation, "2027-09-01", "2027-11-30");
        var id = assignment.GetProperty("id").GetGuid();

        await admin.SendAsync("POST", $"/api/bookings/desk-assignments/{id}/end", new { until = "2027-09-30", reason = "Umzug" })
            .ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("POST", $"/api/bookings/desk-assignments/{id}/end", new { until = "2027-09-30", reason = "Umzug" }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        (await (await admin.SendAsync("POST", $"/api/bookings/desk-assignments/{id}/end", new { until = "2027-12-31", reason = "länger" }, "\"1\""))
            .RuleAsync()).ShouldBe("assignment-not-shortened");
        (await (await admin.SendAsync("POST", $"/api/bookings/desk-assignments/{id}/end", new { reason = "Umzug" }, "\"1\"")).InvalidFieldsAsync())
            .ShouldBe(["until"]);

        var ended = await admin.SendAsync("POST", $"/api/bookings/desk-assignments/{id}/end", new { until = "2027-09-30", reason = "Umzug" }, "\"1\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        ended.ETag().ShouldBe("\"2\"");
        var body = await ended.JsonAsync();
        (body.GetProperty("status").GetString(), body.GetProperty("until").GetString(), body.GetProperty("endReason").GetString())
            .ShouldBe(("ended", "2027-09-30", "Umzug"));

        await BookAsync(admin, desk, organisation, At("2027-10-05T08:00:00Z"), At("2027-10-05T12:00:00Z"), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
        (await (await BookAsync(admin, desk, organisation, At("2027-09-30T08:00:00Z"), At("2027-09-30T12:00:00Z"), attendees: 1)).RuleAsync()).ShouldBe("slot-taken");
        var published = await app.PublishedAsync<DeskAssignmentEnded>("bookings.desk-assignment-ended", "assignmentId", id);
        published.ShouldBe(new DeskAssignmentEnded(id, desk, body.GetProperty("siteId").GetGuid(), organisation, null,
            new DateOnly(2027, 9, 1), new DateOnly(2027, 9, 30), "Umzug", published.At));
    }

    [Fact]
    public async Task The_blocked_range_runs_from_Berlin_midnight_to_Berlin_midnight_across_both_DST_changes()
    {
        var (desk, organisation) = await DeskAsync();
        using var admin = app.AdminClient();
        // 31 October 2027 begins in summer time (22:00 UTC the day before); 27 March 2028 begins in summer time again.
        var assignment = await AssignedAsync(admin, desk, organisation, "2027-10-31", "2028-03-26");
        (assignment.GetProperty("blockedFrom").GetDateTimeOffset(), assignment.GetProperty("blockedUntil").GetDateTimeOffset())
            .ShouldBe((At("2027-10-30T22:00:00Z"), At("2028-03-26T22:00:00Z")));
        (await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.slots where booking_id = $1 and holds and during = tstzrange('2027-10-30T22:00:00Z', '2028-03-26T22:00:00Z', '[)')",
            assignment.GetProperty("id").GetGuid())).ShouldBe(1);

        await BookAsync(admin, desk, organisation, At("2027-10-30T21:00:00Z"), At("2027-10-30T22:00:00Z"), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
        (await (await BookAsync(admin, desk, organisation, At("2028-03-26T21:00:00Z"), At("2028-03-26T22:00:00Z"), attendees: 1)).RuleAsync()).ShouldBe("slot-taken");
        await BookAsync(admin, desk, organisation, At("2028-03-26T22:00:00Z"), At("2028-03-26T23:00:00Z"), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Only_staff_assign_and_members_see_only_their_organisations_assignments()
    {
        var (desk, verein) = await DeskAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(desk, other);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(verein);
        using var auditor = await app.ClientAsync(Allmende.Eventing.Api.Roles.Auditor);

        await AssignAsync(member, desk, verein, "2028-02-01", "2028-02-29").ShouldHaveStatus(HttpStatusCode.Forbidden);
        var own = (await AssignedAsync(admin, desk, verein, "2028-02-01", "2028-02-29")).GetProperty("id").GetGuid();
        var theirs = (await AssignedAsync(admin, desk, other, "2028-03-01", "2028-03-31")).GetProperty("id").GetGuid();
        await member.SendAsync("POST", $"/api/bookings/desk-assignments/{own}/end", new { until = "2028-02-10", reason = "x" }, "\"1\"")
            .ShouldHaveStatus(HttpStatusCode.Forbidden);

        await member.GetAsync($"/api/bookings/desk-assignments/{own}").ShouldHaveStatus(HttpStatusCode.OK);
        await member.GetAsync($"/api/bookings/desk-assignments/{theirs}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/desk-assignments/{Guid.NewGuid()}").ShouldHaveStatus(HttpStatusCode.NotFound);
        var mine = await (await member.GetAsync($"/api/bookings/desk-assignments?spaceId={desk}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        mine.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ShouldBe([own]);
        var all = await (await auditor.GetAsync($"/api/bookings/desk-assignments?spaceId={desk}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        all.GetProperty("total").GetInt64().ShouldBe(2);
        var onDay = await (await admin.GetAsync($"/api/bookings/desk-assignments?spaceId={desk}&activeOn=2028-03-31").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        onDay.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("id").GetGuid()).ShouldBe([theirs]);
        (await (await admin.GetAsync("/api/bookings/desk-assignments?activeOn=March")).InvalidFieldsAsync()).ShouldBe(["activeOn"]);
    }

    [Fact]
    public async Task Only_non_retired_fixed_desks_are_assigned_for_whole_days_in_order()
    {
        var (room, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        (await (await AssignAsync(admin, room, organisation, "2028-04-01", "2028-04-30")).RuleAsync()).ShouldBe("not-a-fixed-desk");
        (await (await AssignAsync(admin, room, organisation, "2028-04-30", "2028-04-01")).InvalidFieldsAsync()).ShouldBe(["until"]);
        (await (await AssignAsync(admin, Guid.NewGuid(), organisation, "2028-04-01", "2028-04-30")).InvalidFieldsAsync()).ShouldBe(["spaceId"]);
        var (desk, _) = await DeskAsync();
        (await (await AssignAsync(admin, desk, organisation, "2021-04-01", "2021-04-30")).RuleAsync()).ShouldBe("starts-in-the-past");
    }

    private static async Task PostWithETagAsync(HttpClient admin, string resource, string action, object body) =>
        await admin.SendAsync("POST", $"{resource}/{action}", body,
            SpacesHttp.ETag(await admin.GetAsync(resource).ShouldHaveStatus(HttpStatusCode.OK))).ShouldHaveStatus(HttpStatusCode.OK);

    private static async Task<JsonElement> WhenEndedAsync(HttpClient admin, Guid id)
    {
        await Eventually.ReachedAsync(async () => (await (await admin.GetAsync($"/api/bookings/desk-assignments/{id}")).JsonAsync())
            .GetProperty("status").GetString() != "assigned", "the assignment ends");
        return await (await admin.GetAsync($"/api/bookings/desk-assignments/{id}")).JsonAsync();
    }

    [Fact]
    public async Task Retiring_the_desk_or_ending_the_organisation_ends_their_assignments()
    {
        var (desk, organisation) = await DeskAsync();
        var (secondDesk, ended) = await DeskAsync();
        using var admin = app.AdminClient();
        var onRetired = (await AssignedAsync(admin, desk, organisation, "2028-05-01", "2028-05-31")).GetProperty("id").GetGuid();
        var ofEnded = (await AssignedAsync(admin, secondDesk, ended, "2028-05-01", "2028-05-31")).GetProperty("id").GetGuid();

        await PostWithETagAsync(admin, $"/api/spaces/{desk}", "retire", new { reason = "Fenster kommt" });
        await PostWithETagAsync(admin, $"/api/organisations/{ended}", "end", new { reason = "dissolved" });

        // Both had not begun: they are withdrawn (ended the day before their first day) and block nothing.
        var retired = await WhenEndedAsync(admin, onRetired);
        (retired.GetProperty("status").GetString(), retired.GetProperty("until").GetString(), retired.GetProperty("endReason").GetString())
            .ShouldBe(("withdrawn", "2028-04-30", "space retired: Fenster kommt"));
        var gone = await WhenEndedAsync(admin, ofEnded);
        (gone.GetProperty("status").GetString(), gone.GetProperty("endReason").GetString()).ShouldBe(("withdrawn", "organisation ended: dissolved"));
        var published = await app.PublishedAsync<DeskAssignmentEnded>("bookings.desk-assignment-ended", "assignmentId", ofEnded);
        (published.Until, published.Reason).ShouldBe((new DateOnly(2028, 4, 30), "organisation ended: dissolved"));
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.slots where booking_id = any($1) and holds",
            new[] { onRetired, ofEnded })).ShouldBe(0);
    }
}
