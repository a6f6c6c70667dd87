using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Bookings.Advice;
using Allmende.Tests.Bookings;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Advice;

/// <summary>
/// Appointments with a person (issue 17, item 1; ADR 19) through the host: a cooperative's advisor offers weekly
/// consultation hours at a room; members and admitted newcomers book a slot; neither the advisor nor the room is
/// ever double-booked, also when requests race; either side cancels; a newcomer's data is sealed and erasable.
/// </summary>
public sealed class AppointmentTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>The Tuesday 1 June 2027 plus <paramref name="weeks"/> weeks, hh:mm Berlin summer time.</summary>
    private static DateTimeOffset Tuesday(int weeks, int hour, int minute = 0) => new DateTimeOffset(2027, 6, 1, hour, minute, 0, TimeSpan.FromHours(2)).AddDays(7 * weeks);

    private sealed record Cooperative(Guid Organisation, Guid Advisor, Guid Space, Guid Site);

    private async Task<Cooperative> CooperativeAsync()
    {
        var world = new BookingsWorld(app);
        var (space, organisation) = await world.RoomAsync();
        var site = await GuidAsync("select site_id from bookings.spaces where space_id = $1", space);
        return new Cooperative(organisation, await app.PersonAsync("Ayşe Beraterin"), space, site);
    }

    private async Task<Guid> GuidAsync(string sql, Guid id)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = id });
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<HoursResponse> OfferAsync(HttpClient client, Cooperative c, Guid? space = null, int weeks = 0) =>
        (await (await client.SendAsync("POST", "/api/advice/hours", new
        {
            advisorId = c.Advisor, organisationId = c.Organisation, spaceId = space ?? c.Space, title = "Gründungsberatung", actionField = "local-economy",
            weekly = true, firstDate = Tuesday(weeks, 10).ToString("yyyy-MM-dd"), lastDate = Tuesday(weeks + 3, 10).ToString("yyyy-MM-dd"),
            from = "10:00", until = "12:00", slotMinutes = 45,
        }).ShouldHaveStatus(HttpStatusCode.Created)).Content.ReadFromJsonAsync<HoursResponse>(Web))!;

    /// <summary>The appointment answered, its outcomes as an array, so that whole records compare by value.</summary>
    private static async Task<AppointmentResponse> Read(HttpResponseMessage response)
    {
        var appointment = (await response.Content.ReadFromJsonAsync<AppointmentResponse>(Web))!;
        return appointment with { Outcomes = appointment.Outcomes.Count == 0 ? [] : [.. appointment.Outcomes] };
    }

    private async Task<(HttpClient Client, Guid Person)> MemberAsync(Guid organisation)
    {
        using var admin = app.AdminClient();
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Lina Neu", $"lina.{Guid.NewGuid():N}@example.org");
        await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{person.Id}/organisations", new { OrganisationId = organisation, Role = "member" }, etag);
        var member = await app.ClientAsync(Allmende.Eventing.Api.Roles.Member, personId: person.Id);
        await Eventually.ReachedAsync(async () => (await member.GetAsync($"/api/organisations/{organisation}")).StatusCode == HttpStatusCode.OK,
            "the member's organisation reaches access");
        return (member, person.Id);
    }

    [Fact]
    public async Task Weekly_hours_are_cut_into_berlin_slots_and_a_booked_slot_holds_the_room_and_the_advisor_until_it_is_cancelled()
    {
        var c = await CooperativeAsync();
        using var admin = app.AdminClient();
        var hours = await OfferAsync(admin, c);
        hours.ShouldBe(new HoursResponse(hours.Id, c.Advisor, c.Organisation, c.Site, c.Space, "Gründungsberatung", "local-economy", true,
            new DateOnly(2027, 6, 1), new DateOnly(2027, 6, 22), "10:00", "12:00", 45, false, 1));

        var slots = (await (await admin.GetAsync($"/api/advice/hours/{hours.Id}/slots?from=2027-05-31&days=9").ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<List<SlotResponse>>(Web))!;
        slots.ShouldBe([
            new SlotResponse(Tuesday(0, 10), Tuesday(0, 10, 45), true), new SlotResponse(Tuesday(0, 10, 45), Tuesday(0, 11, 30), true),
            new SlotResponse(Tuesday(1, 10), Tuesday(1, 10, 45), true), new SlotResponse(Tuesday(1, 10, 45), Tuesday(1, 11, 30), true)]);

        var (member, person) = await MemberAsync(await new BookingsWorld(app).OrganisationAsync());
        var booked = await Read(await member.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(0, 10, 45) })
            .ShouldHaveStatus(HttpStatusCode.Created));
        booked.ShouldBe(new AppointmentResponse(booked.Id, hours.Id, booked.BookingId, c.Advisor, c.Organisation, c.Site, c.Space, "member", person,
            Tuesday(0, 10, 45), Tuesday(0, 11, 30), "booked", null, "confirmed", null, false, [], 1));

        // The room's booking belongs to the cooperative and names the advisor; the slot row holds the advisor too.
        var booking = await (await admin.GetAsync($"/api/bookings/{booked.BookingId}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        (booking.GetProperty("organisationId").GetGuid(), booking.GetProperty("personId").GetGuid(), booking.GetProperty("purpose").GetString(),
            booking.GetProperty("attendees").GetInt32()).ShouldBe((c.Organisation, c.Advisor, "Beratung: Gründungsberatung", 2));
        (await GuidAsync("select advisor_id from bookings.slots where booking_id = $1 and holds", booked.BookingId))
            .ShouldBe(c.Advisor);
        (await (await admin.GetAsync($"/api/advice/hours/{hours.Id}/slots?from=2027-06-01&days=1")).Content.ReadFromJsonAsync<List<SlotResponse>>(Web))!
            .Select(s => s.Free).ShouldBe([true, false]);

        // The same slot again: the room (and the advisor) are taken.
        (await (await member.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(0, 10, 45) })).RuleAsync())
            .ShouldBeOneOf("slot-taken", "advisor-taken");
        // A start off the slots is bad input; a stranger does not see the appointment.
        (await (await member.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(0, 10, 30) })).InvalidFieldsAsync())
            .ShouldBe(["start"]);
        var (stranger, _) = await MemberAsync(await new BookingsWorld(app).OrganisationAsync());
        await stranger.GetAsync($"/api/advice/appointments/{booked.Id}").ShouldHaveStatus(HttpStatusCode.NotFound);
        await stranger.SendAsync("POST", $"/api/advice/appointments/{booked.Id}/cancel", new { reason = "?" }).ShouldHaveStatus(HttpStatusCode.NotFound);

        // The client cancels: the appointment and its booking are cancelled together, the slot is free again.
        var cancelled = await Read(await member.SendAsync("POST", $"/api/advice/appointments/{booked.Id}/cancel", new { reason = "Krank" })
            .ShouldHaveStatus(HttpStatusCode.OK));
        cancelled.ShouldBe(booked with { Status = "cancelled", CancelledBy = "client", BookingStatus = "cancelled", Version = 2 });
        (await (await member.SendAsync("POST", $"/api/advice/appointments/{booked.Id}/cancel", new { reason = "Nochmal" })).RuleAsync())
            .ShouldBe("appointment-not-cancellable");
        var again = await Read(await member.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(0, 10, 45) })
            .ShouldHaveStatus(HttpStatusCode.Created));
        // The advisor's side cancels this one.
        (await Read(await admin.SendAsync("POST", $"/api/advice/appointments/{again.Id}/cancel", new { reason = "Beraterin verhindert" })
            .ShouldHaveStatus(HttpStatusCode.OK))).CancelledBy.ShouldBe("advisor");
    }

    [Fact]
    public async Task Of_racing_bookings_of_one_advisor_in_two_rooms_exactly_one_wins_and_the_others_hear_the_advisor_is_taken()
    {
        var c = await CooperativeAsync();
        var world = new BookingsWorld(app);
        var otherSite = await world.SiteAsync();
        var otherRoom = await world.SpaceAsync(otherSite);
        await world.KnownAsync(otherRoom, c.Organisation);
        using var admin = app.AdminClient();
        var here = await OfferAsync(admin, c, weeks: 4);
        var there = await OfferAsync(admin, c, otherRoom, weeks: 4);

        for (var round = 0; round < 3; round++)
        {
            var start = Tuesday(4 + round, 10, round == 2 ? 45 : 0);
            var newcomers = new List<Guid>();
            for (var i = 0; i < 12; i++)
                newcomers.Add(await AdmitAsync(admin, c.Organisation, $"Gast {round}-{i}"));
            var answers = await Task.WhenAll(newcomers.Select((n, i) =>
                admin.SendAsync("POST", $"/api/advice/hours/{(i % 2 == 0 ? here : there).Id}/appointments", new { start, newcomerId = n })));
            answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
            var winner = await Read(answers.Single(a => a.StatusCode == HttpStatusCode.Created));
            for (var i = 0; i < answers.Length; i++)
            {
                if (answers[i].StatusCode == HttpStatusCode.Created)
                    continue;
                answers[i].StatusCode.ShouldBe(HttpStatusCode.Conflict);
                var rule = await answers[i].RuleAsync();
                // In the other room only the advisor stands in the way; in the winner's room it may be either.
                if ((i % 2 == 0 ? here : there).Id != winner.HoursId)
                    rule.ShouldBe("advisor-taken");
                else
                    rule.ShouldBeOneOf("slot-taken", "advisor-taken");
            }
            (await TestPostgres.ScalarAsync(app.ConnectionString, """
                select count(*) from bookings.slots where holds and advisor_id = $1 and during && tstzrange($2, $2 + interval '45 minutes')
                """, c.Advisor, start.ToUniversalTime())).ShouldBe(1);
            (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.appointments where advisor_id = $1 and starts_at = $2",
                c.Advisor, start.ToUniversalTime())).ShouldBe(1);
        }
    }

    [Fact]
    public async Task A_room_taken_by_an_ordinary_booking_refuses_the_appointment_and_nothing_of_it_is_left_behind()
    {
        var c = await CooperativeAsync();
        using var admin = app.AdminClient();
        var hours = await OfferAsync(admin, c, weeks: 8);
        var other = await new BookingsWorld(app).OrganisationAsync();
        await new BookingsWorld(app).KnownAsync(c.Space, other);
        await BookingsWorld.BookAsync(admin, c.Space, other, Tuesday(8, 9), Tuesday(8, 11)).ShouldHaveStatus(HttpStatusCode.Created);
        var newcomer = await AdmitAsync(admin, c.Organisation, "Gast");
        (await (await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(8, 10), newcomerId = newcomer }))
            .RuleAsync()).ShouldBe("slot-taken");
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.appointments where hours_id = $1", hours.Id)).ShouldBe(0);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.bookings where space_id = $1 and person_id = $2",
            c.Space, c.Advisor)).ShouldBe(0);
        // Off the slots: 400; overlapping the ordinary booking: 409; the next week: booked.
        await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(8, 11, 30), newcomerId = newcomer })
            .ShouldHaveStatus(HttpStatusCode.BadRequest);
        await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(8, 10, 45), newcomerId = newcomer })
            .ShouldHaveStatus(HttpStatusCode.Conflict);
        await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(9, 10), newcomerId = newcomer })
            .ShouldHaveStatus(HttpStatusCode.Created);
    }

    private static async Task<Guid> AdmitAsync(HttpClient client, Guid organisation, string name, string? email = null) =>
        (await (await client.SendAsync("POST", "/api/advice/newcomers", new
        {
            organisationId = organisation, name, email = email ?? $"gast.{Guid.NewGuid():N}@example.org", consentVersion = "beratung-2027-01",
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

    [Fact]
    public async Task A_newcomer_is_admitted_with_minimal_sealed_data_by_the_advisors_side_only_and_forgotten_on_erasure()
    {
        var c = await CooperativeAsync();
        using var admin = app.AdminClient();
        var (advisorSide, _) = await MemberAsync(c.Organisation);
        var (stranger, _) = await MemberAsync(await new BookingsWorld(app).OrganisationAsync());
        var name = $"Neuankömmling-{Guid.NewGuid():N}"[..26];

        (await (await advisorSide.SendAsync("POST", "/api/advice/newcomers", new { organisationId = c.Organisation, name = "", consentVersion = "" }))
            .InvalidFieldsAsync()).Order().ShouldBe(["consentVersion", "email", "name"]);
        await stranger.SendAsync("POST", "/api/advice/newcomers", new { organisationId = c.Organisation, name, phone = "+49 341 1234567", consentVersion = "v1" })
            .ShouldHaveStatus(HttpStatusCode.Forbidden);
        var admitted = (await (await advisorSide.SendAsync("POST", "/api/advice/newcomers", new
        {
            organisationId = c.Organisation, name, phone = "+49 341 1234567", consentVersion = "beratung-2027-01", language = "en",
        }).ShouldHaveStatus(HttpStatusCode.Created)).Content.ReadFromJsonAsync<NewcomerResponse>(Web))!;
        admitted.ShouldBe(new NewcomerResponse(admitted.Id, c.Organisation, name, null, "+49 341 1234567", "beratung-2027-01", "en", false));
        (await DatabaseScan.HitsAsync(app.DataSource, name)).ShouldBeEmpty();
        (await DatabaseScan.HitsAsync(app.DataSource, "1234567")).ShouldBeEmpty();
        await stranger.GetAsync($"/api/advice/newcomers/{admitted.Id}").ShouldHaveStatus(HttpStatusCode.NotFound);

        var hours = await OfferAsync(admin, c, weeks: 12);
        // A member of another organisation cannot book for a newcomer; the advisor's side can.
        await stranger.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(12, 10), newcomerId = admitted.Id })
            .ShouldHaveStatus(HttpStatusCode.Forbidden);
        var booked = await Read(await advisorSide.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments",
            new { start = Tuesday(12, 10), newcomerId = admitted.Id }).ShouldHaveStatus(HttpStatusCode.Created));
        (booked.ClientKind, booked.ClientId).ShouldBe(("newcomer", admitted.Id));

        var erased = (await (await advisorSide.SendAsync("POST", $"/api/advice/newcomers/{admitted.Id}/erasure").ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<NewcomerResponse>(Web))!;
        erased.ShouldBe(admitted with { Name = null, Phone = null, Erased = true });
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.newcomer_keys where newcomer_id = $1", admitted.Id)).ShouldBe(0);
        (await (await advisorSide.SendAsync("POST", $"/api/advice/newcomers/{admitted.Id}/erasure")).RuleAsync()).ShouldBe("newcomer-erased");
        (await (await advisorSide.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(13, 10), newcomerId = admitted.Id }))
            .RuleAsync()).ShouldBe("newcomer-erased");
        // The appointment stays, as an appointment of a pseudonym.
        (await Read(await advisorSide.GetAsync($"/api/advice/appointments/{booked.Id}").ShouldHaveStatus(HttpStatusCode.OK))).Status.ShouldBe("booked");
    }
    [Fact]
    public async Task Forgetting_the_advisor_cancels_their_coming_appointments_with_a_reason_tells_the_client_and_withdraws_their_hours()
    {
        var world = new BookingsWorld(app);
        var (space, organisation) = await world.RoomAsync();
        using var admin = app.AdminClient();
        var (advisor, etag) = await PeopleApiTests.RegisterAsync(admin, "Ayşe Beraterin", $"ayse.{Guid.NewGuid():N}@kooperative.example");
        var c = new Cooperative(organisation, advisor.Id, space, await GuidAsync("select site_id from bookings.spaces where space_id = $1", space));
        var hours = await OfferAsync(admin, c, weeks: 16);
        var (member, person) = await MemberAsync(await world.OrganisationAsync());
        var forMember = await Read(await member.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(16, 10) })
            .ShouldHaveStatus(HttpStatusCode.Created));
        var forNewcomer = await Read(await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments",
            new { start = Tuesday(17, 10, 45), newcomerId = await AdmitAsync(admin, organisation, "Gast") }).ShouldHaveStatus(HttpStatusCode.Created));

        await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{advisor.Id}/forget", null, etag);

        async Task<AppointmentResponse> AppointmentAsync(Guid id) => await Read(await admin.GetAsync($"/api/advice/appointments/{id}"));
        await Eventually.ReachedAsync(async () => (await AppointmentAsync(forNewcomer.Id)).Status == "cancelled", "the appointments are cancelled");
        (await AppointmentAsync(forMember.Id)).ShouldBe(forMember with { Status = "cancelled", CancelledBy = "advisor", BookingStatus = "cancelled", Version = 2 });
        (await AppointmentAsync(forNewcomer.Id)).ShouldBe(forNewcomer with { Status = "cancelled", CancelledBy = "advisor", BookingStatus = "cancelled", Version = 2 });
        (await (await admin.GetAsync($"/api/bookings/{forMember.BookingId}")).JsonAsync()).GetProperty("reason").GetString()
            .ShouldBe("appointment cancelled: person forgotten");
        (await TestPostgres.ScalarAsync(app.ConnectionString, """
            select count(*) from marten.mt_events e where e.stream_id = $1 and e.type = 'bookings.appointment.cancelled'
              and e.data ->> 'reason' = 'Die beratende Person steht nicht mehr zur Verfügung.'
            """, $"appointment-{forMember.Id:D}")).ShouldBe(1);
        // The hours take no one any more; the member hears of it through the cancellation mail (here: mail is off, so its handler says so).
        var withdrawn = (await (await admin.GetAsync($"/api/advice/hours/{hours.Id}")).Content.ReadFromJsonAsync<HoursResponse>(Web))!;
        withdrawn.ShouldBe(hours with { Withdrawn = true, Version = 2 });
        (await (await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(18, 10), personId = person })).RuleAsync())
            .ShouldBe("hours-withdrawn");
        await Eventually.ReachedAsync(() => Task.FromResult(app.Log.Lines.Any(l => l.Contains($"Mail appointment-cancelled about {forMember.Id}", StringComparison.Ordinal))),
            "the cancellation reaches the client's mail handler");
    }
    [Fact]
    public async Task Hours_are_listed_for_anyone_signed_in_and_a_member_lists_only_their_own_appointments()
    {
        var c = await CooperativeAsync();
        using var admin = app.AdminClient();
        var hours = await OfferAsync(admin, c, weeks: 20);
        var (member, person) = await MemberAsync(await new BookingsWorld(app).OrganisationAsync());
        var (other, _) = await MemberAsync(await new BookingsWorld(app).OrganisationAsync());
        var mine = await Read(await member.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments", new { start = Tuesday(20, 10) })
            .ShouldHaveStatus(HttpStatusCode.Created));
        await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/appointments",
            new { start = Tuesday(20, 10, 45), newcomerId = await AdmitAsync(admin, c.Organisation, "Gast") }).ShouldHaveStatus(HttpStatusCode.Created);

        (await (await other.GetAsync($"/api/advice/hours?organisationId={c.Organisation}").ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<List<HoursResponse>>(Web)).ShouldBe([hours]);
        (await (await admin.GetAsync($"/api/advice/hours?siteId={c.Site}").ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<List<HoursResponse>>(Web))!.Select(h => h.Id).ShouldContain(hours.Id);
        (await (await admin.GetAsync("/api/advice/hours?siteId=nope")).InvalidFieldsAsync()).ShouldBe(["siteId"]);

        var listed = (await (await member.GetAsync("/api/advice/appointments/mine").ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<List<AppointmentResponse>>(Web))!;
        listed.Select(a => a with { Outcomes = [] }).ShouldBe([mine]);
        (await (await other.GetAsync("/api/advice/appointments/mine")).Content.ReadFromJsonAsync<List<AppointmentResponse>>(Web))!.ShouldBeEmpty();
        (await (await admin.GetAsync("/api/advice/appointments/mine")).Content.ReadFromJsonAsync<List<AppointmentResponse>>(Web))!.ShouldBeEmpty();

        // Withdrawn hours leave the list unless asked for.
        await admin.SendAsync("POST", $"/api/advice/hours/{hours.Id}/withdrawal", new { reason = "Beraterin im Urlaub" }).ShouldHaveStatus(HttpStatusCode.OK);
        (await (await admin.GetAsync($"/api/advice/hours?organisationId={c.Organisation}")).Content.ReadFromJsonAsync<List<HoursResponse>>(Web))!.ShouldBeEmpty();
        (await (await admin.GetAsync($"/api/advice/hours?organisationId={c.Organisation}&withdrawn=true")).Content
            .ReadFromJsonAsync<List<HoursResponse>>(Web)).ShouldBe([hours with { Withdrawn = true, Version = 2 }]);
        person.ShouldNotBe(Guid.Empty);
    }
}
