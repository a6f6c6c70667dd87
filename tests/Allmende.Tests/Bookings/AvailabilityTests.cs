using System.Net;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Availability search over HTTP: free time around bookings, full moments of a flexible-desk area, 400s and 404s.</summary>
[Collection(BookingsHost.Name)]
public sealed class AvailabilityTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset Utc(int d, int h) => new(2027, 8, d, h, 0, 0, TimeSpan.Zero);

    private static List<(DateTimeOffset Start, DateTimeOffset End)> Free(System.Text.Json.JsonElement body, Guid space) =>
        [.. body.GetProperty("spaces").EnumerateArray().Single(s => s.GetProperty("spaceId").GetGuid() == space)
            .GetProperty("free").EnumerateArray().Select(f => (f.GetProperty("start").GetDateTimeOffset(), f.GetProperty("end").GetDateTimeOffset()))];

    [Fact]
    public async Task A_room_with_one_booking_is_free_before_and_after_it()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        await BookAsync(admin, space, organisation, Utc(11, 10), Utc(11, 12)).ShouldHaveStatus(HttpStatusCode.Created);

        var body = await (await admin.GetAsync($"/api/bookings/availability?spaceId={space}&from=2027-08-11&to=2027-08-11&durationMinutes=90")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

        Free(body, space).ShouldBe([(Utc(10, 22), Utc(11, 10)), (Utc(11, 12), Utc(11, 22))]);
    }

    [Fact]
    public async Task A_flexible_desk_area_shows_a_gap_where_all_places_are_taken()
    {
        var (area, organisation) = await _world.RoomAsync(kind: "flexible-desk-area", capacity: 2, places: 2);
        using var admin = app.AdminClient();
        await BookAsync(admin, area, organisation, Utc(12, 8), Utc(12, 12), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, area, organisation, Utc(12, 10), Utc(12, 14), attendees: 1).ShouldHaveStatus(HttpStatusCode.Created);

        var body = await (await admin.GetAsync($"/api/bookings/availability?spaceId={area}&from=2027-08-12&to=2027-08-12&durationMinutes=30")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

        Free(body, area).ShouldBe([(Utc(11, 22), Utc(12, 10)), (Utc(12, 12), Utc(12, 22))]);
    }

    [Fact]
    public async Task Today_is_free_only_after_the_lead_time_and_spaces_not_taking_the_duration_have_no_slots()
    {
        var site = await _world.SiteAsync();
        var leadTime = await _world.SpaceAsync(site, rules: new { leadTimeMinutes = 120 });
        var shortOnly = await _world.SpaceAsync(site, rules: new { maxDurationMinutes = 60 });
        await _world.KnownAsync(shortOnly, await _world.OrganisationAsync());
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.spaces where site_id = $1", site) == 2, "Bookings knows both spaces");
        using var admin = app.AdminClient();
        var today = NodaTime.SystemClock.Instance.GetCurrentInstant().InZone(NodaTime.DateTimeZoneProviders.Tzdb["Europe/Berlin"]).Date;
        var date = today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var before = DateTimeOffset.UtcNow;

        var body = await (await admin.GetAsync($"/api/bookings/availability?siteId={site}&from={date}&to={date}&durationMinutes=90")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

        var free = Free(body, leadTime);
        if (free.Count > 0) // Late in the evening two hours ahead may already be tomorrow.
            free[0].Start.ShouldBeGreaterThanOrEqualTo(before.AddMinutes(120));
        var refused = body.GetProperty("spaces").EnumerateArray().Single(s => s.GetProperty("spaceId").GetGuid() == shortOnly);
        refused.GetProperty("unavailableBecause").GetString().ShouldBe("above-maximum-duration");
        Free(body, shortOnly).ShouldBeEmpty();
    }

    [Fact]
    public async Task People_asks_for_that_many_places_or_a_space_holding_them_on_the_25_hour_autumn_day()
    {
        var site = await _world.SiteAsync();
        var floor = await _world.SpaceAsync(site, "flexible-desk-area", capacity: 10, places: 10);
        var small = await _world.SpaceAsync(site, capacity: 6);
        var hall = await _world.SpaceAsync(site, "event-hall", capacity: 30);
        var organisation = await _world.OrganisationAsync();
        foreach (var space in new[] { floor, small, hall })
            await _world.KnownAsync(space, organisation);
        using var admin = app.AdminClient();
        var day = new DateTimeOffset(2027, 10, 31, 0, 0, 0, TimeSpan.Zero);
        await BookAsync(admin, floor, organisation, day.AddHours(8), day.AddHours(12), attendees: 4).ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, floor, organisation, day.AddHours(10), day.AddHours(14), attendees: 3).ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, hall, organisation, day.AddHours(9), day.AddHours(11), attendees: 20).ShouldHaveStatus(HttpStatusCode.Created);

        // Berlin's 31 October 2027 lasts 25 hours: 22:00 UTC the day before to 23:00 UTC.
        var body = await (await admin.GetAsync($"/api/bookings/availability?siteId={site}&from=2027-10-31&to=2027-10-31&durationMinutes=60&people=8")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        body.GetProperty("people").GetInt32().ShouldBe(8);
        (body.GetProperty("rangeFrom").GetDateTimeOffset(), body.GetProperty("rangeTo").GetDateTimeOffset())
            .ShouldBe((day.AddHours(-2), day.AddHours(23)));
        // 4 places taken 08–10, 7 at 10–12, 3 at 12–14: eight of ten are free only before 08:00 and from 14:00.
        Free(body, floor).ShouldBe([(day.AddHours(-2), day.AddHours(8)), (day.AddHours(14), day.AddHours(23))]);
        Free(body, hall).ShouldBe([(day.AddHours(-2), day.AddHours(9)), (day.AddHours(11), day.AddHours(23))]);
        var tooSmall = body.GetProperty("spaces").EnumerateArray().Single(s => s.GetProperty("spaceId").GetGuid() == small);
        tooSmall.GetProperty("unavailableBecause").GetString().ShouldBe("over-capacity");
        Free(body, small).ShouldBeEmpty();

        // Three places are free all day (at most seven are taken); the small room takes three people.
        var three = await (await admin.GetAsync($"/api/bookings/availability?siteId={site}&from=2027-10-31&to=2027-10-31&durationMinutes=60&people=3")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        Free(three, floor).ShouldBe([(day.AddHours(-2), day.AddHours(23))]);
        Free(three, small).ShouldBe([(day.AddHours(-2), day.AddHours(23))]);
        // A single place (the default) is what it always was: one place is left even at the fullest moment.
        var one = await (await admin.GetAsync($"/api/bookings/availability?spaceId={floor}&from=2027-10-31&to=2027-10-31&durationMinutes=60")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        one.GetProperty("people").GetInt32().ShouldBe(1);
        Free(one, floor).ShouldBe([(day.AddHours(-2), day.AddHours(23))]);
    }

    [Fact]
    public async Task People_on_the_23_hour_spring_day_and_bad_people_are_a_400()
    {
        var (floor, organisation) = await _world.RoomAsync(kind: "flexible-desk-area", capacity: 10, places: 10);
        using var admin = app.AdminClient();
        var day = new DateTimeOffset(2027, 3, 28, 0, 0, 0, TimeSpan.Zero);
        // Across the spring gap (01:00 UTC): nine places 00:30–01:30 UTC, 01:30–02:30 and 03:30–04:30 local.
        await BookAsync(admin, floor, organisation, day.AddMinutes(30), day.AddMinutes(90), attendees: 9).ShouldHaveStatus(HttpStatusCode.Created);

        var body = await (await admin.GetAsync($"/api/bookings/availability?spaceId={floor}&from=2027-03-28&to=2027-03-28&durationMinutes=30&people=2")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        // Berlin's 28 March 2027 lasts 23 hours: 23:00 UTC the day before to 22:00 UTC.
        Free(body, floor).ShouldBe([(day.AddHours(-1), day.AddMinutes(30)), (day.AddMinutes(90), day.AddHours(22))]);
        var single = await (await admin.GetAsync($"/api/bookings/availability?spaceId={floor}&from=2027-03-28&to=2027-03-28&durationMinutes=30&people=1")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        Free(single, floor).ShouldBe([(day.AddHours(-1), day.AddHours(22))]);

        foreach (var people in new[] { "0", "-3", "many" })
            (await (await admin.GetAsync($"/api/bookings/availability?spaceId={floor}&from=2027-03-28&to=2027-03-28&durationMinutes=30&people={people}"))
                .InvalidFieldsAsync()).ShouldBe(["people"]);
    }

    [Fact]
    public async Task Bad_parameters_are_400_naming_the_field_and_unknown_spaces_and_sites_404()
    {
        using var admin = app.AdminClient();
        var space = Guid.NewGuid();
        (await (await admin.GetAsync($"/api/bookings/availability?spaceId={space}&from=2027-08-01&to=2027-09-05&durationMinutes=60")).InvalidFieldsAsync()).ShouldContain("to");
        (await (await admin.GetAsync($"/api/bookings/availability?spaceId={space}&from=01.08.2027&to=2027-08-02&durationMinutes=60")).InvalidFieldsAsync()).ShouldContain("from");
        (await (await admin.GetAsync($"/api/bookings/availability?spaceId={space}&from=2027-08-01&to=2027-08-02&durationMinutes=0")).InvalidFieldsAsync()).ShouldContain("durationMinutes");
        (await (await admin.GetAsync("/api/bookings/availability?from=2027-08-01&to=2027-08-02&durationMinutes=60")).InvalidFieldsAsync()).ShouldContain("spaceId");
        await admin.GetAsync($"/api/bookings/availability?spaceId={space}&from=2027-08-01&to=2027-08-02&durationMinutes=60").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/availability?siteId={space}&kind=room&from=2027-08-01&to=2027-08-02&durationMinutes=60").ShouldHaveStatus(HttpStatusCode.NotFound);
    }
}
