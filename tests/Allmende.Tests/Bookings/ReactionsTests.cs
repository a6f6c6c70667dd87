using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Bookings react to other modules' contracts through the outbox: ended, suspended, forgotten, retired, closed.</summary>
[Collection(BookingsHost.Name)]
public sealed class ReactionsTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    private static async Task<Guid> IdOf(HttpResponseMessage created) => (await created.JsonAsync()).GetProperty("id").GetGuid();

    private async Task<Guid> BookedAsync(HttpClient admin, Guid space, Guid organisation, int day) =>
        await IdOf(await BookAsync(admin, space, organisation, FutureHour(day), FutureHour(day).AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created));

    private static async Task<JsonElement> BookingAsync(HttpClient client, Guid id) =>
        await (await client.GetAsync($"/api/bookings/{id}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

    private static async Task<JsonElement> WhenAsync(HttpClient client, Guid id, Func<JsonElement, bool> condition, string what)
    {
        await Eventually.ReachedAsync(async () => condition(await BookingAsync(client, id)), what);
        return await BookingAsync(client, id);
    }

    private static string[] Flags(JsonElement booking) => [.. booking.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!)];

    private static async Task PostWithETagAsync(HttpClient admin, string resource, string action, object body,
        HttpStatusCode expected = HttpStatusCode.OK) =>
        await admin.SendAsync("POST", $"{resource}/{action}", body,
            SpacesHttp.ETag(await admin.GetAsync(resource).ShouldHaveStatus(HttpStatusCode.OK))).ShouldHaveStatus(expected);

    [Fact]
    public async Task Ending_an_organisation_cancels_its_future_bookings_and_frees_their_slots()
    {
        var (space, ended) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        var mine = await BookedAsync(admin, space, ended, 40);
        var theirs = await BookedAsync(admin, space, other, 41);

        await PostWithETagAsync(admin, $"/api/organisations/{ended}", "end", new { reason = "dissolved" });

        var cancelled = await WhenAsync(admin, mine, b => b.GetProperty("status").GetString() == "cancelled", "the ended organisation's booking is cancelled");
        cancelled.GetProperty("reason").GetString().ShouldBe("organisation ended: dissolved");
        cancelled.GetProperty("lateCancellation").GetBoolean().ShouldBeFalse();
        (await BookingAsync(admin, theirs)).GetProperty("status").GetString().ShouldBe("confirmed");
        var published = await app.PublishedAsync<Allmende.Bookings.Contracts.BookingCancelled>("bookings.booking-cancelled", "bookingId", mine);
        (published.Reason, published.Late, published.OrganisationId).ShouldBe(("organisation ended: dissolved", false, ended));
        // The slot is free: another organisation books it.
        await BookAsync(admin, space, other, FutureHour(40), FutureHour(40).AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Suspending_an_organisation_holds_its_future_bookings_for_review_with_the_slot_still_taken()
    {
        var (space, suspended) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        var id = await BookedAsync(admin, space, suspended, 42);

        await PostWithETagAsync(admin, $"/api/organisations/{suspended}", "suspend", new { reason = "unpaid fees" });

        var held = await WhenAsync(admin, id, b => Flags(b).Length > 0, "the booking is held for review");
        held.GetProperty("status").GetString().ShouldBe("confirmed");
        Flags(held).ShouldBe(["organisation suspended: unpaid fees"]);
        (await (await BookAsync(admin, space, other, FutureHour(42), FutureHour(42).AddHours(2))).RuleAsync()).ShouldBe("slot-taken");
        var flagged = await (await admin.GetAsync($"/api/bookings?spaceId={space}&flagged=true").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        flagged.GetProperty("items").EnumerateArray().Select(b => (b.GetProperty("id").GetGuid(), Flags(b).Single()))
            .ShouldBe([(id, "organisation suspended: unpaid fees")]);
    }

    [Fact]
    public async Task Retiring_a_space_cancels_its_future_bookings_with_the_reason()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var id = await BookedAsync(admin, space, organisation, 43);

        await PostWithETagAsync(admin, $"/api/spaces/{space}", "retire", new { reason = "turned into a kitchen" });

        var cancelled = await WhenAsync(admin, id, b => b.GetProperty("status").GetString() == "cancelled", "the retired space's booking is cancelled");
        cancelled.GetProperty("reason").GetString().ShouldBe("space retired: turned into a kitchen");
    }

    [Fact]
    public async Task A_closure_added_over_a_booking_flags_it_and_leaves_it_confirmed()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var id = await BookedAsync(admin, space, organisation, 44);
        var untouched = await BookedAsync(admin, space, organisation, 46);
        var site = (await BookingAsync(admin, id)).GetProperty("siteId").GetGuid();

        await PostWithETagAsync(admin, $"/api/sites/{site}", "closures",
            new { from = FutureHour(44).AddHours(1), to = FutureHour(45), reason = "burst pipe" }, HttpStatusCode.Created);

        var flagged = await WhenAsync(admin, id, b => Flags(b).Length > 0, "the booking is flagged");
        (flagged.GetProperty("status").GetString(), Flags(flagged).Single()).ShouldBe(("confirmed", "site closed: burst pipe"));
        Flags(await BookingAsync(admin, untouched)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Forgetting_a_person_cancels_the_bookings_they_made()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Mira Vergessen", $"mira.{Guid.NewGuid():N}@example.org");
        var theirs = await IdOf(await admin.SendAsync("POST", "/api/bookings", new
        {
            spaceId = space, organisationId = organisation, personId = person.Id, start = FutureHour(47), end = FutureHour(47).AddHours(2),
            attendees = 4, purpose = "Sprachcafé", actionField = "living-together",
        }).ShouldHaveStatus(HttpStatusCode.Created));
        var someoneElses = await BookedAsync(admin, space, organisation, 48);

        await admin.SendAsync("POST", $"/api/people/{person.Id}/forget", null, etag).ShouldHaveStatus(HttpStatusCode.OK);

        var cancelled = await WhenAsync(admin, theirs, b => b.GetProperty("status").GetString() == "cancelled", "the forgotten person's booking is cancelled");
        cancelled.GetProperty("reason").GetString().ShouldBe("person forgotten");
        (await BookingAsync(admin, someoneElses)).GetProperty("status").GetString().ShouldBe("confirmed");
    }
}
