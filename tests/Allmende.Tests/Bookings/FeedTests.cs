using System.Net;
using System.Text;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Ical.Net.CalendarComponents;
using static Allmende.Tests.Bookings.BookingsWorld;
using IcsCalendar = Ical.Net.Calendar;

namespace Allmende.Tests.Bookings;

/// <summary>
/// Calendar feeds behind secret URLs, read as a calendar app would (no key) and parsed back with Ical.Net:
/// a member's feed hides other organisations entirely, a staff feed shows who, what and where.
/// </summary>
[Collection(BookingsHost.Name)]
public sealed class FeedTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<Guid> IdAsync(Task<HttpResponseMessage> response) =>
        (await (await response.ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

    /// <summary>Creates a feed and answers its secret URL and id.</summary>
    private static async Task<(string Url, Guid Id)> FeedAsync(HttpClient client, string scope, Guid id)
    {
        var created = await client.SendAsync("POST", "/api/bookings/feeds", new { scope, id }).ShouldHaveStatus(HttpStatusCode.Created);
        var body = await created.JsonAsync();
        var feedId = body.GetProperty("feed").GetProperty("id").GetGuid();
        created.Headers.Location!.ToString().ShouldBe($"/api/bookings/feeds/{feedId}");
        return (body.GetProperty("url").GetString()!, feedId);
    }

    /// <summary>The feed as a calendar app fetches it: no key, no token.</summary>
    private async Task<(string Text, IcsCalendar Calendar)> ReadAsync(string url)
    {
        using var anonymous = app.CreateClient();
        var response = await anonymous.GetAsync(url).ShouldHaveStatus(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/calendar");
        var text = Encoding.UTF8.GetString(await response.Content.ReadAsByteArrayAsync());
        return (text, IcsCalendar.Load(text) ?? throw new ShouldAssertException("The feed does not parse as iCalendar."));
    }

    private static CalendarEvent At(IcsCalendar calendar, DateTimeOffset start) =>
        calendar.Events.Single(e => e.DtStart!.AsUtc == start.UtcDateTime);

    [Fact]
    public async Task A_members_space_feed_needs_no_key_hides_other_organisations_and_stops_when_revoked()
    {
        var (space, theirs) = await _world.RoomAsync();
        var ours = await _world.OrganisationAsync();
        await _world.KnownAsync(space, ours);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(ours);
        using var stranger = await _world.MemberOfAsync(theirs);
        var busy = await IdAsync(BookAsync(admin, space, theirs, At("2027-09-06T08:00:00Z"), At("2027-09-06T10:00:00Z")));
        var dropped = await IdAsync(BookAsync(admin, space, theirs, At("2027-09-07T08:00:00Z"), At("2027-09-07T10:00:00Z")));
        await admin.SendAsync("POST", $"/api/bookings/{dropped}/cancel", new { reason = "Referentin krank" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        var mine = await IdAsync(BookAsync(member, space, ours, At("2027-09-06T11:00:00Z"), At("2027-09-06T12:00:00Z")));
        await member.SendAsync("PUT", $"/api/bookings/{mine}/time", new { start = At("2027-09-06T12:00:00Z"), end = At("2027-09-06T13:00:00Z") }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.site_addresses a join bookings.spaces s using (site_id) where s.space_id = $1", space) == 1,
            "Bookings has the site's address");

        var (url, feedId) = await FeedAsync(member, "space", space);
        url.ShouldStartWith("/api/bookings/ical/cal_");
        url.ShouldEndWith(".ics");
        var (text, calendar) = await ReadAsync(url);

        calendar.Events.Count.ShouldBe(3);
        var other = At(calendar, At("2027-09-06T08:00:00Z"));
        (other.Summary, other.Description, other.Status, other.DtEnd!.AsUtc).ShouldBe(("busy", (string?)null, "CONFIRMED", At("2027-09-06T10:00:00Z").UtcDateTime));
        other.Location!.ShouldEndWith(", Werkstattweg 3, 04277 Leipzig");
        At(calendar, At("2027-09-07T08:00:00Z")).Status.ShouldBe("CANCELLED");
        // Not even a UID gives another organisation's booking away; the opaque one stays the same on every read.
        foreach (var hidden in new[] { busy, dropped, theirs })
            text.ShouldNotContain(hidden.ToString());
        other.Uid!.ShouldMatch("^[0-9a-f]{32}@allmende$");
        At((await ReadAsync(url)).Calendar, At("2027-09-06T08:00:00Z")).Uid.ShouldBe(other.Uid);

        var own = At(calendar, At("2027-09-06T12:00:00Z"));
        var booking = await (await member.GetAsync($"/api/bookings/{mine}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (own.Uid, own.Status, own.Sequence, own.DtEnd!.AsUtc).ShouldBe(($"{mine}@allmende", "CONFIRMED", (int)booking.GetProperty("version").GetInt64(),
            At("2027-09-06T13:00:00Z").UtcDateTime));
        own.Summary!.ShouldEndWith(": Nachbarschaftscafé");
        own.LastModified.ShouldNotBeNull();
        own.LastModified!.AsUtc.ShouldBeGreaterThan(DateTime.UtcNow.AddMinutes(-5));

        // Only its creator (or an admin) sees and revokes it; then the URL is gone.
        var listed = await (await member.GetAsync("/api/bookings/feeds").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        listed.EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).ShouldBe([feedId]);
        listed[0].TryGetProperty("url", out _).ShouldBeFalse();
        (await (await stranger.GetAsync("/api/bookings/feeds").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetArrayLength().ShouldBe(0);
        await stranger.SendAsync("POST", $"/api/bookings/feeds/{feedId}/revoke").ShouldHaveStatus(HttpStatusCode.NotFound);
        var revoked = await (await member.SendAsync("POST", $"/api/bookings/feeds/{feedId}/revoke").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        revoked.GetProperty("revokedAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
        using var anonymous = app.CreateClient();
        await anonymous.GetAsync(url).ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.SendAsync("POST", $"/api/bookings/feeds/{feedId}/revoke").ShouldHaveStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_staff_site_feed_shows_organisation_purpose_attendees_address_and_desk_assignments()
    {
        var site = await _world.SiteAsync();
        var room = await _world.SpaceAsync(site);
        var desk = await _world.SpaceAsync(site, "fixed-desk", capacity: 1);
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(room, organisation);
        await _world.KnownAsync(desk, organisation);
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString, """
            select (select count(*) from bookings.site_addresses where site_id = $1) + (select count(*) from bookings.organisation_names where organisation_id = $2)
            """, site, organisation) == 2, "Bookings has the site's address and the organisation's name");
        using var admin = app.AdminClient();
        var name = (await (await admin.GetAsync($"/api/organisations/{organisation}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("name").GetString();
        var booking = await IdAsync(BookAsync(admin, room, organisation, At("2027-10-31T08:00:00Z"), At("2027-10-31T10:00:00Z"), attendees: 12));
        var today = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
        var assignment = await IdAsync(admin.SendAsync("POST", "/api/bookings/desk-assignments",
            new { spaceId = desk, organisationId = organisation, from = today.ToString("yyyy-MM-dd"), until = today.AddDays(9).ToString("yyyy-MM-dd") }));

        var (url, _) = await FeedAsync(admin, "site", site);
        var (_, calendar) = await ReadAsync(url);

        calendar.Properties["X-WR-CALNAME"]!.Value.ShouldBe(await SiteNameAsync(admin, site));
        var meeting = calendar.Events.Single(e => e.Uid == $"{booking}@allmende");
        meeting.Summary.ShouldBe($"{name}: Nachbarschaftscafé");
        meeting.Description.ShouldBe($"Organisation: {name}\nPurpose: Nachbarschaftscafé\nAttendees: 12\nAction field: neighbourhood-culture\nStatus: confirmed");
        meeting.Location!.ShouldEndWith($", {await SiteNameAsync(admin, site)}, Werkstattweg 3, 04277 Leipzig");
        var fixedDesk = calendar.Events.Single(e => e.Uid == $"{assignment}@allmende");
        fixedDesk.IsAllDay.ShouldBeTrue();
        (fixedDesk.DtStart!.Date, fixedDesk.DtEnd!.Date, fixedDesk.Status).ShouldBe((today, today.AddDays(10), "CONFIRMED"));
        fixedDesk.Summary!.ShouldEndWith(": fixed desk");
    }

    [Fact]
    public async Task A_series_is_one_event_with_an_rrule_in_berlin_time_and_exdates_for_what_it_does_not_stand_for()
    {
        var (space, organisation) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(other);
        // Tuesdays 18:00–20:00 in Berlin from 19 October 2027: 16:00 UTC, and 17:00 UTC after 31 October.
        var first = At("2027-10-19T16:00:00Z");
        await BookAsync(admin, space, organisation, At("2027-11-02T17:00:00Z"), At("2027-11-02T18:00:00Z")).ShouldHaveStatus(HttpStatusCode.Created);
        var series = await (await admin.SendAsync("POST", "/api/bookings/series", new
        {
            spaceId = space, organisationId = organisation, start = first, end = first.AddHours(2), attendees = 6, purpose = "Deutschkurs",
            actionField = "school-and-education", repeat = new { frequency = "weekly", count = 5 }, conflicts = "book-free",
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var seriesId = series.GetProperty("id").GetGuid();
        var bookings = series.GetProperty("occurrences").EnumerateArray()
            .Select(o => o.TryGetProperty("bookingId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String ? id.GetGuid() : (Guid?)null).ToList();
        bookings[2].ShouldBeNull(); // 2 November: slot-taken
        await admin.SendAsync("POST", $"/api/bookings/{bookings[1]}/cancel", new { reason = "Ferien" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("PUT", $"/api/bookings/{bookings[3]}/time", new { start = At("2027-11-09T18:00:00Z"), end = At("2027-11-09T20:00:00Z") }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.OK);

        var (text, calendar) = await ReadAsync((await FeedAsync(admin, "space", space)).Url);

        var master = calendar.Events.Single(e => e.Uid == $"{seriesId}@allmende");
        (master.DtStart!.TzId, master.DtStart.Value, master.DtEnd!.Value).ShouldBe(("Europe/Berlin", new DateTime(2027, 10, 19, 18, 0, 0), new DateTime(2027, 10, 19, 20, 0, 0)));
        text.Split("\r\n").ShouldContain("RRULE:FREQ=WEEKLY;UNTIL=20271116T170000Z");
        calendar.TimeZones.Select(z => z.TzId).ShouldBe(["Europe/Berlin"]);
        master.ExceptionDates.GetAllDates().Select(d => d.Value).Order().ShouldBe(
            [new DateTime(2027, 10, 26, 18, 0, 0), new DateTime(2027, 11, 2, 18, 0, 0), new DateTime(2027, 11, 9, 18, 0, 0)]);
        // The cancelled and the moved occurrence are events of their own; the rule stands for the other three.
        calendar.Events.Single(e => e.Uid == $"{bookings[1]}@allmende").Status.ShouldBe("CANCELLED");
        calendar.Events.Single(e => e.Uid == $"{bookings[3]}@allmende").DtStart!.AsUtc.ShouldBe(At("2027-11-09T18:00:00Z").UtcDateTime);
        foreach (var covered in new[] { bookings[0], bookings[4] })
            calendar.Events.ShouldNotContain(e => e.Uid == $"{covered}@allmende");

        // Another organisation's member sees the series as one busy event under an opaque UID.
        var (memberText, memberCalendar) = await ReadAsync((await FeedAsync(member, "space", space)).Url);
        memberText.ShouldNotContain(seriesId.ToString());
        memberCalendar.Events.Single(e => e.RecurrenceRule is not null).Summary.ShouldBe("busy");
    }

    [Fact]
    public async Task Feeds_are_made_only_for_what_the_caller_may_read_and_a_wrong_secret_is_a_404()
    {
        var (space, organisation) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        using var member = await _world.MemberOfAsync(other);
        (await (await member.SendAsync("POST", "/api/bookings/feeds", new { scope = "room", id = space })).InvalidFieldsAsync()).ShouldBe(["scope"]);
        (await (await member.SendAsync("POST", "/api/bookings/feeds", new { scope = "space" })).InvalidFieldsAsync()).ShouldBe(["id"]);
        await member.SendAsync("POST", "/api/bookings/feeds", new { scope = "organisation", id = organisation }).ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.SendAsync("POST", "/api/bookings/feeds", new { scope = "space", id = Guid.NewGuid() }).ShouldHaveStatus(HttpStatusCode.NotFound);
        var (url, _) = await FeedAsync(member, "organisation", other);

        using var anonymous = app.CreateClient();
        await anonymous.GetAsync(url[..^8] + "xxxx.ics").ShouldHaveStatus(HttpStatusCode.NotFound);
        await anonymous.GetAsync($"/api/bookings/ical/cal_{Guid.NewGuid():N}_nothing.ics").ShouldHaveStatus(HttpStatusCode.NotFound);
        await anonymous.GetAsync($"/api/bookings/ical/space/{space}.ics").ShouldHaveStatus(HttpStatusCode.Unauthorized);
        await anonymous.PostAsync("/api/bookings/feeds", null).ShouldHaveStatus(HttpStatusCode.Unauthorized);
    }

    private static async Task<string> SiteNameAsync(HttpClient admin, Guid site) =>
        (await (await admin.GetAsync($"/api/sites/{site}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("name").GetString()!;
}
