using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Bookings.Programme;
using Allmende.Eventing.Api;
using Allmende.Tests.Bookings;
using Allmende.Tests.Funding;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;
using Ical.Net;

namespace Allmende.Tests.Programme;

/// <summary>
/// The open programme (issue 17, item 2; ADR 20) through the host: an association publishes a weekly open
/// evening and a flea market on its bookings; anyone reads them per site and organisation (JSON, iCalendar,
/// the German page) and signs up without signing in, never beyond capacity; names are sealed and erasable.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class ProgrammeTests(AllmendeApp app)
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private sealed record Association(Guid Site, Guid Space, Guid Organisation, Guid Series, Guid Market, OfferResponse Evening, OfferResponse Flea);

    /// <summary>A weekly open evening (3 Tuesdays, 18–21 Berlin time, 2 places with registration) and a flea market (one Saturday, no registration).</summary>
    private async Task<Association> AssociationAsync(int day)
    {
        var (space, site, organisation) = await new GrantedRooms(app).RoomWithRateAsync(1_000);
        using var admin = app.AdminClient();
        var first = new DateTimeOffset(2027, 6, 1, 18, 0, 0, TimeSpan.FromHours(2)).AddDays(7 * day);
        var series = await GrantedRooms.IdOf(await admin.SendAsync("POST", "/api/bookings/series", new
        {
            spaceId = space, organisationId = organisation, start = first, end = first.AddHours(3), attendees = 20, purpose = "Offener Abend",
            actionField = "living-together", repeat = new { frequency = "weekly", count = 3 }, conflicts = "book-none",
        }).ShouldHaveStatus(HttpStatusCode.Created));
        var saturday = first.AddDays(4).AddHours(-8);
        var market = await GrantedRooms.IdOf(await BookingsWorld.BookAsync(admin, space, organisation, saturday, saturday.AddHours(6))
            .ShouldHaveStatus(HttpStatusCode.Created));
        var evening = await PublishAsync(admin, new
        {
            organisationId = organisation, seriesId = series, kind = "open-evening", title = "Offener Abend", description = "Tee, Gespräche, Nachbarschaft.",
            capacity = 2, registration = true,
        });
        var flea = await PublishAsync(admin, new
        {
            organisationId = organisation, bookingId = market, kind = "flea-market", title = "Flohmarkt im Hof", description = "", capacity = 200, registration = false,
        });
        return new Association(site, space, organisation, series, market, evening, flea);
    }

    private static async Task<OfferResponse> PublishAsync(HttpClient client, object offer) =>
        (await (await client.SendAsync("POST", "/api/programme/offers", offer).ShouldHaveStatus(HttpStatusCode.Created)).Content
            .ReadFromJsonAsync<OfferResponse>(Web))!;

    private static object Registration(string name, string email = "lea@example.org", bool consent = true) => new { name, email, consent };

    [Fact]
    public async Task Offers_on_bookings_are_published_per_site_and_organisation_without_sign_in_as_json_and_icalendar()
    {
        var a = await AssociationAsync(1);
        a.Evening.Dates.Count.ShouldBe(3);
        (a.Evening with { Dates = [], Version = 0 }).ShouldBe(new OfferResponse(a.Evening.Id, a.Organisation, a.Site, a.Space, "open-evening", "Offener Abend",
            "Tee, Gespräche, Nachbarschaft.", "living-together", 2, true, null, a.Series, [], 0));
        a.Evening.Dates.Select(d => (d.Status, d.Registered, d.Attendees, d.End - d.Start)).Distinct().ShouldBe([("confirmed", 0, (int?)null, TimeSpan.FromHours(3))]);

        using var anonymous = app.CreateClient();
        var programme = await (await anonymous.GetAsync($"/api/programme/public/sites/{a.Site}?from=2027-06-01&days=60").ShouldHaveStatus(HttpStatusCode.OK))
            .JsonAsync();
        var dates = programme.GetProperty("dates").EnumerateArray()
            .Select(d => (d.GetProperty("title").GetString(), d.GetProperty("start").GetDateTimeOffset(), d.GetProperty("placesLeft").ValueKind == JsonValueKind.Null
                ? -1 : d.GetProperty("placesLeft").GetInt32())).ToList();
        var first = a.Evening.Dates[0].Start;
        dates.ShouldBe([("Offener Abend", first, 2), ("Flohmarkt im Hof", first.AddDays(4).AddHours(-8), -1), ("Offener Abend", first.AddDays(7), 2),
            ("Offener Abend", first.AddDays(14), 2)]);
        var byOrganisation = await (await anonymous.GetAsync($"/api/programme/public/organisations/{a.Organisation}?from=2027-06-01&days=60")).JsonAsync();
        byOrganisation.GetProperty("dates").GetArrayLength().ShouldBe(4);

        var ical = await (await anonymous.GetAsync($"/api/programme/public/organisations/{a.Organisation}/ical").ShouldHaveStatus(HttpStatusCode.OK))
            .Content.ReadAsStringAsync();
        var calendar = Calendar.Load(ical)!;
        calendar.Events.Select(e => (e.Summary, e.DtStart!.AsUtc)).OrderBy(e => e.AsUtc).ShouldBe(
            dates.Select(d => (d.Item1, d.Item2.UtcDateTime)).OrderBy(d => d.UtcDateTime));
        calendar.Events.Select(e => e.Uid).ShouldContain($"{a.Flea.Id}-{a.Market}@allmende");

        await anonymous.GetAsync($"/api/programme/public/sites/{Guid.NewGuid()}").ShouldHaveStatus(HttpStatusCode.NotFound);
        (await (await anonymous.GetAsync($"/api/programme/public/sites/{a.Site}?days=0")).InvalidFieldsAsync()).ShouldBe(["days"]);
        await anonymous.GetAsync($"/api/programme/offers/{a.Evening.Id}").ShouldHaveStatus(HttpStatusCode.Unauthorized);

        // The German page for anyone: the dates in Berlin time and the sign-up form where it applies.
        var page = await (await anonymous.GetAsync($"/programm/standort/{a.Site}?von=2027-06-01").ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
        page.ShouldContain("Flohmarkt im Hof");
        page.ShouldContain("Ohne Anmeldung, kommen Sie einfach vorbei.");
        page.ShouldContain($"/api/programme/public/sites/{a.Site}/ical");
    }

    [Fact]
    public async Task An_offer_is_published_only_on_the_organisations_own_booking_and_by_those_acting_for_it()
    {
        var a = await AssociationAsync(5);
        using var admin = app.AdminClient();
        var other = await new BookingsWorld(app).OrganisationAsync();
        object Offer(Guid organisationId, Guid? bookingId, Guid? seriesId) =>
            new { organisationId, bookingId, seriesId, kind = "workshop", title = "Werkstatt", capacity = 5, registration = true };
        (await (await admin.SendAsync("POST", "/api/programme/offers", Offer(a.Organisation, a.Market, a.Series))).InvalidFieldsAsync()).ShouldBe(["seriesId"]);
        (await (await admin.SendAsync("POST", "/api/programme/offers", Offer(other, a.Market, null))).InvalidFieldsAsync()).ShouldBe(["bookingId"]);
        (await (await admin.SendAsync("POST", "/api/programme/offers", new { organisationId = a.Organisation, bookingId = a.Market, kind = "party", title = "",
            capacity = 0, registration = true })).InvalidFieldsAsync()).Order().ShouldBe(["capacity", "kind", "title"]);
        using var stranger = await new BookingsWorld(app).MemberOfAsync(other);
        await stranger.SendAsync("POST", "/api/programme/offers", Offer(a.Organisation, a.Market, null)).ShouldHaveStatus(HttpStatusCode.Forbidden);
        await stranger.GetAsync($"/api/programme/offers/{a.Evening.Id}").ShouldHaveStatus(HttpStatusCode.NotFound);
        using var member = await new BookingsWorld(app).MemberOfAsync(a.Organisation);
        await PublishAsync(member, Offer(a.Organisation, a.Market, null));
    }

    [Fact]
    public async Task Sign_ups_stop_at_capacity_even_when_they_race_and_an_erased_one_frees_its_place_and_leaves_no_name_behind()
    {
        var a = await AssociationAsync(9);
        using var anonymous = app.CreateClient();
        var date = a.Evening.Dates[1].BookingId;
        var url = $"/api/programme/public/offers/{a.Evening.Id}/dates/{date}/registrations";

        (await (await anonymous.SendAsync("POST", url, Registration("Lea", email: "keine-adresse", consent: false))).InvalidFieldsAsync()).Order()
            .ShouldBe(["consent", "email"]);
        (await (await anonymous.SendAsync("POST", $"/api/programme/public/offers/{a.Flea.Id}/dates/{a.Market}/registrations", Registration("Lea")))
            .RuleAsync()).ShouldBe("no-registration");
        await anonymous.SendAsync("POST", $"/api/programme/public/offers/{a.Evening.Id}/dates/{a.Market}/registrations", Registration("Lea"))
            .ShouldHaveStatus(HttpStatusCode.NotFound);

        // Six people race for two places: exactly two get one, the others hear it is full.
        var names = Enumerable.Range(1, 6).Select(i => $"Quartiersgast-{Guid.NewGuid():N}"[..24]).ToList();
        var answers = await Task.WhenAll(names.Select(n => anonymous.SendAsync("POST", url, Registration(n, $"{n}@example.org"))));
        answers.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(2);
        foreach (var refused in answers.Where(r => r.StatusCode != HttpStatusCode.Created))
            (refused.StatusCode, await refused.RuleAsync()).ShouldBe((HttpStatusCode.Conflict, "offer-full"));
        var winners = new List<(Guid Id, string Name)>();
        for (var i = 0; i < answers.Length; i++)
        {
            if (answers[i].StatusCode == HttpStatusCode.Created)
                winners.Add(((await answers[i].JsonAsync()).GetProperty("registrationId").GetGuid(), names[i]));
        }

        using var admin = app.AdminClient();
        var listed = (await (await admin.GetAsync($"/api/programme/offers/{a.Evening.Id}/registrations").ShouldHaveStatus(HttpStatusCode.OK)).Content
            .ReadFromJsonAsync<List<RegistrationResponse>>(Web))!;
        listed.Select(r => (r.Id, r.BookingId, r.Name, r.Email, r.Erased)).OrderBy(r => r.Id)
            .ShouldBe(winners.Select(w => (w.Id, date, (string?)w.Name, (string?)$"{w.Name}@example.org", false)).OrderBy(r => r.Id));
        // Sealed: the name is nowhere in the database in plain text, not in the log, not in a read model.
        (await DatabaseScan.HitsAsync(app.DataSource, winners[0].Name)).ShouldBeEmpty();

        var page = await (await anonymous.GetAsync($"/programm/organisation/{a.Organisation}?von=2027-06-01")).Content.ReadAsStringAsync();
        page.ShouldContain("Ausgebucht.");

        var erased = (await (await admin.SendAsync("POST", $"/api/programme/offers/{a.Evening.Id}/registrations/{winners[0].Id}/erasure")
            .ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadFromJsonAsync<RegistrationResponse>(Web))!;
        (erased.Id, erased.Name, erased.Email, erased.Erased).ShouldBe((winners[0].Id, (string?)null, (string?)null, true));
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.registration_keys where registration_id = $1", winners[0].Id))
            .ShouldBe(0);
        (await (await admin.SendAsync("POST", $"/api/programme/offers/{a.Evening.Id}/registrations/{winners[0].Id}/erasure")).RuleAsync())
            .ShouldBe("registration-erased");
        var again = await anonymous.SendAsync("POST", url, Registration("Nachrücker")).ShouldHaveStatus(HttpStatusCode.Created);
        (await again.JsonAsync()).GetProperty("placesLeft").GetInt32().ShouldBe(0);
        (await anonymous.SendAsync("POST", url, Registration("Zu spät"))).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }
}
