using System.Net;
using System.Text;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Calendars by day and week and the iCalendar feeds over HTTP: DST days, busy blocks for members, RFC 5545 text.</summary>
[Collection(BookingsHost.Name)]
public sealed class CalendarTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<Guid> IdAsync(Task<HttpResponseMessage> response) =>
        (await (await response.ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

    [Fact]
    public async Task The_autumn_DST_day_lasts_25_hours_and_lists_the_bookings_inside_it()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var inside = await IdAsync(BookAsync(admin, space, organisation, At("2027-10-31T22:00:00Z"), At("2027-10-31T23:00:00Z")));
        await IdAsync(BookAsync(admin, space, organisation, At("2027-10-31T23:00:00Z"), At("2027-11-01T01:00:00Z")));
        var early = await IdAsync(BookAsync(admin, space, organisation, At("2027-10-30T21:00:00Z"), At("2027-10-30T22:30:00Z")));

        var day = await (await admin.GetAsync($"/api/bookings/calendar?spaceId={space}&date=2027-10-31&view=day").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

        day.GetProperty("from").GetDateTimeOffset().ShouldBe(At("2027-10-30T22:00:00Z"));
        day.GetProperty("to").GetDateTimeOffset().ShouldBe(At("2027-10-31T23:00:00Z"));
        var bookings = day.GetProperty("bookings").EnumerateArray().ToList();
        bookings.Select(b => b.GetProperty("id").GetGuid()).ShouldBe([early, inside]);
        bookings[1].GetProperty("purpose").GetString().ShouldBe("Nachbarschaftscafé");
        bookings[1].GetProperty("organisationId").GetGuid().ShouldBe(organisation);
        bookings[1].GetProperty("busy").GetBoolean().ShouldBeFalse();
        bookings[1].GetProperty("status").GetString().ShouldBe("confirmed");
    }

    [Fact]
    public async Task A_week_runs_Monday_to_Sunday_for_a_space_and_for_its_site_and_leaves_released_bookings_out()
    {
        var site = await _world.SiteAsync();
        var space = await _world.SpaceAsync(site);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(space, organisation);
        using var admin = app.AdminClient();
        var sunday = await IdAsync(BookAsync(admin, space, organisation, At("2027-11-07T20:00:00Z"), At("2027-11-07T22:00:00Z")));
        var monday = await IdAsync(BookAsync(admin, space, organisation, At("2027-11-01T08:00:00Z"), At("2027-11-01T10:00:00Z")));
        await IdAsync(BookAsync(admin, space, organisation, At("2027-11-08T08:00:00Z"), At("2027-11-08T10:00:00Z")));
        var cancelled = await IdAsync(BookAsync(admin, space, organisation, At("2027-11-03T08:00:00Z"), At("2027-11-03T10:00:00Z")));
        await admin.SendAsync("POST", $"/api/bookings/{cancelled}/cancel", new { reason = "fällt aus" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);

        foreach (var filter in new[] { $"spaceId={space}", $"siteId={site}" })
        {
            var week = await (await admin.GetAsync($"/api/bookings/calendar?{filter}&date=2027-11-03&view=week").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
            week.GetProperty("date").GetString().ShouldBe("2027-11-01");
            week.GetProperty("from").GetDateTimeOffset().ShouldBe(At("2027-10-31T23:00:00Z"));
            week.GetProperty("to").GetDateTimeOffset().ShouldBe(At("2027-11-07T23:00:00Z"));
            week.GetProperty("bookings").EnumerateArray().Select(b => b.GetProperty("id").GetGuid()).ShouldBe([monday, sunday], filter);
        }
    }

    [Fact]
    public async Task A_member_sees_another_organisations_booking_only_as_busy_and_not_its_feed()
    {
        var (space, organisation) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        using var member = await _world.MemberOfAsync(other);
        using var admin = app.AdminClient();
        var theirs = await IdAsync(BookAsync(admin, space, organisation, At("2027-09-06T08:00:00Z"), At("2027-09-06T10:00:00Z")));
        var mine = await IdAsync(BookAsync(admin, space, other, At("2027-09-06T11:00:00Z"), At("2027-09-06T12:00:00Z")));

        var response = await member.GetAsync($"/api/bookings/calendar?spaceId={space}&date=2027-09-06").ShouldHaveStatus(HttpStatusCode.OK);
        var json = await response.Content.ReadAsStringAsync();
        var bookings = (await response.JsonAsync()).GetProperty("bookings").EnumerateArray().ToList();
        bookings.Count.ShouldBe(2);
        bookings[0].GetProperty("busy").GetBoolean().ShouldBeTrue();
        bookings[0].GetProperty("spaceId").GetGuid().ShouldBe(space);
        bookings[0].GetProperty("start").GetDateTimeOffset().ShouldBe(At("2027-09-06T08:00:00Z"));
        bookings[0].GetProperty("status").GetString().ShouldBe("confirmed");
        foreach (var hidden in new[] { "id", "organisationId", "personId", "purpose", "attendees", "actionField" })
            bookings[0].TryGetProperty(hidden, out _).ShouldBeFalse(hidden);
        bookings[1].GetProperty("id").GetGuid().ShouldBe(mine);
        json.ShouldNotContain(organisation.ToString());
        json.ShouldNotContain(theirs.ToString());

        var feed = await (await member.GetAsync($"/api/bookings/ical/space/{space}.ics").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        feed.Split("\r\n").ShouldContain("SUMMARY:busy");
        // Not even the UID names the other organisation's booking (issue 16).
        feed.ShouldNotContain(theirs.ToString());
        feed.ShouldNotContain(organisation.ToString());
        await member.GetAsync($"/api/bookings/ical/organisation/{organisation}.ics").ShouldHaveStatus(HttpStatusCode.NotFound);
        var own = await (await member.GetAsync($"/api/bookings/ical/organisation/{other}.ics").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        own.ShouldContain($"UID:{mine}@allmende");
        own.ShouldNotContain(theirs.ToString());
    }

    [Fact]
    public async Task The_space_feed_is_RFC_5545_text_with_each_holding_booking()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var booking = await IdAsync(BookAsync(admin, space, organisation, At("2027-08-02T08:00:00Z"), At("2027-08-02T10:30:00Z")));

        var response = await admin.GetAsync($"/api/bookings/ical/space/{space}.ics").ShouldHaveStatus(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/calendar");
        response.Content.Headers.ContentType.CharSet.ShouldBe("utf-8");
        var feed = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());

        feed.ShouldEndWith("\r\n");
        var lines = feed[..^2].Split("\r\n");
        lines.ShouldAllBe(l => !l.Contains('\n') && !l.Contains('\r') && Encoding.UTF8.GetByteCount(l) <= 75);
        lines[0].ShouldBe("BEGIN:VCALENDAR");
        lines[^1].ShouldBe("END:VCALENDAR");
        lines.ShouldContain($"UID:{booking}@allmende");
        lines.ShouldContain("DTSTART:20270802T080000Z");
        lines.ShouldContain("DTEND:20270802T103000Z");
        lines.ShouldContain("STATUS:CONFIRMED");
        lines.Count(l => l == "BEGIN:VEVENT").ShouldBe(1);
    }

    [Fact]
    public async Task Unknown_spaces_sites_and_organisations_are_404_and_bad_parameters_400()
    {
        using var admin = app.AdminClient();
        await admin.GetAsync($"/api/bookings/calendar?spaceId={Guid.NewGuid()}&date=2027-03-01").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/calendar?siteId={Guid.NewGuid()}&date=2027-03-01&view=week").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/ical/space/{Guid.NewGuid()}.ics").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/ical/organisation/{Guid.NewGuid()}.ics").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync("/api/bookings/ical/space/not-an-id.ics").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/calendar?spaceId={Guid.NewGuid()}&date=01.03.2027").ShouldHaveStatus(HttpStatusCode.BadRequest);
        await admin.GetAsync($"/api/bookings/calendar?spaceId={Guid.NewGuid()}&date=2027-03-01&view=month").ShouldHaveStatus(HttpStatusCode.BadRequest);
        await admin.GetAsync("/api/bookings/calendar?date=2027-03-01").ShouldHaveStatus(HttpStatusCode.BadRequest);
    }
}
