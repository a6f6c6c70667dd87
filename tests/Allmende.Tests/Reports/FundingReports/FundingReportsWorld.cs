using System.Globalization;
using System.Net;
using System.Text.Json;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Reports.FundingReports;

/// <summary>Funders, grants, rooms with rates and bookings made through the API, with the waits until Funding has allocated them.</summary>
internal sealed class FundingReportsWorld(AllmendeApp app)
{
    public BookingsWorld Bookings { get; } = new(app);

    public static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

    public static string Instant(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));

    public static async Task<Guid> IdOf(HttpResponseMessage created) => (await created.JsonAsync()).GetProperty("id").GetGuid();

    public static async Task<Guid> FunderAsync(HttpClient admin, string name = "Stiftung Nachbarschaft") =>
        await IdOf(await admin.SendAsync("POST", "/api/funding/funders", new
        {
            name, kind = "foundation", contact = new { office = "Förderbereich", email = "foerderung@stiftung.example" }, reportingPeriod = "quarterly",
        }).ShouldHaveStatus(HttpStatusCode.Created));

    public static async Task<Guid> GrantAsync(HttpClient admin, Guid funder, string name, long budget, object coverage, int share = 10_000,
        string startsOn = "2027-01-01") =>
        await IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name, reference = $"REF-{Guid.NewGuid():N}"[..12], budgetCents = budget,
            startsOn, endsOn = "2031-12-31", coverage, shareBasisPoints = share, priority = 1,
        }).ShouldHaveStatus(HttpStatusCode.Created));

    /// <summary>Raises the grant's budget through the API (at its current version).</summary>
    public static async Task IncreaseBudgetAsync(HttpClient admin, Guid grant, long amount) =>
        await admin.SendAsync("POST", $"/api/funding/grants/{grant}/budget-increases", new { amountCents = amount, reason = "Aufstockung" },
            SpacesHttp.ETag(await admin.GetAsync($"/api/funding/grants/{grant}").ShouldHaveStatus(HttpStatusCode.OK))).ShouldHaveStatus(HttpStatusCode.OK);

    /// <summary>Cancels the booking through the API (at its current version); returns whether Bookings called it late.</summary>
    public static async Task<bool> CancelAsync(HttpClient admin, Guid booking) =>
        (await (await admin.SendAsync("POST", $"/api/bookings/{booking}/cancel", new { reason = "fällt aus" },
            SpacesHttp.ETag(await admin.GetAsync($"/api/bookings/{booking}").ShouldHaveStatus(HttpStatusCode.OK))).ShouldHaveStatus(HttpStatusCode.OK))
            .JsonAsync()).GetProperty("lateCancellation").GetBoolean();

    /// <summary>Moves the booking through the API (at its current version).</summary>
    public static async Task RescheduleAsync(HttpClient admin, Guid booking, string start, string end) =>
        await admin.SendAsync("PUT", $"/api/bookings/{booking}/time", new { start = At(start), end = At(end) },
            SpacesHttp.ETag(await admin.GetAsync($"/api/bookings/{booking}").ShouldHaveStatus(HttpStatusCode.OK))).ShouldHaveStatus(HttpStatusCode.OK);

    /// <summary>
    /// Rebuilds the funding.report projection: inline, so the admin endpoint replays the log into it
    /// before it answers (ProjectionAdmin.RebuildAsync), and the next report reads the rebuilt tables.
    /// </summary>
    public static async Task RebuildReportsAsync(HttpClient admin) =>
        (await admin.PostAsync("/api/admin/projections/funding.report/rebuild", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

    /// <summary>A room with an hourly rate at the site, known to Bookings and Funding with the organisation.</summary>
    public async Task<Guid> RoomAsync(Guid site, long hourlyRateCents, Guid organisation)
    {
        using var admin = app.AdminClient();
        var space = await IdOf(await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId = site, name = $"Raum {Guid.NewGuid():N}"[..16], kind = "room", capacity = 30,
            rates = new { hourlyRateCents, monthlyDeskFeeCents = 0 },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        await Bookings.KnownAsync(space, organisation);
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString, """
            select (select count(*) from funding.spaces where space_id = $1) + (select count(*) from funding.organisations where organisation_id = $2)
                 + (select count(*) from funding.sites where site_id = $3)
            """, space, organisation, site) == 3, "Funding knows the space, its site (by name, for reports) and the organisation");
        return space;
    }

    /// <summary>
    /// A new site with two rooms (25 and 40 EUR an hour), an organisation for each, a funder, and the coverage
    /// of its grants: room hours at this site only (grants of one test class share a database, and must not
    /// take shares of another test's bookings).
    /// </summary>
    public async Task<TwoRooms> TwoRoomsAsync(HttpClient admin)
    {
        var site = await Bookings.SiteAsync();
        var first = await Bookings.OrganisationAsync();
        var second = await Bookings.OrganisationAsync();
        var roomA = await RoomAsync(site, 2_500, first);
        var roomB = await RoomAsync(site, 4_000, second);
        return new TwoRooms(site, first, second, roomA, roomB, await FunderAsync(admin),
            new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } });
    }

    /// <summary>Books through the API and waits until Funding has allocated the booking's cost.</summary>
    public async Task<Guid> BookedAsync(HttpClient admin, Guid space, Guid organisation, string start, string end, int attendees, string actionField)
    {
        var booking = await IdOf(await admin.SendAsync("POST", "/api/bookings",
            BookingsWorld.Booking(space, organisation, At(start), At(end), attendees, actionField)).ShouldHaveStatus(HttpStatusCode.Created));
        await AllocatedAsync(admin, booking, reversed: false);
        return booking;
    }

    /// <summary>Waits until the booking's allocations are in force (or, reversed: all reversed).</summary>
    public static Task AllocatedAsync(HttpClient admin, Guid booking, bool reversed) =>
        Eventually.ReachedAsync(async () =>
        {
            var items = (await (await admin.GetAsync($"/api/funding/allocations?sourceId={booking}&includeReversed=true")).JsonAsync())
                .GetProperty("items").EnumerateArray().ToList();
            return items.Count > 0 && items.All(a => (a.GetProperty("status").GetString() == "reversed") == reversed);
        }, reversed ? "the booking's allocations are reversed" : "the booking is allocated");

    /// <summary>Waits until the projection daemon has settled everything written so far (ADR 14), so "now" is a knowable instant.</summary>
    public async Task SettledAsync()
    {
        var head = await TestPostgres.ScalarAsync(app.ConnectionString, "select max(seq_id) from marten.mt_events");
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select coalesce(max(position), 0) from eventing.knowledge_horizon") >= head, "the knowledge horizon passes what was written");
    }

    public static async Task<JsonElement> JsonAsync(HttpClient client, string url) =>
        await (await client.GetAsync(url).ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();

    public static async Task<string> BodyAsync(HttpClient client, string url) =>
        await (await client.GetAsync(url).ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
}

/// <summary>What <see cref="FundingReportsWorld.TwoRoomsAsync"/> made.</summary>
internal sealed record TwoRooms(Guid Site, Guid First, Guid Second, Guid RoomA, Guid RoomB, Guid Funder, object Coverage);
