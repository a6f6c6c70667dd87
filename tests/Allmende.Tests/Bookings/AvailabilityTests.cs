using System.Net;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Availability search over HTTP: free time around bookings, full moments of a flexible-desk area, 400s and 404s.</summary>
public sealed class AvailabilityTests(AllmendeApp app) : IClassFixture<AllmendeApp>
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
