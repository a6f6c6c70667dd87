using System.Net;
using System.Text.Json;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Funding;

/// <summary>Funders, grants and rooms with a rate, made through the API, for tests that need a booking a grant pays part of.</summary>
internal sealed class GrantedRooms(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    public static async Task<Guid> IdOf(HttpResponseMessage created) => (await created.JsonAsync()).GetProperty("id").GetGuid();

    public async Task<Guid> FunderAsync(string name)
    {
        using var admin = app.AdminClient();
        return await IdOf(await admin.SendAsync("POST", "/api/funding/funders", new { name, kind = "foundation", contact = new { office = "Programm" } })
            .ShouldHaveStatus(HttpStatusCode.Created));
    }

    /// <summary>A grant paying room hours at one site: the whole, or a share (basis points) at a priority (1 pays first).</summary>
    public async Task<Guid> GrantAsync(Guid funderId, Guid siteId, int shareBasisPoints = 10_000, int priority = 1)
    {
        using var admin = app.AdminClient();
        return await IdOf(await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId, name = "Raumkosten Engagement", reference = $"REF-{Guid.NewGuid():N}"[..12], budgetCents = 1_000_000,
            startsOn = "2027-01-01", endsOn = "2031-12-31", coverage = new { siteIds = new[] { siteId }, costTypes = new[] { "room-hours" } },
            shareBasisPoints, priority,
        }).ShouldHaveStatus(HttpStatusCode.Created));
    }

    /// <summary>A room with an hourly rate at a new site and an active organisation, both known to Bookings and Funding.</summary>
    public async Task<(Guid Space, Guid Site, Guid Organisation)> RoomWithRateAsync(long hourlyRateCents)
    {
        var site = await _world.SiteAsync();
        using var admin = app.AdminClient();
        var space = await IdOf(await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId = site, name = $"Seminarraum {Guid.NewGuid():N}"[..20], kind = "room", capacity = 20,
            rates = new { hourlyRateCents, monthlyDeskFeeCents = 0 },
        }).ShouldHaveStatus(HttpStatusCode.Created));
        var organisation = await _world.OrganisationAsync();
        await _world.KnownAsync(space, organisation);
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString, """
            select (select count(*) from funding.spaces where space_id = $1) + (select count(*) from funding.organisations where organisation_id = $2)
            """, space, organisation) == 2, "Funding knows the space and the organisation");
        return (space, site, organisation);
    }

    /// <summary>Waits until Funding has allocated (or, with <paramref name="reversed"/>, reversed) the booking's cost.</summary>
    public Task AllocatedAsync(Guid bookingId, bool reversed = false) =>
        Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            $"select count(*) from funding.allocations where source_id = $1 and reversed_at is {(reversed ? "not null" : "null")}", bookingId) > 0,
            reversed ? "the booking's allocations are reversed" : "the booking is allocated");

    public static JsonElement[] Lines(string file) =>
        [.. File.ReadAllLines(file).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
}
