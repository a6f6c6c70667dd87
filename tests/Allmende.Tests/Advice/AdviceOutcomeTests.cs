using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Bookings.Advice;
using Allmende.Funding.Reports;
using Allmende.Tests.Funding;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Allmende.Tests.Advice;

/// <summary>
/// The kiosk pilot's question (issue 17, item 1; ADR 19) through the host, with mail to a real SMTP server and the
/// host's clock moved to the day before and into the appointments: confirmations, the reminder and cancellations
/// reach the client (and the advisor, when the client cancels); the advisor records what came of it; the city
/// fund's grant that paid the room reports people advised, appointments held and outcomes, and no name.
/// </summary>
public sealed class AdviceOutcomeTests : IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("advice");

    public Task DisposeAsync() => TestPostgres.DropDatabaseAsync(_database);

    /// <summary>The real clock moved by an offset the test sets.</summary>
    private sealed class MovedClock : TimeProvider
    {
        public TimeSpan Offset { get; set; }

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

        public void MoveTo(DateTimeOffset instant) => Offset = instant - System.GetUtcNow();
    }

    private sealed class AdviceHost : AllmendeApp
    {
        protected override bool WaitsOnScheduledMessages => true;

        private readonly MovedClock _clock;

        public AdviceHost(string database, MovedClock clock, TestMailServer mail) : base(database, runBackgroundWork: true)
        {
            _clock = clock;
            With("Mail:Host", "127.0.0.1");
            With("Mail:Port", mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
            With("Mail:Security", "None");
            With("Mail:From", "Kiezkiosk <post@kiezkiosk.example>");
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(_clock));
        }
    }

    /// <summary>The Tuesday 1 June 2027 plus <paramref name="weeks"/> weeks, hh:mm Berlin summer time.</summary>
    private static DateTimeOffset Tuesday(int weeks, int hour, int minute = 0) => new DateTimeOffset(2027, 6, 1, hour, minute, 0, TimeSpan.FromHours(2)).AddDays(7 * weeks);

    private static string Text(MimeMessage m) => ((TextPart)m.Body!).Text!;

    [Fact]
    public async Task The_city_fund_learns_how_many_people_were_advised_how_often_and_what_came_of_it_and_each_client_hears_of_their_appointment()
    {
        using var mail = new TestMailServer();
        var clock = new MovedClock();
        await using var app = new AdviceHost(_database, clock, mail);
        await app.StartAsync();
        var rooms = new GrantedRooms(app);
        var (space, site, cooperative) = await rooms.RoomWithRateAsync(1_000);
        var grant = await rooms.GrantAsync(await rooms.FunderAsync("Innovationsfonds der Stadt"), site);
        using var admin = app.AdminClient();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (advisor, _) = await PeopleApiTests.RegisterAsync(admin, "Ayşe Demir", $"ayse.{tag}@kooperative.example");
        var (member, _) = await PeopleApiTests.RegisterAsync(admin, "Lina Neu", $"lina.{tag}@example.org");
        var newcomerName = $"Samir Haddad {tag}";
        var newcomerEmail = $"samir.{tag}@example.net";

        var hours = (await (await admin.SendAsync("POST", "/api/advice/hours", new
        {
            advisorId = advisor.Id, organisationId = cooperative, spaceId = space, title = "Gründungsberatung", actionField = "local-economy",
            weekly = true, firstDate = "2027-06-01", lastDate = "2027-06-08", from = "10:00", until = "12:00", slotMinutes = 45,
        }).ShouldHaveStatus(HttpStatusCode.Created)).Content.ReadFromJsonAsync<HoursResponse>(Web))!;
        var newcomer = (await (await admin.SendAsync("POST", "/api/advice/newcomers", new
        {
            organisationId = cooperative, name = newcomerName, email = newcomerEmail, consentVersion = "beratung-2027-01", language = "en",
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

        async Task<AppointmentResponse> BookAsync(object body) => (await (await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", body)
            .ShouldHaveStatus(HttpStatusCode.Created)).Content.ReadFromJsonAsync<AppointmentResponse>(Web))!;
        // The newcomer twice (this week and next), a member once; the first reminder is due three seconds from now.
        clock.MoveTo(Tuesday(0, 10).AddDays(-1).AddSeconds(-3));
        var first = await BookAsync(new { start = Tuesday(0, 10), newcomerId = newcomer });
        var second = await BookAsync(new { start = Tuesday(1, 10), newcomerId = newcomer });
        var members = await BookAsync(new { start = Tuesday(0, 10, 45), personId = member.Id });

        var toNewcomer = await mail.ArrivedAsync(newcomerEmail, 3);
        toNewcomer.Select(m => m.Subject).Order().ShouldBe([
            "Appointment confirmed: Gründungsberatung, Tue 1 Jun 2027, 10:00", "Appointment confirmed: Gründungsberatung, Tue 8 Jun 2027, 10:00",
            "Reminder: Gründungsberatung, Tue 1 Jun 2027, 10:00"]);
        var reminder = toNewcomer.Single(m => m.Subject!.StartsWith("Reminder", StringComparison.Ordinal));
        Text(reminder).ShouldBe($"""
            Hello {newcomerName},

            a reminder of your appointment with {await NameAsync(app, "membership.organisations", "id", cooperative)}:

              Appointment: Gründungsberatung
              With:        Ayşe Demir
              Place:       {await NameAsync(app, "spaces.spaces", "space_id", space)}, {await NameAsync(app, "spaces.sites", "site_id", site)}, Werkstattweg 3, 04277 Leipzig
              Time:        Tuesday, 1 June 2027, 10:00–10:45

            If you cannot come, please cancel it, so that someone else can have the time.

            Kind regards
            The Raumverwaltung

            """.ReplaceLineEndings("\n"));
        (await mail.ArrivedAsync(member.Email!)).Single().Subject.ShouldBe("Termin bestätigt: Gründungsberatung, Di, 01.06.2027, 10:45 Uhr");

        // The member cancels: they hear it, and so does the advisor. The advisor never got the room bookings' own mails.
        using (var client = await app.ClientAsync(Allmende.Eventing.Api.Roles.Member, personId: member.Id))
            await client.SendAsync("POST", $"/api/advice/appointments/{members.Id}/cancel", new { reason = "Termin beim Amt" }).ShouldHaveStatus(HttpStatusCode.OK);
        (await mail.ArrivedAsync(member.Email!, 2)).Select(m => m.Subject).ShouldContain("Termin abgesagt: Gründungsberatung, Di, 01.06.2027, 10:45 Uhr");
        var toAdvisor = (await mail.ArrivedAsync(advisor.Email!)).Single();
        toAdvisor.Subject.ShouldBe("Termin abgesagt: Gründungsberatung, Di, 01.06.2027, 10:45 Uhr");
        Text(toAdvisor).ShouldContain("der Termin wurde von der beratenen Person abgesagt:");
        Text(toAdvisor).ShouldContain("Begründung: Termin beim Amt");

        // Before the start nothing came of it yet; outcomes need a held appointment and consent.
        var outcome = $"/api/advice/appointments/{first.Id}/outcome";
        object Outcomes(bool held, bool consent, params (string Kind, int Count)[] outcomes) =>
            new { held, consent, outcomes = outcomes.Select(o => new { kind = o.Kind, count = o.Count }) };
        (await (await admin.SendAsync("PUT", outcome, Outcomes(true, true))).RuleAsync()).ShouldBe("appointment-not-begun");
        clock.MoveTo(Tuesday(0, 10, 10));
        (await (await admin.SendAsync("PUT", outcome, Outcomes(false, true, ("follow-up-agreed", 1)))).InvalidFieldsAsync()).ShouldBe(["outcomes"]);
        (await (await admin.SendAsync("PUT", outcome, Outcomes(true, true, ("moved-away", 1)))).InvalidFieldsAsync()).ShouldBe(["outcomes[0].kind"]);
        var recorded = (await (await admin.SendAsync("PUT", outcome, Outcomes(true, true, ("follow-up-agreed", 1), ("business-registered", 1)))
            .ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadFromJsonAsync<AppointmentResponse>(Web))!;
        (recorded with { Outcomes = [] }).ShouldBe(first with { BookingStatus = "checked-in", Held = true, Consent = true, Outcomes = [], Version = 2 });
        recorded.Outcomes.ShouldBe([new AppointmentOutcome("business-registered", 1), new AppointmentOutcome("follow-up-agreed", 1)]);

        // Next week: held again, no consent to record outcomes.
        clock.MoveTo(Tuesday(1, 10, 50));
        await admin.SendAsync("PUT", $"/api/advice/appointments/{second.Id}/outcome", Outcomes(true, false)).ShouldHaveStatus(HttpStatusCode.OK);

        await rooms.AllocatedAsync(first.BookingId);
        await rooms.AllocatedAsync(second.BookingId);
        using var funder = app.AdminClient();
        async Task<FunderReport> ReportAsync() =>
            (await (await funder.GetAsync($"/api/funding/reports/grants/{grant}?period=month&from=2027-06-01").ShouldHaveStatus(HttpStatusCode.OK)).Content
                .ReadFromJsonAsync<FunderReport>(Web))!;
        await Eventually.ReachedAsync(async () => (await ReportAsync()).Advice.AppointmentsHeld == 2, "Funding counts both appointments");
        var advice = (await ReportAsync()).Advice;
        (advice with { Outcomes = [] }).ShouldBe(new AdviceFigures(2, 0, 1, []));
        advice.Outcomes.ShouldBe([new OutcomeFigure("business-registered", "Gewerbe angemeldet", 1), new OutcomeFigure("follow-up-agreed", "Folgetermin vereinbart", 1)]);

        // Numbers, never names: not in the report in any format.
        foreach (var format in new[] { "json", "csv", "html" })
        {
            var body = await (await funder.GetAsync($"/api/funding/reports/grants/{grant}?period=month&from=2027-06-01&format={format}")).Content.ReadAsStringAsync();
            body.ShouldNotContain(newcomerName);
            body.ShouldNotContain("Samir");
        }
        var csv = await (await funder.GetAsync($"/api/funding/reports/grants/{grant}?period=month&from=2027-06-01&format=csv")).Content.ReadAsStringAsync();
        csv.ShouldContain("advice,,peopleAdvised,1\n");
        csv.ShouldContain("advice,,appointmentsHeld,2\n");
        csv.ShouldContain("advice-outcome,business-registered,count,1\n");
        // The advisor got the one mail meant for them, none of the room bookings' own.
        mail.Received.Count(m => m.To.Mailboxes.Any(b => b.Address == advisor.Email)).ShouldBe(1);
    }

    private static async Task<string> NameAsync(AllmendeApp app, string table, string key, Guid id)
    {
        await using var command = app.DataSource.CreateCommand($"select name from {table} where {key} = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = id });
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
