using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Allmende.Spaces.Contracts;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Spaces;

/// <summary>Sites over HTTP on a real database, with the neighbourhood association's addresses as data.</summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class SitesApiTests(AllmendeApp app)
{
    private static readonly object[] WeekdaysEightToEight =
        [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }.Select(d => new { day = d, opens = "08:00", closes = "20:00" })];

    /// <summary>The association's building used only from 1 Aug 2019 to 31 Jul 2020.</summary>
    private static object InterimBuilding(string name) => new
    {
        name,
        address = new { street = "Am Markt 3", postalCode = "04109", city = "Leipzig" },
        floors = new[] { "Erdgeschoss", "1. OG" },
        openingHours = WeekdaysEightToEight,
        lease = new { from = "2019-08-01", until = "2020-07-31" },
    };

    private static object House(string name, string street = "Lindenstraße 12") => new
    {
        name,
        address = new { street, postalCode = "10969", city = "Berlin" },
    };

    private async Task<(Guid Id, string ETag, JsonElement Body)> RegisterAsync(object request)
    {
        using var admin = app.AdminClient();
        var response = await admin.SendAsync("POST", "/api/sites", request).ShouldHaveStatus(HttpStatusCode.Created);
        var body = await response.JsonAsync();
        return (body.GetProperty("id").GetGuid(), response.ETag(), body);
    }

    [Fact]
    public async Task Registering_a_site_answers_201_with_its_location_etag_and_everything_it_was_given()
    {
        using var admin = app.AdminClient();

        var response = await admin.SendAsync("POST", "/api/sites", InterimBuilding("Interimsbau Am Markt")).ShouldHaveStatus(HttpStatusCode.Created);

        var body = await response.JsonAsync();
        var id = body.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/api/sites/{id}");
        response.ETag().ShouldBe("\"5\""); // registered, two floors, opening hours, lease
        body.GetProperty("timeZone").GetString().ShouldBe("Europe/Berlin");
        body.GetProperty("floors").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ShouldBe(["Erdgeschoss", "1. OG"]);
        body.GetProperty("openingHours").GetArrayLength().ShouldBe(5);
        body.GetProperty("lease").GetProperty("from").GetString().ShouldBe("2019-08-01");

        var read = await admin.SendAsync("GET", $"/api/sites/{id}").ShouldHaveStatus(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"5\"");
        (await read.Content.ReadAsStringAsync()).ShouldBe(body.GetRawText());
    }

    [Fact]
    public async Task Registering_publishes_the_whole_site_in_the_same_unit_of_work()
    {
        var (id, _, body) = await RegisterAsync(InterimBuilding("Interimsbau Outbox"));

        var published = await app.PublishedAsync<SiteRegistered>("spaces.site-registered", "siteId", id);

        published.ShouldBeContract(new SiteRegistered(
            id,
            "Interimsbau Outbox",
            new SiteAddress("Am Markt 3", "04109", "Leipzig"),
            "Europe/Berlin",
            [.. body.GetProperty("floors").EnumerateArray().Select(f => new SiteFloor(f.GetProperty("id").GetGuid(), f.GetProperty("name").GetString()!))],
            [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
                .Select(d => new OpeningInterval(d, new TimeOnly(8, 0), new TimeOnly(20, 0)))],
            new SiteLease(new DateOnly(2019, 8, 1), new DateOnly(2020, 7, 31),
                new DateTimeOffset(2019, 7, 31, 22, 0, 0, TimeSpan.Zero), new DateTimeOffset(2020, 7, 31, 22, 0, 0, TimeSpan.Zero))));
    }

    [Theory]
    [InlineData("9999-12-31", "lease.until")]
    [InlineData("0001-01-01", "lease.from")]
    public async Task Dates_beyond_the_supported_range_are_a_400_naming_the_field(string date, string field)
    {
        using var client = app.AdminClient();
        var response = await client.PostAsJsonAsync("/api/sites", new
        {
            name = "Edge",
            address = new { street = "Randweg 1", postalCode = "12345", city = "Musterstadt" },
            lease = field == "lease.until" ? new { from = (string?)"2019-08-01", until = (string?)date } : new { from = (string?)date, until = (string?)null },
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name).ShouldContain(field);
    }

    [Fact]
    public async Task An_invalid_site_is_refused_with_400_naming_each_field()
    {
        using var admin = app.AdminClient();

        var response = await admin.SendAsync("POST", "/api/sites", new
        {
            name = "",
            address = new { street = "Lindenstraße 12", postalCode = "10969" },
            floors = new[] { "Keller", "keller" },
            openingHours = new object[]
            {
                new { day = "montag", opens = "08:00", closes = "20:00" },
                new { day = "tuesday", opens = "8 Uhr", closes = "20:00" },
                new { day = "wednesday", opens = "20:00", closes = "08:00" },
            },
            lease = new { from = "2020-07-31", until = "2019-08-01" },
        });

        (await response.InvalidFieldsAsync()).Order().ShouldBe(
            ["address.city", "floors", "lease.until", "name", "openingHours[0].day", "openingHours[1].opens", "openingHours[2].closes"]);
    }

    [Fact]
    public async Task Opening_intervals_that_overlap_on_one_day_are_refused_with_400()
    {
        using var admin = app.AdminClient();

        var (id, etag, _) = await RegisterAsync(House("Überlappend"));
        var overlapping = await admin.SendAsync("PUT", $"/api/sites/{id}/opening-hours", new
        {
            openingHours = new object[]
            {
                new { day = "monday", opens = "08:00", closes = "12:00" },
                new { day = "monday", opens = "11:00", closes = "14:00" },
            },
        }, etag);

        (await overlapping.InvalidFieldsAsync()).ShouldBe(["openingHours"]);
    }

    [Fact]
    public async Task Opening_hours_are_set_with_if_match_and_may_run_to_24_00_with_several_intervals_a_day()
    {
        using var admin = app.AdminClient();
        var (id, etag, _) = await RegisterAsync(House("Nachbarschaftshaus Stunden"));

        var response = await admin.SendAsync("PUT", $"/api/sites/{id}/opening-hours", new
        {
            openingHours = new object[]
            {
                new { day = "saturday", opens = "18:00", closes = "24:00" },
                new { day = "monday", opens = "14:00", closes = "20:00" },
                new { day = "monday", opens = "08:00", closes = "12:00" },
            },
        }, etag).ShouldHaveStatus(HttpStatusCode.OK);

        response.ETag().ShouldBe("\"2\"");
        var hours = (await response.JsonAsync()).GetProperty("openingHours").EnumerateArray()
            .Select(h => $"{h.GetProperty("day").GetString()} {h.GetProperty("opens").GetString()}-{h.GetProperty("closes").GetString()}");
        hours.ShouldBe(["monday 08:00-12:00", "monday 14:00-20:00", "saturday 18:00-24:00"]);
        var published = await app.PublishedAsync<SiteHoursChanged>("spaces.site-hours-changed", "siteId", id);
        published.ShouldBeContract(new SiteHoursChanged(id, "Europe/Berlin",
        [
            new OpeningInterval(DayOfWeek.Monday, new TimeOnly(8, 0), new TimeOnly(12, 0)),
            new OpeningInterval(DayOfWeek.Monday, new TimeOnly(14, 0), new TimeOnly(20, 0)),
            new OpeningInterval(DayOfWeek.Saturday, new TimeOnly(18, 0), TimeOnly.MinValue),
        ]));
    }

    [Fact]
    public async Task Updating_a_site_needs_the_current_etag_in_if_match()
    {
        using var admin = app.AdminClient();
        var (id, etag, _) = await RegisterAsync(House("Werkstatt Hinterhof", "Gneisenaustraße 4"));
        var change = new { name = "Werkstatt im Hof", address = new { street = "Gneisenaustraße 4a", postalCode = "10961", city = "Berlin" } };

        (await admin.SendAsync("PUT", $"/api/sites/{id}", change)).StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        var changed = await admin.SendAsync("PUT", $"/api/sites/{id}", change, etag).ShouldHaveStatus(HttpStatusCode.OK);
        changed.ETag().ShouldBe("\"3\""); // renamed, moved
        (await changed.JsonAsync()).GetProperty("name").GetString().ShouldBe("Werkstatt im Hof");
        var stale = await admin.SendAsync("PUT", $"/api/sites/{id}", change, etag);
        stale.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.SendAsync("PUT", $"/api/sites/{Guid.NewGuid()}", change, "\"1\"")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.SendAsync("GET", $"/api/sites/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.SendAsync("PUT", $"/api/sites/{id}", change, "\"3\"")).ETag().ShouldBe("\"3\""); // nothing to change, nothing written
        (await app.PublishedAsync<SiteChanged>("spaces.site-changed", "siteId", id)).ShouldBeContract(
            new SiteChanged(id, "Werkstatt im Hof", new SiteAddress("Gneisenaustraße 4a", "10961", "Berlin"), []));
    }

    [Fact]
    public async Task Floors_are_added_and_renamed_but_never_removed()
    {
        using var admin = app.AdminClient();
        var (id, etag, body) = await RegisterAsync(new
        {
            name = "Genossenschaftshaus Kanalstraße",
            address = new { street = "Kanalstraße 5", postalCode = "20095", city = "Hamburg" },
            floors = new[] { "Erdgeschoss", "3. OG" },
        });
        var floors = body.GetProperty("floors").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).ToList();
        var address = new { street = "Kanalstraße 5", postalCode = "20095", city = "Hamburg" };

        var changed = await admin.SendAsync("PUT", $"/api/sites/{id}", new
        {
            name = "Genossenschaftshaus Kanalstraße",
            address,
            floors = new object[] { new { id = floors[0], name = "Erdgeschoss" }, new { id = floors[1], name = "Engagement-Etage" }, new { name = "Dach" } },
        }, etag).ShouldHaveStatus(HttpStatusCode.OK);

        (await changed.JsonAsync()).GetProperty("floors").EnumerateArray().Select(f => f.GetProperty("name").GetString())
            .ShouldBe(["Erdgeschoss", "Engagement-Etage", "Dach"]);
        var removing = await admin.SendAsync("PUT", $"/api/sites/{id}", new { name = "Genossenschaftshaus Kanalstraße", address, floors = Array.Empty<object>() },
            changed.ETag());
        (await removing.RuleAsync()).ShouldBe("floor-cannot-be-removed");
        var unknown = await admin.SendAsync("PUT", $"/api/sites/{id}", new
        {
            name = "Genossenschaftshaus Kanalstraße",
            address,
            floors = new object[] { new { id = Guid.NewGuid(), name = "Phantom" } },
        }, changed.ETag());
        (await unknown.InvalidFieldsAsync()).ShouldBe(["floors[0].id"]);
    }

    [Fact]
    public async Task Closures_are_added_read_and_removed_and_published_with_their_instants()
    {
        using var admin = app.AdminClient();
        var (id, etag, _) = await RegisterAsync(House("Haus mit Sommerpause"));

        var added = await admin.SendAsync("POST", $"/api/sites/{id}/closures",
            new { firstDay = "2026-07-20", lastDay = "2026-08-07", reason = "Sommerpause" }, etag).ShouldHaveStatus(HttpStatusCode.Created);
        var closure = await added.JsonAsync();
        var closureId = closure.GetProperty("id").GetGuid();
        added.Headers.Location!.ToString().ShouldBe($"/api/sites/{id}/closures/{closureId}");
        added.ETag().ShouldBe("\"2\"");
        closure.GetProperty("from").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2026, 7, 19, 22, 0, 0, TimeSpan.Zero));

        var renovation = await admin.SendAsync("POST", $"/api/sites/{id}/closures",
            new { from = "2026-11-02T07:00:00Z", to = "2026-11-20T16:00:00Z", reason = "Renovierung Heizung" }, added.ETag())
            .ShouldHaveStatus(HttpStatusCode.Created);
        (await admin.SendAsync("GET", $"/api/sites/{id}/closures/{closureId}").ShouldHaveStatus(HttpStatusCode.OK)).ETag().ShouldBe("\"3\"");
        (await (await admin.SendAsync("GET", $"/api/sites/{id}")).JsonAsync()).GetProperty("closures").GetArrayLength().ShouldBe(2);

        (await admin.SendAsync("DELETE", $"/api/sites/{id}/closures/{closureId}")).StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        var removed = await admin.SendAsync("DELETE", $"/api/sites/{id}/closures/{closureId}", ifMatch: renovation.ETag())
            .ShouldHaveStatus(HttpStatusCode.NoContent);
        removed.ETag().ShouldBe("\"4\"");
        (await admin.SendAsync("DELETE", $"/api/sites/{id}/closures/{closureId}", ifMatch: "\"4\"")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.SendAsync("GET", $"/api/sites/{id}/closures/{closureId}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var summer = new SiteClosureAdded(id, closureId, new DateTimeOffset(2026, 7, 19, 22, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 8, 7, 22, 0, 0, TimeSpan.Zero), new DateOnly(2026, 7, 20), new DateOnly(2026, 8, 7), "Sommerpause");
        var outbox = await app.OutboxAsync("siteId", id);
        outbox.Select(r => r.Type).ShouldBe(["spaces.site-registered", "spaces.site-closure-added", "spaces.site-closure-added", "spaces.site-closure-removed"]);
        (await app.PublishedAsync<SiteClosureRemoved>("spaces.site-closure-removed", "siteId", id)).ShouldBeContract(
            new SiteClosureRemoved(id, closureId, summer.From, summer.To, summer.FirstDay, summer.LastDay, summer.Reason));
        (await app.AllPublishedAsync<SiteClosureAdded>("spaces.site-closure-added", "siteId", id))
            .Where(c => c.ClosureId == closureId).ShouldBeContracts(summer);
    }

    [Fact]
    public async Task A_closure_ending_before_it_starts_is_refused_with_400()
    {
        using var admin = app.AdminClient();
        var (id, etag, _) = await RegisterAsync(House("Haus verkehrt herum"));

        (await (await admin.SendAsync("POST", $"/api/sites/{id}/closures", new { firstDay = "2026-12-27", lastDay = "2026-12-24", reason = "Weihnachten" }, etag))
            .InvalidFieldsAsync()).ShouldBe(["lastDay"]);
        (await (await admin.SendAsync("POST", $"/api/sites/{id}/closures", new { from = "2026-11-20T16:00:00Z", to = "2026-11-02T07:00:00Z", reason = "x" }, etag))
            .InvalidFieldsAsync()).ShouldBe(["to"]);
        (await (await admin.SendAsync("POST", $"/api/sites/{id}/closures", new { firstDay = "2026-12-24", lastDay = "2026-12-26", from = "2026-11-20T16:00:00Z", reason = "" }, etag))
            .InvalidFieldsAsync()).Order().ShouldBe(["from", "reason"]);
        (await (await admin.SendAsync("POST", $"/api/sites/{id}/closures", new { reason = "wann?" }, etag))
            .InvalidFieldsAsync()).Order().ShouldBe(["from", "to"]);
    }

    [Fact]
    public async Task The_lease_is_set_cleared_and_published()
    {
        using var admin = app.AdminClient();
        var (id, etag, _) = await RegisterAsync(House("Ladenlokal Passage"));

        var set = await admin.SendAsync("PUT", $"/api/sites/{id}/lease", new { from = "2026-01-01", until = "2026-12-31" }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        (await set.JsonAsync()).GetProperty("lease").GetProperty("until").GetString().ShouldBe("2026-12-31");
        (await (await admin.SendAsync("PUT", $"/api/sites/{id}/lease", new { from = "2026-12-31", until = "2026-01-01" }, set.ETag())).InvalidFieldsAsync())
            .ShouldBe(["until"]);
        var cleared = await admin.SendAsync("PUT", $"/api/sites/{id}/lease", new { }, set.ETag()).ShouldHaveStatus(HttpStatusCode.OK);
        (await cleared.JsonAsync()).GetProperty("lease").ValueKind.ShouldBe(JsonValueKind.Null);

        (await app.AllPublishedAsync<SiteLeaseChanged>("spaces.site-lease-changed", "siteId", id)).ShouldBeContracts(
            new SiteLeaseChanged(id, new SiteLease(new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31),
                new DateTimeOffset(2025, 12, 31, 23, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 31, 23, 0, 0, TimeSpan.Zero))),
            new SiteLeaseChanged(id, null));
    }

    [Fact]
    public async Task Sites_are_listed_by_name_in_pages_and_filtered_by_name_and_active_date()
    {
        using var admin = app.AdminClient();
        var marker = $"Liste{Guid.NewGuid():N}"[..12];
        await RegisterAsync(House($"{marker} Nachbarschaftshaus"));
        await RegisterAsync(House($"{marker} Werkstatt", "Gneisenaustraße 4"));
        await RegisterAsync(House($"{marker} Ladenlokal Passage", "Passage 7"));
        await RegisterAsync(InterimBuilding($"{marker} Interimsbau"));

        var first = await (await admin.SendAsync("GET", $"/api/sites?name={marker.ToUpperInvariant()}&limit=3").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
        first.GetProperty("total").GetInt64().ShouldBe(4);
        first.GetProperty("limit").GetInt32().ShouldBe(3);
        first.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString())
            .ShouldBe([$"{marker} Interimsbau", $"{marker} Ladenlokal Passage", $"{marker} Nachbarschaftshaus"]);
        var second = await (await admin.SendAsync("GET", $"/api/sites?name={marker}&offset=3&limit=3")).JsonAsync();
        second.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldBe([$"{marker} Werkstatt"]);
        var beyond = await (await admin.SendAsync("GET", $"/api/sites?name={marker}&offset=10")).JsonAsync();
        beyond.GetProperty("items").GetArrayLength().ShouldBe(0);
        beyond.GetProperty("total").GetInt64().ShouldBe(4);

        var in2020 = await (await admin.SendAsync("GET", $"/api/sites?name={marker}&activeOn=2020-01-15")).JsonAsync();
        in2020.GetProperty("total").GetInt64().ShouldBe(4);
        var in2021 = await (await admin.SendAsync("GET", $"/api/sites?name={marker}&activeOn=2021-01-15")).JsonAsync();
        in2021.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ShouldNotContain($"{marker} Interimsbau");
        in2021.GetProperty("total").GetInt64().ShouldBe(3);
        var interim = in2020.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("name").GetString() == $"{marker} Interimsbau");
        interim.GetProperty("lease").GetProperty("until").GetString().ShouldBe("2020-07-31");
        interim.GetProperty("version").GetInt64().ShouldBe(5);

        (await (await admin.SendAsync("GET", "/api/sites?limit=0")).InvalidFieldsAsync()).ShouldBe(["limit"]);
        (await (await admin.SendAsync("GET", "/api/sites?limit=viele")).InvalidFieldsAsync()).ShouldBe(["limit"]);
        (await (await admin.SendAsync("GET", "/api/sites?activeOn=15.01.2020")).InvalidFieldsAsync()).ShouldBe(["activeOn"]);
    }
}
