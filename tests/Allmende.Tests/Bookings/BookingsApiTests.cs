using System.Net;
using Allmende.Bookings.Contracts;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Bookings over HTTP on a real database: the lifecycle, the rules, the access rules, rescheduling and the DST nights.</summary>
[Collection(BookingsHost.Name)]
public sealed class BookingsApiTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    /// <summary>The next whole minute and one more: a booking that starts now-ish, so check-in is open.</summary>
    private static DateTimeOffset SoonStart()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(2);
    }

    [Fact]
    public async Task A_booking_is_confirmed_checked_in_and_completed_and_publishes_what_funders_need()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = SoonStart();

        var created = await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
        created.ETag().ShouldBe("\"2\"");
        var booking = await created.JsonAsync();
        booking.GetProperty("status").GetString().ShouldBe("confirmed");
        booking.GetProperty("durationMinutes").GetInt32().ShouldBe(120);
        var id = booking.GetProperty("id").GetGuid();
        created.Headers.Location!.ToString().ShouldBe($"/api/bookings/{id}");

        var read = await admin.GetAsync($"/api/bookings/{id}").ShouldHaveStatus(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"2\"");

        var checkedIn = await admin.SendAsync("POST", $"/api/bookings/{id}/check-in", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        (await checkedIn.JsonAsync()).GetProperty("status").GetString().ShouldBe("checked-in");
        var completed = await admin.SendAsync("POST", $"/api/bookings/{id}/complete", null, checkedIn.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        (await completed.JsonAsync()).GetProperty("status").GetString().ShouldBe("completed");
        completed.ETag().ShouldBe("\"4\"");

        var site = booking.GetProperty("siteId").GetGuid();
        var confirmed = await app.PublishedAsync<BookingConfirmed>("bookings.booking-confirmed", "bookingId", id);
        confirmed.ShouldBe(new BookingConfirmed(id, space, site, organisation, start, start.AddHours(2), 8, "neighbourhood-culture", 120, confirmed.At));
        var done = await app.PublishedAsync<BookingCompleted>("bookings.booking-completed", "bookingId", id);
        done.ShouldBe(new BookingCompleted(id, space, site, organisation, start, start.AddHours(2), 8, "neighbourhood-culture", 120, done.At));

        // Completed, the room is free again for the rest of that time.
        await BookAsync(admin, space, organisation, start.AddHours(1), start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_member_checks_in_their_own_organisations_booking_from_thirty_minutes_before_its_start()
    {
        var (space, organisation) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(organisation);
        using var stranger = await _world.MemberOfAsync(other);
        var soon = SoonStart();
        var later = FutureHour(3);
        var now = (await BodyAsync(await BookAsync(member, space, organisation, soon, soon.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)))
            .GetProperty("id").GetGuid();
        var tooEarly = (await BodyAsync(await BookAsync(member, space, organisation, later, later.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)))
            .GetProperty("id").GetGuid();

        // Before check-in opens: a 409 that says when it opens.
        var early = await (await member.SendAsync("POST", $"/api/bookings/{tooEarly}/check-in", null, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.Conflict)).JsonAsync();
        early.GetProperty("rule").GetString().ShouldBe("check-in-not-open");
        early.GetProperty("detail").GetString().ShouldBe($"Check-in opens 30 minutes before the start, at {later.AddMinutes(-30).UtcDateTime:yyyy-MM-dd'T'HH:mm'Z'}; it is too early.");
        // Another organisation's member does not see the booking at all.
        await stranger.SendAsync("POST", $"/api/bookings/{now}/check-in", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.NotFound);

        var checkedIn = await member.SendAsync("POST", $"/api/bookings/{now}/check-in", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        checkedIn.ETag().ShouldBe("\"3\"");
        var booking = await checkedIn.JsonAsync();
        booking.GetProperty("status").GetString().ShouldBe("checked-in");
        booking.GetProperty("checkedInAt").GetDateTimeOffset().ShouldBeInRange(soon.AddMinutes(-3), soon);
        // Completing stays with staff.
        await member.SendAsync("POST", $"/api/bookings/{now}/complete", null, "\"3\"").ShouldHaveStatus(HttpStatusCode.Forbidden);
        await admin.SendAsync("POST", $"/api/bookings/{now}/complete", null, "\"3\"").ShouldHaveStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_request_needing_approval_holds_its_slot_until_staff_decide()
    {
        var (space, organisation) = await _world.RoomAsync(rules: new { approvalRequired = true });
        using var admin = app.AdminClient();
        var start = FutureHour(1);

        var first = await (await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        first.GetProperty("status").GetString().ShouldBe("pending-approval");
        first.GetProperty("approvalDueBy").GetDateTimeOffset().ShouldBe(start.AddHours(-24));
        var firstId = first.GetProperty("id").GetGuid();
        (await (await BookAsync(admin, space, organisation, start.AddHours(1), start.AddHours(3))).RuleAsync()).ShouldBe("slot-taken");

        var rejected = await admin.SendAsync("POST", $"/api/bookings/{firstId}/reject", new { reason = "Raum wird gestrichen" }, "\"1\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        (await rejected.JsonAsync()).GetProperty("reason").GetString().ShouldBe("Raum wird gestrichen");
        // A rejected request never held its space for others to know of: only the rejection itself is published (for mail).
        (await app.OutboxAsync("bookingId", firstId)).Where(m => m.Type.StartsWith("bookings.booking-", StringComparison.Ordinal)).Select(m => m.Type)
            .ShouldBe(["bookings.booking-rejected"]);
        var rejection = (await app.AllPublishedAsync<BookingRejected>("bookings.booking-rejected", "bookingId", firstId)).Single();
        rejection.ShouldBe(rejection with { BookingId = firstId, SpaceId = space, OrganisationId = organisation, Start = start, End = start.AddHours(2), Reason = "Raum wird gestrichen" });

        var second = await (await BookAsync(admin, space, organisation, start.AddHours(1), start.AddHours(3)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var secondId = second.GetProperty("id").GetGuid();
        var approved = await admin.SendAsync("POST", $"/api/bookings/{secondId}/approve", null, "\"1\"").ShouldHaveStatus(HttpStatusCode.OK);
        (await approved.JsonAsync()).GetProperty("status").GetString().ShouldBe("confirmed");
        approved.ETag().ShouldBe("\"3\"");
        (await app.AllPublishedAsync<BookingConfirmed>("bookings.booking-confirmed", "bookingId", secondId)).Single().Approved.ShouldBeTrue();
        (await (await admin.SendAsync("POST", $"/api/bookings/{secondId}/approve", null, "\"3\"")).RuleAsync()).ShouldBe("not-awaiting-approval");
    }

    [Fact]
    public async Task A_cancellation_frees_the_slot_is_late_within_the_deadline_and_is_published()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = SoonStart().AddHours(3);
        var booking = await (await BookAsync(admin, space, organisation, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var id = booking.GetProperty("id").GetGuid();

        var cancelled = await (await admin.SendAsync("POST", $"/api/bookings/{id}/cancel", new { reason = "Referentin krank" }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        cancelled.GetProperty("status").GetString().ShouldBe("cancelled");
        cancelled.GetProperty("lateCancellation").GetBoolean().ShouldBeTrue();
        var published = await app.PublishedAsync<BookingCancelled>("bookings.booking-cancelled", "bookingId", id);
        published.ShouldBe(new BookingCancelled(id, space, booking.GetProperty("siteId").GetGuid(), organisation, start, start.AddHours(1), 8,
            "neighbourhood-culture", 60, "Referentin krank", true, published.At));

        await BookAsync(admin, space, organisation, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created);
        (await (await admin.SendAsync("POST", $"/api/bookings/{id}/cancel", new { reason = "nochmal" }, "\"3\"")).RuleAsync()).ShouldBe("not-cancellable");
    }

    [Fact]
    public async Task Updates_need_if_match_and_a_stale_one_is_refused()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = FutureHour(2);
        var id = (await (await BookAsync(admin, space, organisation, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
            .GetProperty("id").GetGuid();

        await admin.SendAsync("POST", $"/api/bookings/{id}/cancel", new { reason = "x" }).ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("PUT", $"/api/bookings/{id}/time", new { start = start.AddHours(1), end = start.AddHours(2) }, "\"1\"")
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        await admin.SendAsync("POST", $"/api/bookings/{Guid.NewGuid()}/approve", null, "\"1\"").ShouldHaveStatus(HttpStatusCode.NotFound);
        await admin.GetAsync($"/api/bookings/{Guid.NewGuid()}").ShouldHaveStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bad_times_and_fields_are_a_400_naming_them()
    {
        using var admin = app.AdminClient();
        var space = Guid.NewGuid();
        var organisation = Guid.NewGuid();
        var start = FutureHour(3);

        (await (await BookAsync(admin, space, organisation, start, start)).InvalidFieldsAsync()).ShouldBe(["end"]);
        (await (await BookAsync(admin, space, organisation, start, start.AddDays(32))).InvalidFieldsAsync()).ShouldBe(["end"]);
        (await (await BookAsync(admin, space, organisation, start.AddSeconds(30), start.AddHours(1))).InvalidFieldsAsync()).ShouldBe(["start"]);
        (await (await admin.SendAsync("POST", "/api/bookings", new { spaceId = space, organisationId = organisation, start, end = start.AddHours(1), attendees = 0, actionField = "parties" }))
            .InvalidFieldsAsync()).ShouldBe(["attendees", "purpose", "actionField"], ignoreOrder: true);
        (await (await BookAsync(admin, space, organisation, start, start.AddHours(1))).InvalidFieldsAsync()).ShouldBe(["spaceId"]);
        (await (await admin.GetAsync("/api/bookings?status=maybe")).InvalidFieldsAsync()).ShouldBe(["status"]);
        (await (await admin.GetAsync("/api/bookings?from=yesterday")).InvalidFieldsAsync()).ShouldBe(["from"]);
    }

    [Fact]
    public async Task The_rules_of_the_space_and_the_site_are_named_when_they_refuse()
    {
        var (space, organisation) = await _world.RoomAsync(capacity: 10, rules: new { minDurationMinutes = 60, organisationKinds = new[] { "association" } },
            hours: WeekdaysNineToFive);
        using var admin = app.AdminClient();
        // Tuesday 1 June 2027, 09:00 in Berlin is 07:00 UTC.
        var tuesdayNine = new DateTimeOffset(2027, 6, 1, 7, 0, 0, TimeSpan.Zero);

        (await (await BookAsync(admin, space, organisation, tuesdayNine.AddHours(-1), tuesdayNine.AddHours(1))).RuleAsync()).ShouldBe("outside-opening-hours");
        (await (await BookAsync(admin, space, organisation, tuesdayNine, tuesdayNine.AddMinutes(30))).RuleAsync()).ShouldBe("below-minimum-duration");
        (await (await BookAsync(admin, space, organisation, tuesdayNine, tuesdayNine.AddHours(1), attendees: 11)).RuleAsync()).ShouldBe("over-capacity");
        (await (await BookAsync(admin, space, organisation, SoonStart().AddDays(-1), SoonStart().AddHours(1))).RuleAsync()).ShouldBe("starts-in-the-past");
        var company = await _world.OrganisationAsync("company");
        await _world.KnownAsync(space, company);
        (await (await BookAsync(admin, space, company, tuesdayNine, tuesdayNine.AddHours(1))).RuleAsync()).ShouldBe("organisation-kind-not-allowed");
        await BookAsync(admin, space, organisation, tuesdayNine, tuesdayNine.AddHours(8)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Rescheduling_into_a_taken_slot_is_refused_and_leaves_the_booking_as_it_was()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = FutureHour(4);
        await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
        var mine = await (await BookAsync(admin, space, organisation, start.AddHours(3), start.AddHours(4)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var id = mine.GetProperty("id").GetGuid();

        (await (await admin.SendAsync("PUT", $"/api/bookings/{id}/time", new { start = start.AddHours(1), end = start.AddHours(3) }, "\"2\"")).RuleAsync())
            .ShouldBe("slot-taken");
        var unchanged = await admin.GetAsync($"/api/bookings/{id}").ShouldHaveStatus(HttpStatusCode.OK);
        unchanged.ETag().ShouldBe("\"2\"");
        (await unchanged.JsonAsync()).GetProperty("start").GetDateTimeOffset().ShouldBe(start.AddHours(3));

        var moved = await admin.SendAsync("PUT", $"/api/bookings/{id}/time", new { start = start.AddHours(2), end = start.AddHours(4) }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        moved.ETag().ShouldBe("\"3\"");
        var changed = await app.PublishedAsync<BookingChanged>("bookings.booking-changed", "bookingId", id);
        (changed.Start, changed.End, changed.PreviousStart, changed.PreviousEnd, changed.ChargeableMinutes)
            .ShouldBe((start.AddHours(2), start.AddHours(4), start.AddHours(3), start.AddHours(4), 120));
        // The slot it left is free, the one it took is not.
        await BookAsync(admin, space, organisation, start.AddHours(4), start.AddHours(5)).ShouldHaveStatus(HttpStatusCode.Created);
        (await (await BookAsync(admin, space, organisation, start.AddHours(2), start.AddHours(3))).RuleAsync()).ShouldBe("slot-taken");
    }

    [Fact]
    public async Task A_member_books_and_sees_only_for_their_own_organisations()
    {
        var (space, verein) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(verein);
        var start = FutureHour(5);

        var own = await (await BookAsync(member, space, verein, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        own.GetProperty("personId").ValueKind.ShouldNotBe(System.Text.Json.JsonValueKind.Null);
        await BookAsync(member, space, other, start.AddHours(1), start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Forbidden);
        var theirs = await (await BookAsync(admin, space, other, start.AddHours(1), start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var theirId = theirs.GetProperty("id").GetGuid();

        await member.GetAsync($"/api/bookings/{theirId}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.SendAsync("POST", $"/api/bookings/{theirId}/cancel", new { reason = "meins?" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.SendAsync("POST", $"/api/bookings/{own.GetProperty("id").GetGuid()}/approve", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.Forbidden);
        var list = await (await member.GetAsync($"/api/bookings?spaceId={space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        list.GetProperty("items").EnumerateArray().Select(b => b.GetProperty("organisationId").GetGuid()).ShouldBe([verein]);
        var all = await (await admin.GetAsync($"/api/bookings?spaceId={space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        all.GetProperty("total").GetInt64().ShouldBe(2);

        await member.SendAsync("POST", $"/api/bookings/{own.GetProperty("id").GetGuid()}/cancel", new { reason = "Verschoben" }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_list_filters_by_time_status_and_organisation()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = FutureHour(6);
        await BookAsync(admin, space, organisation, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created);
        await BookAsync(admin, space, organisation, start.AddHours(2), start.AddHours(3)).ShouldHaveStatus(HttpStatusCode.Created);

        string Q(DateTimeOffset t) => Uri.EscapeDataString(t.ToString("O"));
        var window = await (await admin.GetAsync($"/api/bookings?spaceId={space}&from={Q(start.AddMinutes(30))}&to={Q(start.AddHours(2))}")).JsonAsync();
        window.GetProperty("total").GetInt64().ShouldBe(1);
        var confirmed = await (await admin.GetAsync($"/api/bookings?organisationId={organisation}&status=confirmed&limit=1")).JsonAsync();
        (confirmed.GetProperty("total").GetInt64(), confirmed.GetProperty("items").GetArrayLength()).ShouldBe((2, 1));
        (await (await admin.GetAsync($"/api/bookings?organisationId={organisation}&offset=10")).JsonAsync()).GetProperty("total").GetInt64().ShouldBe(2);
    }

    [Theory]
    [InlineData("2027-10-30T23:00:00+02:00", "2027-10-31T04:00:00+01:00", 360)] // autumn: 02:00–03:00 happens twice
    [InlineData("2027-03-27T23:00:00+01:00", "2027-03-28T04:00:00+02:00", 240)] // spring: 02:00–03:00 never happens
    public async Task A_booking_across_a_DST_night_at_a_site_open_around_the_clock_lasts_what_really_passes(string from, string to, int minutes)
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = DateTimeOffset.Parse(from, System.Globalization.CultureInfo.InvariantCulture);
        var end = DateTimeOffset.Parse(to, System.Globalization.CultureInfo.InvariantCulture);

        var booking = await (await BookAsync(admin, space, organisation, start, end).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        booking.GetProperty("durationMinutes").GetInt32().ShouldBe(minutes);
        (await app.PublishedAsync<BookingConfirmed>("bookings.booking-confirmed", "bookingId", booking.GetProperty("id").GetGuid()))
            .ChargeableMinutes.ShouldBe(minutes);
        (await (await BookAsync(admin, space, organisation, end.AddHours(-1), end.AddHours(1))).RuleAsync()).ShouldBe("slot-taken");
    }

    [Fact]
    public async Task Rebuilding_the_slot_guard_and_the_list_from_the_log_gives_the_same_rows()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var start = FutureHour(7);
        var first = (await (await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
            .GetProperty("id").GetGuid();
        await admin.SendAsync("POST", $"/api/bookings/{first}/cancel", new { reason = "Doppelt" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);

        const string slots = "select string_agg(concat_ws('|', booking_id, during, holds, places), ',' order by booking_id) from bookings.slots";
        const string list = "select string_agg(concat_ws('|', booking_id, status, version, last_seq), ',' order by booking_id) from bookings.bookings";
        async Task<string> RowsAsync(string sql)
        {
            await using var command = app.DataSource.CreateCommand(sql);
            return (string)(await command.ExecuteScalarAsync())!;
        }
        var (slotsBefore, listBefore) = (await RowsAsync(slots), await RowsAsync(list));

        await admin.SendAsync("POST", "/api/admin/projections/bookings.slots/rebuild").ShouldHaveStatus(HttpStatusCode.Accepted);
        await admin.SendAsync("POST", "/api/admin/projections/bookings.bookings/rebuild").ShouldHaveStatus(HttpStatusCode.Accepted);

        (await RowsAsync(slots)).ShouldBe(slotsBefore);
        (await RowsAsync(list)).ShouldBe(listBefore);
        (await (await BookAsync(admin, space, organisation, start.AddHours(1), start.AddHours(3))).RuleAsync()).ShouldBe("slot-taken");
    }
}
