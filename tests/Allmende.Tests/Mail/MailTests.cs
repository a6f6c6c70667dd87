using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Tests.Bookings;
using Allmende.Tests.Funding;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;
using MimeKit;

namespace Allmende.Tests.Mail;

/// <summary>
/// Mail through the real host's outbox to a real SMTP server (ADR 18): who gets which mail, in which
/// language, with names and Berlin times; invitations carry their link; a forgotten person gets nothing
/// and leaves nothing behind.
/// </summary>
public sealed class MailTests(MailApp app) : IClassFixture<MailApp>
{
    private readonly BookingsWorld _world = new(app);

    // 1 June 2027 is a Tuesday in summer time: 16:00Z is 18:00 in Berlin.
    private static readonly DateTimeOffset Evening = new(2027, 6, 1, 16, 0, 0, TimeSpan.Zero);

    private sealed record House(Guid Space, Guid Organisation, string SpaceName, string SiteName, string OrganisationName);

    /// <summary>A site, a room and an active organisation with names the mails must show, known to Bookings.</summary>
    private async Task<House> HouseAsync(bool approvalRequired = false, string? officeEmail = null)
    {
        using var admin = app.AdminClient();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (siteName, spaceName, organisationName) = ($"Lindenhaus {tag}", $"Großer Saal {tag}", $"Initiative Kiezkiosk {tag}");
        var site = (await (await admin.SendAsync("POST", "/api/sites", new
        {
            name = siteName,
            address = new { street = "Lindenstraße 5", postalCode = "04177", city = "Leipzig" },
            openingHours = BookingsWorld.AlwaysOpen,
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();
        var space = (await (await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId = site, name = spaceName, kind = "room", capacity = 30, rules = approvalRequired ? new { approvalRequired = true } : null,
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();
        var organisation = await OrganisationAsync(organisationName, officeEmail);
        await _world.KnownAsync(space, organisation);
        return new House(space, organisation, spaceName, siteName, organisationName);
    }

    private async Task<Guid> OrganisationAsync(string name, string? officeEmail)
    {
        using var admin = app.AdminClient();
        var (organisation, etag) = await OrganisationApiTests.RegisterAsync(admin, new
        {
            Name = name, Kind = "association", NonProfit = true, Contact = officeEmail is null ? null : new { Email = officeEmail },
        });
        await OrganisationApiTests.PostAsync(admin, $"/api/organisations/{organisation.Id}/activate", null, etag);
        return organisation.Id;
    }

    private async Task<(Guid Id, string ETag)> PersonAsync(string name, string email, Guid organisation)
    {
        using var admin = app.AdminClient();
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, name, email);
        (_, etag) = await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{person.Id}/organisations",
            new { OrganisationId = organisation, Role = "representative" }, etag);
        return (person.Id, etag);
    }

    private static async Task<(Guid Id, string ETag)> BookAsync(HttpClient admin, House house, Guid? person, DateTimeOffset start)
    {
        var created = await admin.SendAsync("POST", "/api/bookings", new
        {
            spaceId = house.Space, organisationId = house.Organisation, personId = person, start, end = start.AddHours(2), attendees = 12,
            purpose = "Nachbarschaftscafé", actionField = "neighbourhood-culture",
        }).ShouldHaveStatus(HttpStatusCode.Created);
        return ((await created.JsonAsync()).GetProperty("id").GetGuid(), SpacesHttp.ETag(created));
    }

    private Task LoggedAsync(string line) =>
        Eventually.ReachedAsync(() => Task.FromResult(app.Log.Lines.Any(l => l.Contains(line, StringComparison.Ordinal))), $"the host logs '{line}'");

    private static string Body(MimeMessage mail) => (mail.TextBody ?? "").ReplaceLineEndings("\n");

    [Fact]
    public async Task A_confirmed_booking_is_mailed_to_its_person_in_German_with_names_and_Berlin_time()
    {
        var house = await HouseAsync();
        var (person, _) = await PersonAsync("Mira Beispiel", "mira.beispiel@kiezkiosk.example", house.Organisation);
        using var admin = app.AdminClient();

        var (booking, _) = await BookAsync(admin, house, person, Evening);

        var mail = (await app.Mail.ArrivedAsync("mira.beispiel@kiezkiosk.example")).Single();
        mail.From.Mailboxes.Single().ToString().ShouldBe("\"Raumverwaltung Lindenhaus\" <post@lindenhaus.example>");
        mail.To.Mailboxes.Single().Name.ShouldBe("Mira Beispiel");
        mail.Subject.ShouldBe($"Buchung bestätigt: {house.SpaceName}, Di, 01.06.2027, 18:00 Uhr");
        mail.Body!.Headers[HeaderId.ContentLanguage].ShouldBe("de");
        Body(mail).ShouldBe($"""
            Guten Tag Mira Beispiel,

            die Buchung für {house.OrganisationName} ist bestätigt. Der Raum ist für Sie reserviert:

              Raum:      {house.SpaceName}
              Ort:       {house.SiteName}, Lindenstraße 5, 04177 Leipzig
              Zeit:      Dienstag, 1. Juni 2027, 18:00–20:00 Uhr
              Zweck:     Nachbarschaftscafé
              Personen:  12

            Wenn Sie nicht kommen können, stornieren Sie die Buchung bitte rechtzeitig, damit andere den Raum nutzen können.

            Viele Grüße
            Ihre Raumverwaltung

            """);
        // Nothing of the mail's words or address in the host's log: kind and booking only.
        await LoggedAsync($"Mail booking-confirmed about {booking} sent"); // after the server's reply, which may come after the mail arrived
        app.Log.Lines.ShouldNotContain(l => l.Contains("mira.beispiel", StringComparison.OrdinalIgnoreCase) || l.Contains("Mira Beispiel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Approval_rejection_and_a_cancellation_by_staff_are_each_mailed_with_the_reason()
    {
        var house = await HouseAsync(approvalRequired: true);
        var (person, _) = await PersonAsync("Jonas Ehrenamt", "jonas.ehrenamt@kiezkiosk.example", house.Organisation);
        using var admin = app.AdminClient();
        var (first, firstETag) = await BookAsync(admin, house, person, Evening.AddDays(7));
        var (second, secondETag) = await BookAsync(admin, house, person, Evening.AddDays(14));

        await admin.SendAsync("POST", $"/api/bookings/{first}/reject", new { reason = "Der Saal wird an diesem Abend renoviert." }, firstETag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        var approved = await admin.SendAsync("POST", $"/api/bookings/{second}/approve", null, secondETag).ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("POST", $"/api/bookings/{second}/cancel", new { reason = "Wasserschaden im Saal" }, SpacesHttp.ETag(approved))
            .ShouldHaveStatus(HttpStatusCode.OK);

        var mails = await app.Mail.ArrivedAsync("jonas.ehrenamt@kiezkiosk.example", 3);
        mails.Select(m => m.Subject).ShouldBe([
            $"Buchungsanfrage abgelehnt: {house.SpaceName}, Di, 08.06.2027, 18:00 Uhr",
            $"Buchung genehmigt: {house.SpaceName}, Di, 15.06.2027, 18:00 Uhr",
            $"Buchung storniert: {house.SpaceName}, Di, 15.06.2027, 18:00 Uhr",
        ], ignoreOrder: true);
        var rejected = Body(mails.Single(m => (m.Subject ?? "").StartsWith("Buchungsanfrage abgelehnt", StringComparison.Ordinal)));
        rejected.ShouldContain($"die Raumverwaltung hat die Buchungsanfrage von {house.OrganisationName} abgelehnt:");
        rejected.ShouldContain("  Zeit:      Dienstag, 8. Juni 2027, 18:00–20:00 Uhr");
        rejected.ShouldContain("Begründung: Der Saal wird an diesem Abend renoviert.");
        Body(mails.Single(m => (m.Subject ?? "").StartsWith("Buchung genehmigt", StringComparison.Ordinal)))
            .ShouldContain($"die Raumverwaltung hat die Buchung für {house.OrganisationName} genehmigt.");
        var cancelled = Body(mails.Single(m => (m.Subject ?? "").StartsWith("Buchung storniert", StringComparison.Ordinal)));
        cancelled.ShouldContain($"die Buchung für {house.OrganisationName} wurde storniert:");
        cancelled.ShouldContain("Begründung: Wasserschaden im Saal");
        // An approved request is announced once, as approved: never also as merely confirmed.
        app.Mail.Received.ShouldNotContain(m => (m.Subject ?? "").StartsWith("Buchung bestätigt", StringComparison.Ordinal) && (m.Subject ?? "").Contains(house.SpaceName));
    }

    [Fact]
    public async Task Without_a_person_the_organisations_office_is_told_and_a_retired_space_is_named_as_the_cause()
    {
        var house = await HouseAsync(officeEmail: "buero@kiezkiosk.example");
        using var admin = app.AdminClient();
        var (booking, _) = await BookAsync(admin, house, null, Evening.AddDays(21));
        (await app.Mail.ArrivedAsync("buero@kiezkiosk.example")).Single().To.Mailboxes.Single().Name.ShouldBeNullOrEmpty();

        var space = await admin.GetAsync($"/api/spaces/{house.Space}");
        await admin.SendAsync("POST", $"/api/spaces/{house.Space}/retire", new { reason = "Umbau zur Werkstatt" }, SpacesHttp.ETag(space)).ShouldHaveStatus(HttpStatusCode.OK);

        var cancelled = (await app.Mail.ArrivedAsync("buero@kiezkiosk.example", 2)).Single(m => (m.Subject ?? "").StartsWith("Buchung storniert", StringComparison.Ordinal));
        Body(cancelled).ShouldStartWith("Guten Tag,\n\n");
        Body(cancelled).ShouldContain("Der Raum wird nicht mehr vergeben. Hinweis: Umbau zur Werkstatt");
        await LoggedAsync($"Mail booking-cancelled about {booking} sent");
    }

    [Fact]
    public async Task A_waitlist_offer_tells_the_waiting_organisation_until_when_it_may_book()
    {
        var house = await HouseAsync();
        var waiting = await OrganisationAsync($"Repair-Café {Guid.NewGuid():N}"[..18], "hallo@repaircafe.example");
        await _world.KnownAsync(house.Space, waiting);
        using var admin = app.AdminClient();
        var start = Evening.AddDays(42);
        var (taken, etag) = await BookAsync(admin, house, null, start);
        var entry = (await (await admin.SendAsync("POST", "/api/bookings/waitlist", BookingsWorld.Booking(house.Space, waiting, start, start.AddHours(2)))
            .ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();

        await admin.SendAsync("POST", $"/api/bookings/{taken}/cancel", new { reason = "Termin entfällt" }, etag).ShouldHaveStatus(HttpStatusCode.OK);

        var mail = (await app.Mail.ArrivedAsync("hallo@repaircafe.example")).Single();
        var offered = await (await admin.GetAsync($"/api/bookings/waitlist/{entry}")).JsonAsync();
        var until = TimeZoneInfo.ConvertTime(offered.GetProperty("offeredUntil").GetDateTimeOffset(), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        mail.Subject.ShouldBe($"Ein Platz ist frei geworden: {house.SpaceName}, Di, 13.07.2027, 18:00 Uhr");
        var body = Body(mail);
        body.ShouldContain($"der Termin, auf den {(await (await admin.GetAsync($"/api/organisations/{waiting}")).JsonAsync()).GetProperty("name").GetString()} wartet, ist frei geworden:");
        body.ShouldContain("  Zeit:      Dienstag, 13. Juli 2027, 18:00–20:00 Uhr");
        body.ShouldContain($"Sie können ihn bis {until.ToString("dddd, d. MMMM yyyy, HH:mm", System.Globalization.CultureInfo.GetCultureInfo("de-DE"))} Uhr buchen.");
    }

    [Fact]
    public async Task An_invitation_mails_the_one_time_link_in_the_language_asked_for_and_staff_still_see_it()
    {
        using var admin = app.AdminClient();
        var invited = await (await admin.PostAsJsonAsync("/api/access/accounts",
            new { email = "guest.reviewer@foundation.example", role = "auditor", language = "en" })).ShouldBeAsync(HttpStatusCode.Created);
        var link = (await invited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("link").GetString()!;

        var mail = (await app.Mail.ArrivedAsync("guest.reviewer@foundation.example")).Single();
        mail.Subject.ShouldBe("Your access to Allmende");
        mail.Body!.Headers[HeaderId.ContentLanguage].ShouldBe("en");
        var body = Body(mail);
        body.ShouldStartWith("Hello,\n\nyou have been invited to Allmende as auditor. Open this link to set your password:\n\n");
        body.ShouldContain($"\n  {MailApp.PublicUrl}{link}\n");
        body.ShouldContain("The link works once, until ");
        // The outbox (Wolverine's envelopes, live or dead-lettered) holds the link sealed with the account's key, never as it is.
        (await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from wolverine.wolverine_incoming_envelopes where message_type = 'host.mail.invitation-due'")).ShouldBeGreaterThanOrEqualTo(1);
        (await TestPostgres.ScalarAsync(app.ConnectionString, """
            select (select count(*) from wolverine.wolverine_incoming_envelopes where position(convert_to($1, 'UTF8') in body) > 0)
                 + (select count(*) from wolverine.wolverine_dead_letters where position(convert_to($1, 'UTF8') in body) > 0)
            """, link.Split('/')[^1])).ShouldBe(0);
        // And the link works: the page that sets the password finds the invitation.
        using var browser = app.CreateClient();
        (await browser.GetAsync(link)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_budget_warning_goes_to_the_funders_contact_and_to_staff()
    {
        var rooms = new GrantedRooms(app);
        var (space, site, organisation) = await rooms.RoomWithRateAsync(2_500);
        using var admin = app.AdminClient();
        var funder = (await (await admin.SendAsync("POST", "/api/funding/funders", new
        {
            name = "Sozialbehörde Musterstadt", kind = "public-authority",
            contact = new { office = "Referat Engagement", email = "engagement@stadt.example" }, reportingPeriod = "quarterly",
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync()).GetProperty("id").GetGuid();
        await admin.SendAsync("POST", "/api/funding/grants", new
        {
            funderId = funder, name = "Engagement im Quartier", reference = "SB-2027-17", budgetCents = 3_000,
            startsOn = "2027-01-01", endsOn = "2031-12-31", coverage = new { siteIds = new[] { site }, costTypes = new[] { "room-hours" } },
            shareBasisPoints = 10_000, priority = 1,
        }).ShouldHaveStatus(HttpStatusCode.Created);

        await BookingsWorld.BookAsync(admin, space, organisation, Evening.AddDays(28), Evening.AddDays(28).AddHours(1)).ShouldHaveStatus(HttpStatusCode.Created);

        var toFunder = (await app.Mail.ArrivedAsync("engagement@stadt.example")).Single();
        var toStaff = (await app.Mail.ArrivedAsync(MailApp.StaffAddress)).Single(m => (m.Subject ?? "").Contains("Engagement im Quartier", StringComparison.Ordinal));
        foreach (var mail in new[] { toFunder, toStaff })
        {
            mail.Subject.ShouldBe("Budgetwarnung: Engagement im Quartier hat 80 % erreicht");
            var body = Body(mail);
            body.ShouldContain("die Förderung „Engagement im Quartier“ (SB-2027-17) von Sozialbehörde Musterstadt hat 80 % ihres Budgets erreicht:");
            body.ShouldContain("  Verbraucht: 25,00 €\n  Budget:     30,00 €");
        }
        toFunder.To.Mailboxes.Single().Name.ShouldBe("Sozialbehörde Musterstadt");
        toStaff.To.Mailboxes.Single().Name.ShouldBe("Raumverwaltung");
    }

    [Fact]
    public async Task A_person_forgotten_before_the_send_gets_no_mail_and_leaves_nothing_in_outbox_dead_letters_or_logs()
    {
        const string name = "Xaverine Plomquist";
        const string email = "xp.7731@plomquist.example";
        var house = await HouseAsync();
        var (person, etag) = await PersonAsync(name, email, house.Organisation);
        using var admin = app.AdminClient();
        var (booking, _) = await BookAsync(admin, house, person, Evening.AddDays(35));
        (await app.Mail.ArrivedAsync(email)).Count.ShouldBe(1);

        // Forgetting cancels the person's future bookings (Bookings' reaction): that mail would go to them, but their key is gone.
        await (await admin.PostAsync($"/api/people/{person}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.OK);

        await LoggedAsync($"Mail booking-cancelled about {booking} dropped: the person was forgotten");
        app.Mail.Received.Count(m => m.To.Mailboxes.Any(b => b.Address == email)).ShouldBe(1);
        foreach (var needle in new[] { "Plomquist", "Xaverine", "xp.7731" })
        {
            (await DatabaseScan.HitsAsync(app.DataSource, needle)).ShouldBeEmpty($"'{needle}' survived forgetting");
            app.Log.Lines.ShouldNotContain(l => l.Contains(needle, StringComparison.OrdinalIgnoreCase), $"'{needle}' was logged");
        }
    }
}
