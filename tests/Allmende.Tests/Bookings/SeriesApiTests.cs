using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>Recurring series over HTTP on a real database: book-free and book-none, cancelling the rest, access, 400s.</summary>
[Collection(BookingsHost.Name)]
public sealed class SeriesApiTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    // Tuesdays in September 2027, 16:00–18:00 UTC (18:00–20:00 in Berlin).
    private static DateTimeOffset Tuesday(int week) => new DateTimeOffset(2027, 9, 7, 16, 0, 0, TimeSpan.Zero).AddDays(7 * week);

    private static object Series(Guid space, Guid organisation, string conflicts, object? repeat = null, int firstWeek = 0) => new
    {
        spaceId = space,
        organisationId = organisation,
        start = Tuesday(firstWeek),
        end = Tuesday(firstWeek).AddHours(2),
        attendees = 6,
        purpose = "Deutschkurs",
        actionField = "school-and-education",
        repeat = repeat ?? new { frequency = "weekly", count = 3 },
        conflicts,
    };

    private static List<(DateTimeOffset Start, Guid? BookingId, string? Status, string? Rule)> Occurrences(JsonElement body) =>
        [.. body.GetProperty("occurrences").EnumerateArray().Select(o => (o.GetProperty("start").GetDateTimeOffset(),
            o.TryGetProperty("bookingId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetGuid() : (Guid?)null,
            o.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null,
            o.TryGetProperty("rule", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null))];

    private async Task<long> SeriesEventsAsync(Guid space) =>
        await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from marten.mt_events where type = 'bookings.series.requested' and data ->> 'spaceId' = $1::text", space);

    [Fact]
    public async Task Book_free_books_the_free_occurrences_as_bookings_of_the_series_and_names_the_conflict()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        await BookAsync(admin, space, organisation, Tuesday(1).AddHours(1), Tuesday(1).AddHours(3)).ShouldHaveStatus(HttpStatusCode.Created);

        var created = await admin.SendAsync("POST", "/api/bookings/series", Series(space, organisation, "book-free")).ShouldHaveStatus(HttpStatusCode.Created);
        created.ETag().ShouldBe("\"1\"");
        var series = await created.JsonAsync();
        var id = series.GetProperty("id").GetGuid();
        created.Headers.Location!.ToString().ShouldBe($"/api/bookings/series/{id}");
        var occurrences = Occurrences(series);
        occurrences.Select(o => (o.Start, o.BookingId is not null, o.Status, o.Rule)).ShouldBe(
        [
            (Tuesday(0), true, "confirmed", null),
            (Tuesday(1), false, null, "slot-taken"),
            (Tuesday(2), true, "confirmed", null),
        ]);

        var first = await (await admin.GetAsync($"/api/bookings/{occurrences[0].BookingId}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (first.GetProperty("seriesId").GetGuid(), first.GetProperty("start").GetDateTimeOffset(), first.GetProperty("purpose").GetString())
            .ShouldBe((id, Tuesday(0), "Deutschkurs"));
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.bookings where series_id = $1", id)).ShouldBe(2);
        await app.PublishedAsync<Allmende.Bookings.Contracts.BookingConfirmed>("bookings.booking-confirmed", "bookingId", occurrences[2].BookingId!.Value);

        var read = await admin.GetAsync($"/api/bookings/series/{id}").ShouldHaveStatus(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"1\"");
        var body = await read.JsonAsync();
        Occurrences(body).ShouldBe(occurrences);
        (body.GetProperty("repeat").GetProperty("frequency").GetString(), body.GetProperty("repeat").GetProperty("count").GetInt32(),
            body.GetProperty("conflicts").GetString()).ShouldBe(("weekly", 3, "book-free"));
        await admin.GetAsync($"/api/bookings/series/{Guid.NewGuid()}").ShouldHaveStatus(HttpStatusCode.NotFound);

        // Cancelling one occurrence is the normal cancel; the series shows its status.
        await admin.SendAsync("POST", $"/api/bookings/{occurrences[2].BookingId}/cancel", new { reason = "Ferien" }, "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        Occurrences(await (await admin.GetAsync($"/api/bookings/series/{id}")).JsonAsync())[2].Status.ShouldBe("cancelled");
    }

    [Fact]
    public async Task Book_none_with_a_conflict_is_a_409_listing_every_occurrence_and_writes_nothing()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        await BookAsync(admin, space, organisation, Tuesday(6), Tuesday(6).AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created);

        var refused = await admin.SendAsync("POST", "/api/bookings/series",
            Series(space, organisation, "book-none", new { frequency = "fortnightly", until = "2027-11-02" }, firstWeek: 4));
        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var problem = await refused.JsonAsync();
        problem.GetProperty("rule").GetString().ShouldBe("series-conflicts");
        Occurrences(problem).ShouldBe(
        [
            (Tuesday(4), null, null, null),
            (Tuesday(6), null, null, "slot-taken"),
            (Tuesday(8).AddHours(1), null, null, null), // 18:00 in Berlin is 17:00 UTC after 31 October
        ]);

        var bookings = await (await admin.GetAsync($"/api/bookings?spaceId={space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        bookings.GetProperty("total").GetInt64().ShouldBe(1);
        (await SeriesEventsAsync(space)).ShouldBe(0);
        (await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from marten.mt_events where type = 'bookings.booking.requested' and data ->> 'spaceId' = $1::text", space)).ShouldBe(1);

        // Without the conflict the same request books all three.
        var free = await _world.SpaceAsync(await SiteOfAsync(admin, space));
        await _world.KnownAsync(free, organisation);
        var booked = await (await admin.SendAsync("POST", "/api/bookings/series",
            Series(free, organisation, "book-none", new { frequency = "fortnightly", until = "2027-11-02" }, firstWeek: 4))
            .ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        Occurrences(booked).Select(o => o.Status).ShouldBe(["confirmed", "confirmed", "confirmed"]);
    }

    private static async Task<Guid> SiteOfAsync(HttpClient admin, Guid space) =>
        (await (await admin.GetAsync($"/api/spaces/{space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("siteId").GetGuid();

    [Fact]
    public async Task Cancelling_the_rest_cancels_every_occurrence_from_then_on_in_one_go()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var created = await admin.SendAsync("POST", "/api/bookings/series", Series(space, organisation, "book-free", firstWeek: 10))
            .ShouldHaveStatus(HttpStatusCode.Created);
        var series = await created.JsonAsync();
        var id = series.GetProperty("id").GetGuid();
        var bookingIds = Occurrences(series).Select(o => o.BookingId!.Value).ToList();

        await admin.SendAsync("POST", $"/api/bookings/series/{id}/cancel", new { from = Tuesday(11), reason = "Kurs endet" })
            .ShouldHaveStatus(HttpStatusCode.PreconditionRequired);
        await admin.SendAsync("POST", $"/api/bookings/series/{id}/cancel", new { from = Tuesday(11), reason = "Kurs endet" }, "\"2\"")
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        (await (await admin.SendAsync("POST", $"/api/bookings/series/{id}/cancel", new { from = Tuesday(11) }, "\"1\"")).InvalidFieldsAsync())
            .ShouldBe(["reason"]);

        var cancelled = await admin.SendAsync("POST", $"/api/bookings/series/{id}/cancel", new { from = Tuesday(11), reason = "Kurs endet" }, "\"1\"")
            .ShouldHaveStatus(HttpStatusCode.OK);
        cancelled.ETag().ShouldBe("\"2\"");
        var body = await cancelled.JsonAsync();
        Occurrences(body).Select(o => o.Status).ShouldBe(["confirmed", "cancelled", "cancelled"]);
        var cancellation = body.GetProperty("cancellations").EnumerateArray().Single();
        cancellation.GetProperty("cancelledBookingIds").EnumerateArray().Select(b => b.GetGuid()).ShouldBe(bookingIds[1..]);
        cancellation.GetProperty("reason").GetString().ShouldBe("Kurs endet");

        var published = await app.PublishedAsync<Allmende.Bookings.Contracts.BookingCancelled>("bookings.booking-cancelled", "bookingId", bookingIds[2]);
        (published.Reason, published.Late, published.Start).ShouldBe(("Kurs endet", false, Tuesday(12)));
        // The slots are free again.
        await BookAsync(admin, space, organisation, Tuesday(11), Tuesday(11).AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_member_books_series_only_for_their_own_organisations_and_sees_only_those()
    {
        var (space, verein) = await _world.RoomAsync();
        var other = await _world.OrganisationAsync();
        await _world.KnownAsync(space, other);
        using var admin = app.AdminClient();
        using var member = await _world.MemberOfAsync(verein);

        await member.SendAsync("POST", "/api/bookings/series", Series(space, other, "book-free", firstWeek: 20)).ShouldHaveStatus(HttpStatusCode.Forbidden);
        var theirs = (await (await admin.SendAsync("POST", "/api/bookings/series", Series(space, other, "book-free", firstWeek: 20))
            .ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();
        await member.GetAsync($"/api/bookings/series/{theirs}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await member.SendAsync("POST", $"/api/bookings/series/{theirs}/cancel", new { reason = "meins?" }, "\"1\"").ShouldHaveStatus(HttpStatusCode.NotFound);

        var own = await (await member.SendAsync("POST", "/api/bookings/series", Series(space, verein, "book-free", firstWeek: 24))
            .ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        own.GetProperty("personId").ValueKind.ShouldBe(JsonValueKind.String);
        await member.GetAsync($"/api/bookings/series/{own.GetProperty("id").GetGuid()}").ShouldHaveStatus(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bad_repetitions_are_a_400_naming_the_fields()
    {
        using var admin = app.AdminClient();
        var (space, organisation) = (Guid.NewGuid(), Guid.NewGuid());
        async Task<IReadOnlyList<string>> Fields(object body) => await (await admin.SendAsync("POST", "/api/bookings/series", body)).InvalidFieldsAsync();

        (await Fields(Series(space, organisation, "some"))).ShouldBe(["conflicts"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "daily", count = 3 }))).ShouldBe(["repeat.frequency"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "weekly" }))).ShouldBe(["repeat.until"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "weekly", count = 3, until = "2027-12-01" }))).ShouldBe(["repeat.count"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "weekly", count = 105 }))).ShouldBe(["repeat.count"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "monthly", count = 30 }))).ShouldBe(["repeat.count"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "weekly", until = "2029-12-01" }))).ShouldBe(["repeat.until"]);
        (await Fields(Series(space, organisation, "book-free", new { frequency = "weekly", until = "1.12.2027" }))).ShouldBe(["repeat.until"]);
        (await Fields(new { spaceId = space, organisationId = organisation, start = Tuesday(0), end = Tuesday(0), attendees = 1, purpose = "x",
            actionField = "living-together", conflicts = "book-free" })).ShouldBe(["end", "repeat"], ignoreOrder: true);
    }
}
