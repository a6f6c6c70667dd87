using System.Net;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Bookings;

/// <summary>A host whose waitlist offers freed slots, for ten seconds: long enough to accept under load, short enough to see one expire.</summary>
public sealed class WaitlistOfferApp : AllmendeApp
{
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
