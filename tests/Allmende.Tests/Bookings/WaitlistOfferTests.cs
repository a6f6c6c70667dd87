using System.Net;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Bookings;

/// <summary>A host whose waitlist offers freed slots, for ten seconds: long enough to accept under load, short enough to see one expire.</summary>
public sealed class WaitlistOfferApp : AllmendeApp
{
    // An unanswered offer expires by a scheduled message.
    protected override bool WaitsOnScheduledMessages => true;

    public WaitlistOfferApp()
    {
        With("Bookings:Waitlist", "offer");
        With("Bookings:WaitlistOfferValidFor", "00:00:10");
    }
}

/// <summary>The waitlist in mode "offer": the first waiting entry that fits is offered; accepting books it; an unanswered offer passes on.</summary>
public sealed class WaitlistOfferTests(WaitlistOfferApp app) : IClassFixture<WaitlistOfferApp>
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset Utc(int day, int hour) => new(2027, 12, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_freed_slot_is_offered_to_the_first_and_accepting_books_it()
    {
        var (space, holder, first, second) = await WaitlistHttp.RoomAndTwoWaitingAsync(_world);
        using var admin = app.AdminClient();
        var taken = await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(2, 9), Utc(2, 12));
        var firstEntry = await WaitlistHttp.JoinedAsync(admin, space, first, Utc(2, 9), Utc(2, 12));
        var secondEntry = await WaitlistHttp.JoinedAsync(admin, space, second, Utc(2, 10), Utc(2, 11));

        await WaitlistHttp.CancelAsync(admin, taken);

        var offered = await WaitlistHttp.EntryWhenAsync(admin, firstEntry, "offered");
        offered.GetProperty("offeredUntil").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
        var accepted = await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/accept", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        accepted.ETag().ShouldBe("\"3\"");
        var entry = await accepted.JsonAsync();
        entry.GetProperty("status").GetString().ShouldBe("booked");
        var booking = await (await admin.GetAsync($"/api/bookings/{entry.GetProperty("bookingId").GetGuid()}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (booking.GetProperty("organisationId").GetGuid(), booking.GetProperty("status").GetString()).ShouldBe((first, "confirmed"));
        (await WaitlistHttp.EntryAsync(admin, secondEntry)).GetProperty("status").GetString().ShouldBe("waiting");
    }

    [Fact]
    public async Task An_offer_nobody_accepts_expires_and_passes_to_the_next()
    {
        var (space, holder, first, second) = await WaitlistHttp.RoomAndTwoWaitingAsync(_world);
        using var admin = app.AdminClient();
        var taken = await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(4, 9), Utc(4, 12));
        var firstEntry = await WaitlistHttp.JoinedAsync(admin, space, first, Utc(4, 9), Utc(4, 11));
        var secondEntry = await WaitlistHttp.JoinedAsync(admin, space, second, Utc(4, 10), Utc(4, 12));

        await WaitlistHttp.CancelAsync(admin, taken);
        await WaitlistHttp.EntryWhenAsync(admin, firstEntry, "offered");
        // One slot, one offer at a time: the second overlaps the first's offer.
        (await WaitlistHttp.EntryAsync(admin, secondEntry)).GetProperty("status").GetString().ShouldBe("waiting");

        await WaitlistHttp.EntryWhenAsync(admin, firstEntry, "offer-expired");
        await WaitlistHttp.EntryWhenAsync(admin, secondEntry, "offered");
        (await (await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/accept", null, "\"3\"")).RuleAsync()).ShouldBe("not-offered");
    }
}

/// <summary>A host whose offers stand for ten minutes: the race below ends long before one could expire.</summary>
public sealed class WaitlistHoldApp : AllmendeApp
{
    public WaitlistHoldApp()
    {
        With("Bookings:Waitlist", "offer");
        With("Bookings:WaitlistOfferValidFor", "00:10:00");
    }
}

/// <summary>An open offer holds its slot in the slot guard: nobody else books it, however many try at once; accepting books it.</summary>
public sealed class WaitlistHoldTests(WaitlistHoldApp app) : IClassFixture<WaitlistHoldApp>
{
    private readonly BookingsWorld _world = new(app);

    private static DateTimeOffset Utc(int day, int hour) => new(2027, 12, day, hour, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task While_an_offer_stands_parallel_requests_for_its_slot_all_get_409_and_accepting_books_it()
    {
        var (space, holder, first, second) = await WaitlistHttp.RoomAndTwoWaitingAsync(_world);
        using var admin = app.AdminClient();
        var taken = await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(6, 9), Utc(6, 12));
        var entry = await WaitlistHttp.JoinedAsync(admin, space, first, Utc(6, 9), Utc(6, 12));
        await WaitlistHttp.CancelAsync(admin, taken);
        await WaitlistHttp.EntryWhenAsync(admin, entry, "offered");

        // The freed slot is free for the availability search no more: the offer holds it.
        var answers = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => BookingsWorld.BookAsync(admin, space, i % 2 == 0 ? holder : second,
            Utc(6, 9 + (i % 3)), Utc(6, 10 + (i % 3)))));

        answers.Select(a => a.StatusCode).Distinct().ShouldBe([HttpStatusCode.Conflict]);
        foreach (var answer in answers)
            (await answer.RuleAsync()).ShouldBe("slot-taken");
        await using (var command = app.DataSource.CreateCommand("select count(*) from bookings.slots where space_id = $1 and holds"))
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = space });
            ((long)(await command.ExecuteScalarAsync())!).ShouldBe(1, "only the offer holds the slot");
        }

        var accepted = await (await admin.SendAsync("POST", $"/api/bookings/waitlist/{entry}/accept", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        var booking = await (await admin.GetAsync($"/api/bookings/{accepted.GetProperty("bookingId").GetGuid()}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (booking.GetProperty("organisationId").GetGuid(), booking.GetProperty("status").GetString()).ShouldBe((first, "confirmed"));
        (await BookingsWorld.BookAsync(admin, space, second, Utc(6, 10), Utc(6, 11))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Withdrawing_an_offered_entry_releases_its_slot_and_the_next_gets_the_offer()
    {
        var (space, holder, first, second) = await WaitlistHttp.RoomAndTwoWaitingAsync(_world);
        using var admin = app.AdminClient();
        var taken = await WaitlistHttp.BookedIdAsync(admin, space, holder, Utc(8, 9), Utc(8, 12));
        var firstEntry = await WaitlistHttp.JoinedAsync(admin, space, first, Utc(8, 9), Utc(8, 12));
        var secondEntry = await WaitlistHttp.JoinedAsync(admin, space, second, Utc(8, 10), Utc(8, 11));
        await WaitlistHttp.CancelAsync(admin, taken);
        await WaitlistHttp.EntryWhenAsync(admin, firstEntry, "offered");
        (await BookingsWorld.BookAsync(admin, space, holder, Utc(8, 9), Utc(8, 10))).StatusCode.ShouldBe(HttpStatusCode.Conflict);

        await admin.SendAsync("POST", $"/api/bookings/waitlist/{firstEntry}/withdraw", null, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);

        await WaitlistHttp.EntryWhenAsync(admin, secondEntry, "offered");
        // 09:00-10:00 is held by nobody now; 10:00-11:00 by the second's offer.
        await BookingsWorld.BookAsync(admin, space, holder, Utc(8, 9), Utc(8, 10)).ShouldHaveStatus(HttpStatusCode.Created);
        (await BookingsWorld.BookAsync(admin, space, holder, Utc(8, 10), Utc(8, 11))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}
