using System.Net;
using System.Text.Json;
using Allmende.Bookings.Contracts;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using ETags = Allmende.Tests.Spaces.SpacesHttp;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>
/// Quotas over HTTP on a real database: free hours per plan set by staff, plans arriving from
/// Membership, the split of bookings, give-back and re-deciding, parallel bookings, and who may read.
/// Free hours are global, so every test here sets the same ones (civil-society 10 h, flexible-desk 4 h).
/// </summary>
[Collection(BookingsHost.Name)]
public sealed class QuotaApiTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset Utc(int month, int day, int hour) => new(2028, month, day, hour, 0, 0, TimeSpan.Zero);

    private async Task FreeHoursAsync(HttpClient admin, string plan, int hours)
    {
        var current = await admin.GetAsync($"/api/bookings/free-hours/{plan}").ShouldHaveStatus(HttpStatusCode.OK);
        var version = (await current.JsonAsync()).GetProperty("version").GetInt64();
        await admin.SendAsync("PUT", $"/api/bookings/free-hours/{plan}", new { hoursPerMonth = hours }, version == 0 ? null : $"\"{version}\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
    }

    private async Task StandardHoursAsync(HttpClient admin)
    {
        await FreeHoursAsync(admin, "civil-society", 10);
        await FreeHoursAsync(admin, "flexible-desk", 4);
    }

    /// <summary>A person acting for the organisation gets the plan through Membership's API; waits until Bookings has its copy.</summary>
    private async Task<(Guid Person, string ETag)> PlanAsync(HttpClient admin, Guid organisation, string plan, DateOnly from, (Guid Person, string ETag)? person = null)
    {
        var (who, etag) = person ?? await NewPersonActingForAsync(admin, organisation);
        (_, etag) = await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{who}/plans",
            new { Plan = plan, OrganisationId = organisation, ValidFrom = from }, etag);
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.organisation_plans where organisation_id = $1 and plan = $2", organisation, plan) == 1, "Bookings knows the plan");
        return (who, etag);
    }

    private static async Task<(Guid, string)> NewPersonActingForAsync(HttpClient admin, Guid organisation)
    {
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Mira Vorstand", $"mira.{Guid.NewGuid():N}@example.org");
        (_, etag) = await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{person.Id}/organisations",
            new { OrganisationId = organisation, Role = "representative" }, etag);
        return (person.Id, etag);
    }

    private static async Task<JsonElement> QuotaAsync(HttpClient client, Guid organisation, string month) =>
        await (await client.GetAsync($"/api/bookings/quotas?organisationId={organisation}&month={month}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

    private static (int Allowance, int Used, int Remaining) Figures(JsonElement quota) =>
        (quota.GetProperty("allowanceMinutes").GetInt32(), quota.GetProperty("usedMinutes").GetInt32(), quota.GetProperty("remainingMinutes").GetInt32());

    private static (int Free, int Chargeable) Split(JsonElement booking) =>
        (booking.GetProperty("freeMinutes").GetInt32(), booking.GetProperty("chargeableMinutes").GetInt32());

    [Fact]
    public async Task Staff_set_free_hours_per_plan_first_without_and_then_only_with_if_match()
    {
        using var admin = app.AdminClient();
        await admin.SendAsync("PUT", "/api/bookings/free-hours/cooperative-member", new { hoursPerMonth = 20 }, "\"1\"").ShouldHaveStatus(HttpStatusCode.Conflict);
        var set = await admin.SendAsync("PUT", "/api/bookings/free-hours/cooperative-member", new { hoursPerMonth = 20 }).ShouldHaveStatus(HttpStatusCode.OK);
        ETags.ETag(set).ShouldBe("\"1\"");
        await admin.SendAsync("PUT", "/api/bookings/free-hours/cooperative-member", new { hoursPerMonth = 25 }).ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        var changed = await admin.SendAsync("PUT", "/api/bookings/free-hours/cooperative-member", new { hoursPerMonth = 25 }, "\"1\"").ShouldHaveStatus(HttpStatusCode.OK);
        ETags.ETag(changed).ShouldBe("\"2\"");
        await admin.SendAsync("PUT", "/api/bookings/free-hours/cooperative-member", new { hoursPerMonth = 30 }, "\"1\"").ShouldHaveStatus(HttpStatusCode.Conflict);
        (await (await admin.SendAsync("PUT", "/api/bookings/free-hours/cooperative-member", new { hoursPerMonth = -1 }, "\"2\"")).InvalidFieldsAsync())
            .ShouldBe(["hoursPerMonth"]);
        await admin.SendAsync("PUT", "/api/bookings/free-hours/gold", new { hoursPerMonth = 1 }).ShouldHaveStatus(HttpStatusCode.NotFound);

        var organisation = await _world.OrganisationAsync();
        using var member = await _world.MemberOfAsync(organisation);
        var all = await (await member.GetAsync("/api/bookings/free-hours").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        var byPlan = all.EnumerateArray().ToDictionary(p => p.GetProperty("plan").GetString()!, p => p.GetProperty("hoursPerMonth").GetInt32());
        byPlan.Keys.ShouldBe(["civil-society", "flexible-desk", "fixed-desk", "cooperative-member"]);
        byPlan["cooperative-member"].ShouldBe(25);
        await member.SendAsync("PUT", "/api/bookings/free-hours/fixed-desk", new { hoursPerMonth = 99 }).ShouldHaveStatus(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Bookings_take_free_minutes_until_the_allowance_is_used_and_a_timely_cancellation_gives_them_back()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        await PlanAsync(admin, organisation, "civil-society", new DateOnly(2028, 1, 1));

        var first = await (await BookAsync(admin, space, organisation, Utc(3, 6, 8), Utc(3, 6, 14)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        Split(first).ShouldBe((360, 0));
        first.GetProperty("quotaMonth").GetString().ShouldBe("2028-03");
        var second = await BookAsync(admin, space, organisation, Utc(3, 7, 8), Utc(3, 7, 14)).ShouldHaveStatus(HttpStatusCode.Created);
        ETags.ETag(second).ShouldBe("\"3\""); // requested, quota applied, confirmed
        var secondBody = await second.JsonAsync();
        Split(secondBody).ShouldBe((240, 120));
        var secondId = secondBody.GetProperty("id").GetGuid();
        var site = secondBody.GetProperty("siteId").GetGuid();
        var confirmed = await app.PublishedAsync<BookingConfirmed>("bookings.booking-confirmed", "bookingId", secondId);
        confirmed.ShouldBe(new BookingConfirmed(secondId, space, site, organisation, Utc(3, 7, 8), Utc(3, 7, 14), 8, "neighbourhood-culture", 120, confirmed.At));
        Figures(await QuotaAsync(admin, organisation, "2028-03")).ShouldBe((600, 600, 0));
        Split(await (await BookAsync(admin, space, organisation, Utc(3, 8, 8), Utc(3, 8, 9)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
            .ShouldBe((0, 60));

        var firstId = first.GetProperty("id").GetGuid();
        var cancelled = await (await admin.SendAsync("POST", $"/api/bookings/{firstId}/cancel", new { reason = "Referentin krank" }, "\"3\"")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        Split(cancelled).ShouldBe((360, 0));
        cancelled.GetProperty("quotaMonth").ValueKind.ShouldBe(JsonValueKind.Null);
        var published = await app.PublishedAsync<BookingCancelled>("bookings.booking-cancelled", "bookingId", firstId);
        published.ShouldBe(new BookingCancelled(firstId, space, site, organisation, Utc(3, 6, 8), Utc(3, 6, 14), 8, "neighbourhood-culture", 0,
            "Referentin krank", false, published.At));
        Figures(await QuotaAsync(admin, organisation, "2028-03")).ShouldBe((600, 240, 360));
        Split(await (await BookAsync(admin, space, organisation, Utc(3, 9, 8), Utc(3, 9, 10)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
            .ShouldBe((120, 0));

        var list = await (await admin.GetAsync($"/api/bookings?organisationId={organisation}&status=confirmed").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        list.GetProperty("items").EnumerateArray().Select(Split).ShouldBe([(240, 120), (0, 60), (120, 0)]);
    }

    [Fact]
    public async Task Rescheduling_decides_anew_in_the_month_of_the_new_start()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        await PlanAsync(admin, organisation, "civil-society", new DateOnly(2028, 1, 1));
        await BookAsync(admin, space, organisation, Utc(4, 3, 8), Utc(4, 3, 14)).ShouldHaveStatus(HttpStatusCode.Created);
        var moving = await (await BookAsync(admin, space, organisation, Utc(4, 4, 8), Utc(4, 4, 14)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        Split(moving).ShouldBe((240, 120));
        var id = moving.GetProperty("id").GetGuid();

        // Shorter in the same month: its 240 go back and 120 of them are taken again.
        var shorter = await admin.SendAsync("PUT", $"/api/bookings/{id}/time", new { start = Utc(4, 4, 8), end = Utc(4, 4, 10) }, "\"3\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        ETags.ETag(shorter).ShouldBe("\"6\""); // quota returned, rescheduled, quota applied
        Split(await shorter.JsonAsync()).ShouldBe((120, 0));
        Figures(await QuotaAsync(admin, organisation, "2028-04")).ShouldBe((600, 480, 120));

        // Into May (the night of 30 April to 1 May in Berlin): counted there, April gets its minutes back.
        var moved = await admin.SendAsync("PUT", $"/api/bookings/{id}/time", new { start = Utc(4, 30, 22), end = Utc(5, 1, 1) }, "\"6\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        var movedBody = await moved.JsonAsync();
        (Split(movedBody), movedBody.GetProperty("quotaMonth").GetString()).ShouldBe(((180, 0), "2028-05"));
        Figures(await QuotaAsync(admin, organisation, "2028-04")).ShouldBe((600, 360, 240));
        Figures(await QuotaAsync(admin, organisation, "2028-05")).ShouldBe((600, 180, 420));
        var changes = await app.AllPublishedAsync<BookingChanged>("bookings.booking-changed", "bookingId", id);
        changes.Select(c => (c.Start, c.ChargeableMinutes)).ShouldBe([(Utc(4, 4, 8), 0), (Utc(4, 30, 22), 0)]);
    }

    [Fact]
    public async Task Without_a_plan_every_minute_is_chargeable_and_nothing_is_counted()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        var created = await BookAsync(admin, space, organisation, Utc(6, 6, 8), Utc(6, 6, 11)).ShouldHaveStatus(HttpStatusCode.Created);
        ETags.ETag(created).ShouldBe("\"2\"");
        var booking = await created.JsonAsync();
        Split(booking).ShouldBe((0, 180));
        booking.GetProperty("quotaMonth").ValueKind.ShouldBe(JsonValueKind.Null);
        (await app.PublishedAsync<BookingConfirmed>("bookings.booking-confirmed", "bookingId", booking.GetProperty("id").GetGuid()))
            .ChargeableMinutes.ShouldBe(180);
        var quota = await QuotaAsync(admin, organisation, "2028-06");
        (Figures(quota), quota.GetProperty("version").GetInt64()).ShouldBe(((0, 0, 0), 0L));
    }

    [Fact]
    public async Task A_plan_changing_mid_month_gives_the_larger_allowance_for_that_month()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        var person = await PlanAsync(admin, organisation, "civil-society", new DateOnly(2028, 1, 1));
        // From 16 October the flexible-desk plan (4 h) ends the civil-society one (10 h) on the 15th.
        await PlanAsync(admin, organisation, "flexible-desk", new DateOnly(2028, 10, 16), person);
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.organisation_plans where organisation_id = $1 and valid_until = '2028-10-15'", organisation) == 1,
            "Bookings knows the end of the first plan");

        Figures(await QuotaAsync(admin, organisation, "2028-10")).ShouldBe((600, 0, 600));
        Figures(await QuotaAsync(admin, organisation, "2028-11")).ShouldBe((240, 0, 240));
        Split(await (await BookAsync(admin, space, organisation, Utc(10, 25, 8), Utc(10, 25, 16)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
            .ShouldBe((480, 0));
        Split(await (await BookAsync(admin, space, organisation, Utc(11, 6, 8), Utc(11, 6, 13)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
            .ShouldBe((240, 60));
    }

    [Fact]
    public async Task Parallel_bookings_of_one_organisation_never_spend_the_same_free_minutes_twice()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        await PlanAsync(admin, organisation, "civil-society", new DateOnly(2028, 1, 1));

        // Eight bookings of 90 minutes at once: 720 minutes against an allowance of 600.
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            BookAsync(admin, space, organisation, Utc(7, 3 + i, 8), Utc(7, 3 + i, 8).AddMinutes(90))));
        foreach (var response in responses)
            await Task.FromResult(response).ShouldHaveStatus(HttpStatusCode.Created);
        var splits = await Task.WhenAll(responses.Select(async r => Split(await r.JsonAsync())));
        splits.Sum(s => s.Free).ShouldBe(600);
        splits.Sum(s => s.Chargeable).ShouldBe(120);
        splits.Count(s => s == (90, 0)).ShouldBe(6);
        Figures(await QuotaAsync(admin, organisation, "2028-07")).ShouldBe((600, 600, 0));
        var quota = await QuotaAsync(admin, organisation, "2028-07");
        quota.GetProperty("bookings").EnumerateArray().Sum(b => b.GetProperty("freeMinutes").GetInt32()).ShouldBe(600);
    }

    /// <summary>
    /// Issue 16: bookings of one organisation in different slots do not conflict, so none of them may
    /// fail on the month's quota stream, however many arrive at once; the server retries its own races.
    /// </summary>
    [Fact]
    public async Task Thirty_parallel_bookings_of_one_organisation_in_different_slots_all_succeed()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        await PlanAsync(admin, organisation, "civil-society", new DateOnly(2028, 1, 1));

        // Thirty hours on thirty days of September at once: 1800 minutes against an allowance of 600.
        var responses = await Task.WhenAll(Enumerable.Range(1, 30).Select(day =>
            BookAsync(admin, space, organisation, Utc(9, day, 8), Utc(9, day, 9))));
        var bodies = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));
        responses.Select((r, i) => $"{(int)r.StatusCode} {(r.StatusCode == HttpStatusCode.Created ? "" : bodies[i])}")
            .ShouldAllBe(answer => answer == "201 ");
        var splits = bodies.Select(b => Split(JsonDocument.Parse(b).RootElement)).ToList();
        (splits.Sum(s => s.Free), splits.Sum(s => s.Chargeable)).ShouldBe((600, 1200));
        splits.Count(s => s == (60, 0)).ShouldBe(10);
        Figures(await QuotaAsync(admin, organisation, "2028-09")).ShouldBe((600, 600, 0));
    }

    [Fact]
    public async Task Members_read_the_quota_of_their_own_organisations_only_and_bad_parameters_are_named()
    {
        using var admin = app.AdminClient();
        var own = await _world.OrganisationAsync();
        var other = await _world.OrganisationAsync();
        using var member = await _world.MemberOfAsync(own);

        await member.GetAsync($"/api/bookings/quotas?organisationId={own}&month=2028-08").ShouldHaveStatus(HttpStatusCode.OK);
        await member.GetAsync($"/api/bookings/quotas?organisationId={other}&month=2028-08").ShouldHaveStatus(HttpStatusCode.NotFound);
        (await (await admin.GetAsync($"/api/bookings/quotas?organisationId={own}&month=2028-8")).InvalidFieldsAsync()).ShouldBe(["month"]);
        (await (await admin.GetAsync("/api/bookings/quotas?month=2028-08")).InvalidFieldsAsync()).ShouldBe(["organisationId"]);
    }

    [Fact]
    public async Task Occurrences_of_a_series_take_free_minutes_in_order_and_cancelling_the_rest_gives_them_back()
    {
        using var admin = app.AdminClient();
        await StandardHoursAsync(admin);
        var (space, organisation) = await _world.RoomAsync();
        await PlanAsync(admin, organisation, "civil-society", new DateOnly(2028, 1, 1));

        var created = await admin.SendAsync("POST", "/api/bookings/series", new
        {
            spaceId = space,
            organisationId = organisation,
            start = Utc(5, 3, 8),
            end = Utc(5, 3, 12),
            attendees = 6,
            purpose = "Sprachcafé",
            actionField = "living-together",
            repeat = new { frequency = "weekly", count = 4 },
            conflicts = "book-none",
        }).ShouldHaveStatus(HttpStatusCode.Created);
        var series = await created.JsonAsync();
        var bookingIds = series.GetProperty("occurrences").EnumerateArray().Select(o => o.GetProperty("bookingId").GetGuid()).ToList();
        var splits = new List<(int, int)>();
        foreach (var id in bookingIds)
            splits.Add(Split(await (await admin.GetAsync($"/api/bookings/{id}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()));
        splits.ShouldBe([(240, 0), (240, 0), (120, 120), (0, 240)]);
        Figures(await QuotaAsync(admin, organisation, "2028-05")).ShouldBe((600, 600, 0));
        var third = await app.PublishedAsync<BookingConfirmed>("bookings.booking-confirmed", "bookingId", bookingIds[2]);
        third.ChargeableMinutes.ShouldBe(120);

        await admin.SendAsync("POST", $"/api/bookings/series/{series.GetProperty("id").GetGuid()}/cancel",
            new { from = Utc(5, 17, 8), reason = "Kursleitung fällt aus" }, ETags.ETag(created)).ShouldHaveStatus(HttpStatusCode.OK);
        Figures(await QuotaAsync(admin, organisation, "2028-05")).ShouldBe((600, 480, 120));
    }
}
