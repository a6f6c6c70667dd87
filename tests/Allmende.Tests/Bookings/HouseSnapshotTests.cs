using System.Net;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>
/// A booking request reads the space, its site (hours, lease, the closures in its range) and the
/// organisation from Bookings' copies in one statement; each part still decides its own rule.
/// </summary>
[Collection(BookingsHost.Name)]
public sealed class HouseSnapshotTests(AllmendeApp app)
{
    private readonly BookingsWorld _world = new(app);

    [Fact]
    public async Task A_closure_in_the_range_and_the_end_of_the_lease_refuse_a_booking_and_a_closure_elsewhere_does_not()
    {
        var (space, organisation) = await _world.RoomAsync();
        using var admin = app.AdminClient();
        var site = (await (await admin.SendAsync("GET", $"/api/spaces/{space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync()).GetProperty("siteId").GetGuid();
        var closed = FutureHour(70);
        await admin.SendAsync("POST", $"/api/sites/{site}/closures", new { from = closed, to = closed.AddHours(2), reason = "Wasserschaden" },
            (await admin.GetAsync($"/api/sites/{site}")).ETag()).ShouldHaveStatus(HttpStatusCode.Created);
        await admin.SendAsync("PUT", $"/api/sites/{site}/lease", new { from = "2027-01-01", until = "2027-12-31" },
            (await admin.GetAsync($"/api/sites/{site}")).ETag()).ShouldHaveStatus(HttpStatusCode.OK);

        // Bookings' copies come through the outbox: wait for them rather than for a refusal (a booking
        // made before they arrive would take the slot).
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString, """
            select (select count(*) from bookings.site_closures where site_id = $1 and not removed)
                 + (select count(*) from bookings.sites where site_id = $1 and lease_ends_at is not null)
            """, site) == 2, "Bookings hears of the closure and the lease");

        (await (await BookAsync(admin, space, organisation, closed.AddHours(1), closed.AddHours(3))).RuleAsync()).ShouldBe("site-closed");
        (await (await BookAsync(admin, space, organisation, FutureHour(251), FutureHour(251).AddHours(1))).RuleAsync()).ShouldBe("outside-lease");
        await BookAsync(admin, space, organisation, closed.AddHours(2), closed.AddHours(3)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_unknown_space_is_bad_input_and_an_unknown_organisation_is_not_active()
    {
        var (space, _) = await _world.RoomAsync();
        using var admin = app.AdminClient();

        var unknownSpace = await BookAsync(admin, Guid.NewGuid(), Guid.NewGuid(), FutureHour(80), FutureHour(80).AddHours(1));
        (await unknownSpace.InvalidFieldsAsync()).ShouldBe(["spaceId"]);
        (await (await BookAsync(admin, space, Guid.NewGuid(), FutureHour(80), FutureHour(80).AddHours(1))).RuleAsync()).ShouldBe("organisation-not-active");
    }
}
