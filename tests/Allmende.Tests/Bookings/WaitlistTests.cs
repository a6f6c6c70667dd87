using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Helpers shared by the waitlist tests of both modes.</summary>
internal static class WaitlistHttp
{
    /// <summary>A room, the organisation holding it, and two more organisations to wait for it, all known to Bookings.</summary>
    public static async Task<(Guid Space, Guid Holder, Guid First, Guid Second)> RoomAndTwoWaitingAsync(BookingsWorld world)
    {
        var (space, holder) = await world.RoomAsync();
        var first = await world.OrganisationAsync();
        var second = await world.OrganisationAsync();
        await world.KnownAsync(space, first);
        await world.KnownAsync(space, second);
        return (space, holder, first, second);
    }

    public static Task<HttpResponseMessage> JoinAsync(HttpClient client, Guid space, Guid organisation, DateTimeOffset start, DateTimeOffset end) =>
        client.SendAsync("POST", "/api/bookings/waitlist", Booking(space, organisation, start, end));

    public static async Task<Guid> JoinedAsync(HttpClient client, Guid space, Guid organisation, DateTimeOffset start, DateTimeOffset end)
    {
        var entry = await (await JoinAsync(client, space, organisation, start, end).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        entry.GetProperty("status").GetString().ShouldBe("waiting");
        return entry.GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> EntryAsync(HttpClient client, Guid id) =>
        await (await client.GetAsync($"/api/bookings/waitlist/{id}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

    public static async Task<JsonElement> EntryWhenAsync(HttpClient client, Guid id, string status)
    {
        await Eventually.ReachedAsync(async () => (await EntryAsync(client, id)).GetProperty("status").GetString() == status, $"the entry is {status}");
        return await EntryAsync(client, id);
    }

    public static async Task<Guid> BookedIdAsync(HttpClient client, Guid space, Guid organisation, DateTimeOffset start, DateTimeOffset end) =>
        (await (await BookAsync(client, space, organisation, start, end).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

    public static Task CancelAsync(HttpClient client, Guid booking) =>
        client.SendAsync("POST", $"/api/bookings/{booking}/cancel", new { reason = "Termin entfällt" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
}

/// <summary>The waitlist in mode "book" (the default) over HTTP: a freed slot is booked for the first waiting entry that fits.</summary>
[Collection(BookingsHost.Name)]
public sealed class WaitlistTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset Utc(int day, int hour) => new(2027, 11, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_cancellation_books_the_first_waiting_entry_and_the_second_keeps_waiting()
    {
        var (space, holder, first, second) = await WaitlistHttp.RoomAndTwoWaitingAsync(_world);
        using var admin = app.AdminClient();
        var taken = await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(3, 9), Utc(3, 12));

        (await (await WaitlistHttp.JoinAsync(admin, space, first, Utc(3, 12), Utc(3, 13))).RuleAsync()).ShouldBe("slot-free");
        // The other rules are checked as for a booking.
        (await (await WaitlistHttp.JoinAsync(admin, space, first, Utc(3, 10), Utc(3, 12).AddYears(-1))).InvalidFieldsAsync()).ShouldBe(["end"]);
        (await (await WaitlistHttp.JoinAsync(admin, space, first, DateTimeOffset.UtcNow.AddDays(-1).Date, DateTimeOffset.UtcNow.Date)).RuleAsync())
            .ShouldBe("starts-in-the-past");
        var firstEntry = await WaitlistHttp.JoinedAsync(admin, space, first, Utc(3, 10), Utc(3, 12));
        var secondEntry = await WaitlistHttp.JoinedAsync(admin, space, second, Utc(3, 9), Utc(3, 11));

        await WaitlistHttp.CancelAsync(admin, taken);

        var booked = await WaitlistHttp.EntryWhenAsync(admin, firstEntry, "booked");
        var bookingId = booked.GetProperty("bookingId").GetGuid();
        var booking = await (await admin.GetAsync($"/api/bookings/{bookingId}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (booking.GetProperty("organisationId").GetGuid(), booking.GetProperty("status").GetString(), booking.GetProperty("start").GetDateTimeOffset(),
            booking.GetProperty("end").GetDateTimeOffset()).ShouldBe((first, "confirmed", Utc(3, 10), Utc(3, 12)));
        // The second overlaps the first's new booking: it keeps waiting.
        (await WaitlistHttp.EntryAsync(admin, secondEntry)).GetProperty("status").GetString().ShouldBe("waiting");
        var list = await (await admin.GetAsync($"/api/bookings/waitlist?spaceId={space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        list.GetProperty("items").EnumerateArray().Select(e => (e.GetProperty("id").GetGuid(), e.GetProperty("status").GetString()))
            .ShouldBe([(firstEntry, "booked"), (secondEntry, "waiting")]);
    }

    [Fact]
    public async Task A_withdrawn_entry_is_skipped_and_the_next_one_is_booked()
    {
        var (space, holder, first, second) = await WaitlistHttp.RoomAndTwoWaitingAsync(_world);
        using var admin = app.AdminClient();
        var taken = await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(5, 9), Utc(5, 12));
        var firstEntry = await WaitlistHttp.JoinedAsync(admin, space, first, Utc(5, 9), Utc(5, 10));
        var secondEntry = await WaitlistHttp.JoinedAsync(admin, space, second, Utc(5, 9), Utc(5, 11));

        await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/withdraw").ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/withdraw", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.Conflict);
        var withdrawn = await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/withdraw", null, "\"1\"").ShouldHaveStatus(HttpStatusCode.OK);
        (await withdrawn.JsonAsync()).GetProperty("status").GetString().ShouldBe("withdrawn");
        (await (await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/withdraw", null, "\"2\"")).RuleAsync()).ShouldBe("not-withdrawable");

        await WaitlistHttp.CancelAsync(admin, taken);

        var booked = await WaitlistHttp.EntryWhenAsync(admin, secondEntry, "booked");
        booked.GetProperty("bookingId").ValueKind.ShouldBe(JsonValueKind.String);
        (await WaitlistHttp.EntryAsync(admin, firstEntry)).GetProperty("status").GetString().ShouldBe("withdrawn");
        (await (await admin.SendAsync("POST", $"/api/bookings/waitlist/{secondEntry}/accept", null, "\"2\"")).RuleAsync()).ShouldBe("not-offered");
    }

    [Fact]
    public async Task Members_join_read_and_withdraw_only_for_their_own_organisations()
    {
        var (space, holder) = await _world.RoomAsync();
        var own = await _world.OrganisationAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, own);
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(own);
        await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(7, 9), Utc(7, 12));

        var mine = await WaitlistHttp.JoinedAsync(member, space, own, Utc(7, 9), Utc(7, 10));
        (await WaitlistHttp.EntryAsync(member, mine)).GetProperty("personId").ValueKind.ShouldBe(JsonValueKind.String);
        await WaitlistHttp.JoinAsync(member, space, other, Utc(7, 10), Utc(7, 11)).ShouldHaveStatus(HttpStatusCode.Forbidden);
        var theirs = await WaitlistHttp.JoinedAsync(admin, space, other, Utc(7, 10), Utc(7, 11));

        await member.GetAsync($"/api/bookings/waitlist/{theirs}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.SendAsync("POST", $"/api/bookings/waitlist/{theirs}/withdraw", null, "\"1\"").ShouldHaveStatus(HttpStatusCode.NotFound);
        var list = await (await member.GetAsync($"/api/bookings/waitlist?spaceId={space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        list.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid()).ShouldBe([mine]);
        (await (await admin.GetAsync($"/api/bookings/waitlist?spaceId={space}&organisationId={other}")).JsonAsync()).GetProperty("total").GetInt64().ShouldBe(1);
        (await (await admin.GetAsync("/api/bookings/waitlist?status=maybe")).InvalidFieldsAsync()).ShouldBe(["status"]);
        await member.SendAsync("POST", $"/api/bookings/waitlist/{mine}/withdraw", null, "\"1\"").ShouldHaveStatus(HttpStatusCode.OK);
    }
}
