using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Bookings.Programme;
using Allmende.Funding.Reports;
using Allmende.Tests.Bookings;
using Allmende.Tests.Funding;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Programme;

/// <summary>
/// Who came to an open offer (issue 17, item 2): staff count it after the date, and the grant that paid the
/// room reports them as people reached in the booking's action field. The host's clock is moved to the
/// evening and past it, as the real one would be.
/// </summary>
public sealed class PeopleReachedTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("reached");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_database);

    /// <summary>The real clock moved by an offset the test sets.</summary>
    private sealed class MovedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
    }

    private sealed class ProgrammeHost(string database, MovedClock clock) : AllmendeApp(database, runBackgroundWork: true)
    {
        protected override bool WaitsOnScheduledMessages => true;

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(clock));
        }
    }

    [Fact]
    public async Task Attendance_counted_after_an_open_evening_is_people_reached_in_its_action_field_on_the_grant_that_paid_the_room()
    {
        var clock = new MovedClock();
        await using var app = new ProgrammeHost(_database, clock);
        await app.StartAsync();
        var rooms = new GrantedRooms(app);
        var (space, site, organisation) = await rooms.RoomWithRateAsync(1_000);
        var funder = await rooms.FunderAsync("Quartiersfonds");
        var grant = await rooms.GrantAsync(funder, site);
        using var admin = app.AdminClient();
        var start = new DateTimeOffset(2027, 6, 8, 18, 0, 0, TimeSpan.FromHours(2));
        var booking = await GrantedRooms.IdOf(await BookingsWorld.BookAsync(admin, space, organisation, start, start.AddHours(2), attendees: 18)
            .ShouldHaveStatus(HttpStatusCode.Created));
        await rooms.AllocatedAsync(booking);
        var offer = (await (await admin.SendAsync("POST", "/api/programme/offers", new
        {
            organisationId = organisation, bookingId = booking, kind = "open-evening", title = "Offener Abend", capacity = 40, registration = false,
        }).ShouldHaveStatus(HttpStatusCode.Created)).Content.ReadFromJsonAsync<OfferResponse>(Web))!;
        var attendance = $"/api/programme/offers/{offer.Id}/dates/{booking}/attendance";

        (await (await admin.SendAsync("PUT", attendance, new { attendees = 23 })).RuleAsync()).ShouldBe("occurrence-not-over");
        (await (await admin.SendAsync("PUT", attendance, new { attendees = -1 })).InvalidFieldsAsync()).ShouldBe(["attendees"]);

        // The evening: the team checks in and completes it; afterwards staff count who came.
        clock.Offset = start.AddMinutes(10) - DateTimeOffset.UtcNow;
        var etag = (await admin.GetAsync($"/api/bookings/{booking}")).ETag();
        var checkedIn = await admin.SendAsync("POST", $"/api/bookings/{booking}/check-in", null, etag).ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("POST", $"/api/bookings/{booking}/complete", null, checkedIn.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        clock.Offset = start.AddHours(3) - DateTimeOffset.UtcNow;
        var counted = (await (await admin.SendAsync("PUT", attendance, new { attendees = 23 }).ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<OfferResponse>(Web))!;
        counted.Dates.ShouldBe([new OfferDate(booking, start, start.AddHours(2), "completed", 0, 23)]);

        async Task<FunderReport> ReportAsync() =>
            (await (await admin.GetAsync($"/api/funding/reports/grants/{grant}?period=month&from=2027-06-01").ShouldHaveStatus(HttpStatusCode.OK)).Content
                .ReadFromJsonAsync<FunderReport>(Web))!;
        await Eventually.ReachedAsync(async () => (await ReportAsync()).PeopleReached == 23, "Funding counts the people reached");
        var report = await ReportAsync();
        report.ByActionField.Single().ShouldBe(new ActionFieldFigures("neighbourhood-culture", ActionFieldLabels.GermanOf("neighbourhood-culture"), 1, 120, 2m,
            2_000, 23));
        (report.AttendeesReached, report.PeopleReached).ShouldBe((18L, 23L));

        // A recount replaces the first; the CSV carries it per action field.
        await admin.SendAsync("PUT", attendance, new { attendees = 25 }).ShouldHaveStatus(HttpStatusCode.OK);
        await Eventually.ReachedAsync(async () => (await ReportAsync()).PeopleReached == 25, "the recount replaces the count");
        var csv = await (await admin.GetAsync($"/api/funding/reports/grants/{grant}?period=month&from=2027-06-01&format=csv")).Content.ReadAsStringAsync();
        csv.ShouldContain("action-field,neighbourhood-culture,peopleReached,25\n");
    }
}
