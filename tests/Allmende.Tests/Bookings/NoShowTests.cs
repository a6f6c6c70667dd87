using System.Net;
using Allmende.Bookings.Contracts;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static Allmende.Tests.Bookings.BookingsWorld;

namespace Allmende.Tests.Bookings;

/// <summary>
/// The no-show release is a durable scheduled message: it fires once, also when the host that
/// scheduled it stopped before it was due. The clock of both hosts is moved to just before a whole
/// minute, so that a booking can start at once.
/// </summary>
public sealed class NoShowTests : IAsyncLifetime
{
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("noshow");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_database);

    /// <summary>The real clock moved by an offset the test sets.</summary>
    private sealed class MovedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    private sealed class BookingsHost(string database, MovedClock clock) : AllmendeApp(database, runBackgroundWork: true)
    {
        protected override bool WaitsOnScheduledMessages => true;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Bookings:NoShowReleaseDelay", "00:00:03");
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
        }
    }

    [Fact]
    public async Task A_booking_nobody_checked_in_to_is_released_once_after_a_restart()
    {
        var clock = new MovedClock();
        var first = new BookingsHost(_database, clock);
        await first.StartAsync();
        var world = new BookingsWorld(first);
        var (space, organisation) = await world.RoomAsync();

        // Now is two seconds before a whole minute: the booking starts then, the release is due 3 s later.
        var real = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(real.Ticks - real.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        clock.Offset = start.AddSeconds(-2) - real;
        Guid id;
        using (var admin = first.AdminClient())
            id = (await (await BookAsync(admin, space, organisation, start, start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync())
                .GetProperty("id").GetGuid();
        await first.DisposeAsync();
        (await NoShowsAsync(id)).ShouldBe(0, "released before it was due");

        await using var second = new BookingsHost(_database, clock);
        await using var third = new BookingsHost(_database, clock);
        await Task.WhenAll(second.StartAsync(), third.StartAsync());
        await Eventually.ReachedAsync(async () => await NoShowsAsync(id) == 1, "the no-show release fires after the restart", timeoutSeconds: 20);
        await Eventually.ReachedAsync(async () =>
            await WolverineEnvelopes.HandledAsync(second.DataSource, "bookings.no-show-check-due", "bookingId", id) == 1, "the delivery is done");
        await Task.Delay(500);
        (await NoShowsAsync(id)).ShouldBe(1);

        using var client = second.AdminClient();
        var booking = await (await client.GetAsync($"/api/bookings/{id}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        booking.GetProperty("status").GetString().ShouldBe("no-show");
        var published = await second.AllPublishedAsync<BookingNoShow>("bookings.booking-no-show", "bookingId", id);
        published.Count.ShouldBe(1);
        (published[0].SpaceId, published[0].OrganisationId, published[0].Start, published[0].ChargeableMinutes).ShouldBe((space, organisation, start, 60));
        // Released: the room is free again for the rest of the hour.
        await BookAsync(client, space, organisation, start.AddMinutes(30), start.AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Staff_undo_a_no_show_with_a_reason_and_funding_settles_it_as_used()
    {
        var clock = new MovedClock();
        await using var host = new BookingsHost(_database, clock);
        await host.StartAsync();
        var world = new BookingsWorld(host);
        var (space, organisation) = await world.RoomAsync();
        using var member = await world.MemberOfAsync(organisation);

        var real = DateTimeOffset.UtcNow;
        var start = new DateTimeOffset(real.Ticks - real.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(1);
        clock.Offset = start.AddSeconds(-2) - real;
        using var admin = host.AdminClient();
        var booked = await (await BookAsync(admin, space, organisation, start, start.AddHours(2)).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var id = booked.GetProperty("id").GetGuid();
        await Eventually.ReachedAsync(async () => await NoShowsAsync(id) == 1, "the no-show release fires", timeoutSeconds: 20);
        await Eventually.ReachedAsync(async () => await OutcomeAsync(id) == "spent/no-show", "Funding settles the no-show, charged (ChargeNoShows)");

        // Members may not undo it; a missing reason is a 400 naming it.
        await member.SendAsync("POST", $"/api/bookings/{id}/undo-no-show", new { reason = "Wir waren da" }, "\"3\"")
            .ShouldHaveStatus(HttpStatusCode.Forbidden);
        (await (await admin.SendAsync("POST", $"/api/bookings/{id}/undo-no-show", new { reason = " " }, "\"3\"")).InvalidFieldsAsync())
            .ShouldBe(["reason"]);

        var undone = await admin.SendAsync("POST", $"/api/bookings/{id}/undo-no-show", new { reason = "Abendtreffen fand statt, niemand vom Team vor Ort" },
            "\"3\"").ShouldHaveStatus(HttpStatusCode.OK);
        undone.ETag().ShouldBe("\"4\"");
        var booking = await undone.JsonAsync();
        (booking.GetProperty("status").GetString(), booking.GetProperty("reason").GetString()).ShouldBe(("completed", "Abendtreffen fand statt, niemand vom Team vor Ort"));
        var published = await host.PublishedAsync<BookingNoShowUndone>("bookings.booking-no-show-undone", "bookingId", id);
        published.ShouldBe(new BookingNoShowUndone(id, space, booked.GetProperty("siteId").GetGuid(), organisation, start, start.AddHours(2), 8,
            "neighbourhood-culture", 120, "Abendtreffen fand statt, niemand vom Team vor Ort", published.At));
        // Funding (ChargeUndoneNoShows, default true) now counts it as used, its charge unchanged; the list shows it completed.
        await Eventually.ReachedAsync(async () => await OutcomeAsync(id) == "spent/completed", "Funding settles the undone no-show as completed");
        var listed = await (await admin.GetAsync($"/api/bookings?spaceId={space}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        listed.GetProperty("items")[0].GetProperty("status").GetString().ShouldBe("completed");

        (await (await admin.SendAsync("POST", $"/api/bookings/{id}/undo-no-show", new { reason = "nochmal" }, "\"4\"")).RuleAsync())
            .ShouldBe("not-a-no-show");
    }

    /// <summary>Funding's cost row of the booking as "status/outcome".</summary>
    private async Task<string?> OutcomeAsync(Guid id)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select status || '/' || outcome from funding.costs where source_id = $1", connection);
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        return await command.ExecuteScalarAsync() as string;
    }

    private Task<long> NoShowsAsync(Guid id) => TestPostgres.ScalarAsync(_database,
        "select count(*) from marten.mt_events where stream_id = $1 and type = 'bookings.booking.marked-no-show'", $"booking-{id:D}");
}
