using System.Net;
using System.Text.Json;
using Allmende.Spaces.Common;
using Allmende.Spaces.Contracts;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Spaces;

/// <summary>
/// Spaces over HTTP on a real database: the cooperative house's engagement floor (50 flexible desk
/// places, group rooms), the association's rooms, kitchen and workshop, and a rural coworking site.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class SpacesApiTests(AllmendeApp app)
{
    private static DateOnly Today => Berlin.DateOf(DateTimeOffset.UtcNow);

    private async Task<(Guid SiteId, Guid FloorId)> CoopHouseAsync(string name = "Genossenschaftshaus Kanalstraße")
    {
        using var admin = app.AdminClient();
        var response = await admin.SendAsync("POST", "/api/sites", new
        {
            name,
            address = new { street = "Kanalstraße 5", postalCode = "20095", city = "Hamburg" },
            floors = new[] { "Engagement-Etage" },
        }).ShouldHaveStatus(HttpStatusCode.Created);
        var body = await response.JsonAsync();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("floors")[0].GetProperty("id").GetGuid());
    }

    private static object DeskArea(Guid siteId, Guid floorId) => new
    {
        siteId,
        floorId,
        name = "Flexible Arbeitsplätze Engagement-Etage",
        kind = "flexible-desk-area",
        capacity = 50,
        places = 50,
        accessibility = new[] { "step-free-access", "lift", "accessible-toilet" },
        equipment = new[] { "WLAN", "Drucker", "Schließfächer" },
        rates = new { hourlyRateCents = 0, monthlyDeskFeeCents = 9_500 },
        rules = new { minDurationMinutes = 60, organisationKinds = new[] { "initiative", "association", "social-enterprise" } },
    };

    private static object GroupRoom(Guid siteId, Guid? floorId, string name, int capacity, string kind = "room", string[]? accessibility = null) => new
    {
        siteId,
        floorId,
        name,
        kind,
        capacity,
        accessibility = accessibility ?? [],
        equipment = new[] { "Flipchart" },
        rates = new { hourlyRateCents = 1_500, monthlyDeskFeeCents = 0 },
    };

    private async Task<(Guid Id, string ETag, JsonElement Body)> OpenAsync(object request)
    {
        using var admin = app.AdminClient();
        var response = await admin.SendAsync("POST", "/api/spaces", request).ShouldHaveStatus(HttpStatusCode.Created);
        var body = await response.JsonAsync();
        return (body.GetProperty("id").GetGuid(), response.ETag(), body);
    }

    [Fact]
    public async Task Opening_the_engagement_floors_desk_area_answers_201_and_publishes_space_opened()
    {
        var (siteId, floorId) = await CoopHouseAsync();
        using var admin = app.AdminClient();

        var response = await admin.SendAsync("POST", "/api/spaces", DeskArea(siteId, floorId)).ShouldHaveStatus(HttpStatusCode.Created);

        var body = await response.JsonAsync();
        var id = body.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/api/spaces/{id}");
        response.ETag().ShouldBe("\"1\"");
        body.GetProperty("places").GetInt32().ShouldBe(50);
        body.GetProperty("bookable").GetBoolean().ShouldBeTrue();
        body.GetProperty("currentRates").GetProperty("monthlyDeskFeeCents").GetInt64().ShouldBe(9_500);
        var read = await admin.SendAsync("GET", $"/api/spaces/{id}").ShouldHaveStatus(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"1\"");
        (await read.Content.ReadAsStringAsync()).ShouldBe(body.GetRawText());

        (await app.PublishedAsync<SpaceOpened>("spaces.space-opened", "spaceId", id)).ShouldBeContract(new SpaceOpened(
            id, siteId, floorId, "Flexible Arbeitsplätze Engagement-Etage", "flexible-desk-area", true, 50, 50,
            ["step-free-access", "lift", "accessible-toilet"], ["WLAN", "Drucker", "Schließfächer"],
            [new SpaceRate(0, 9_500, Today)],
            new SpaceBookingRules(60, null, 0, false, ["initiative", "association", "social-enterprise"])));
    }

    [Fact]
    public async Task An_invalid_space_is_refused_with_400_naming_each_field()
    {
        var (siteId, _) = await CoopHouseAsync("Haus für ungültige Räume");
        using var admin = app.AdminClient();

        var response = await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId,
            name = "",
            kind = "flexible-desk-area",
            capacity = 0,
            accessibility = new[] { "rollstuhlgerecht" },
            equipment = new[] { "" },
            rates = new { hourlyRateCents = -1, monthlyDeskFeeCents = 0 },
            rules = new { minDurationMinutes = 120, maxDurationMinutes = 60, organisationKinds = new[] { "verein" } },
        });

        (await response.InvalidFieldsAsync()).Order().ShouldBe([
            "accessibility[0]", "capacity", "equipment[0]", "name", "places", "rates.hourlyRateCents",
            "rules.maxDurationMinutes", "rules.organisationKinds[0]"]);
        (await (await admin.SendAsync("POST", "/api/spaces", new { siteId, name = "Büro", kind = "büro", capacity = 2 })).InvalidFieldsAsync())
            .ShouldBe(["kind"]);
        (await (await admin.SendAsync("POST", "/api/spaces", new { siteId, name = "Raum", kind = "room", capacity = 8, places = 8 })).InvalidFieldsAsync())
            .ShouldBe(["places"]);
        (await (await admin.SendAsync("POST", "/api/spaces", GroupRoom(Guid.NewGuid(), null, "Nirgendwo", 8))).InvalidFieldsAsync())
            .ShouldBe(["siteId"]);
        (await (await admin.SendAsync("POST", "/api/spaces", GroupRoom(siteId, Guid.NewGuid(), "Schwebend", 8))).InvalidFieldsAsync())
            .ShouldBe(["floorId"]);
    }

    [Fact]
    public async Task Details_are_changed_with_if_match_and_published_in_full()
    {
        var (siteId, floorId) = await CoopHouseAsync();
        var (id, etag, _) = await OpenAsync(GroupRoom(siteId, floorId, "Gruppenraum 1", 12));
        using var admin = app.AdminClient();
        var change = new
        {
            floorId,
            name = "Gruppenraum Süd",
            kind = "room",
            capacity = 16,
            accessibility = new[] { "hearing-loop", "step-free-access" },
            equipment = new[] { "Flipchart", "Beamer" },
        };

        (await admin.SendAsync("PUT", $"/api/spaces/{id}", change)).StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        var changed = await admin.SendAsync("PUT", $"/api/spaces/{id}", change, etag).ShouldHaveStatus(HttpStatusCode.OK);
        changed.ETag().ShouldBe("\"2\"");
        (await changed.JsonAsync()).GetProperty("accessibility").EnumerateArray().Select(a => a.GetString()).ShouldBe(["step-free-access", "hearing-loop"]);
        (await admin.SendAsync("PUT", $"/api/spaces/{id}", change, etag)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.SendAsync("PUT", $"/api/spaces/{Guid.NewGuid()}", change, "\"1\"")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.SendAsync("GET", $"/api/spaces/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await (await admin.SendAsync("PUT", $"/api/spaces/{id}", change with { capacity = -3 }, "\"2\"")).InvalidFieldsAsync()).ShouldBe(["capacity"]);

        (await app.PublishedAsync<SpaceChanged>("spaces.space-changed", "spaceId", id)).ShouldBeContract(new SpaceChanged(
            id, siteId, floorId, "Gruppenraum Süd", "room", true, 16, null, ["step-free-access", "hearing-loop"], ["Flipchart", "Beamer"],
            [new SpaceRate(1_500, 0, Today)], new SpaceBookingRules(null, null, 0, false,
                ["initiative", "association", "social-enterprise", "cooperative", "company", "public-body"])));
    }

    [Fact]
    public async Task Rates_change_from_a_day_on_never_for_the_past_and_are_published_with_that_day()
    {
        var (siteId, floorId) = await CoopHouseAsync();
        var (id, etag, _) = await OpenAsync(DeskArea(siteId, floorId));
        using var admin = app.AdminClient();
        var from = Today.AddDays(30);

        var changed = await admin.SendAsync("PUT", $"/api/spaces/{id}/rates", new { hourlyRateCents = 0, monthlyDeskFeeCents = 11_000, effectiveFrom = from }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        var body = await changed.JsonAsync();
        body.GetProperty("currentRates").GetProperty("monthlyDeskFeeCents").GetInt64().ShouldBe(9_500);
        body.GetProperty("rates").GetArrayLength().ShouldBe(2);
        var past = await admin.SendAsync("PUT", $"/api/spaces/{id}/rates",
            new { hourlyRateCents = 0, monthlyDeskFeeCents = 1, effectiveFrom = Today.AddDays(-1) }, changed.ETag());
        (await past.RuleAsync()).ShouldBe("rates-not-retroactive");
        (await (await admin.SendAsync("PUT", $"/api/spaces/{id}/rates", new { hourlyRateCents = 0, monthlyDeskFeeCents = -5 }, changed.ETag()))
            .InvalidFieldsAsync()).ShouldBe(["monthlyDeskFeeCents"]);

        (await app.PublishedAsync<SpaceRatesChanged>("spaces.space-rates-changed", "spaceId", id))
            .ShouldBe(new SpaceRatesChanged(id, siteId, 0, 11_000, from));
    }

    [Fact]
    public async Task Rules_are_set_with_if_match_and_published_as_the_whole_space()
    {
        var (siteId, floorId) = await CoopHouseAsync();
        var (id, etag, _) = await OpenAsync(GroupRoom(siteId, floorId, "Versammlungsraum", 80, "event-hall"));
        using var admin = app.AdminClient();

        var changed = await admin.SendAsync("PUT", $"/api/spaces/{id}/rules", new
        {
            minDurationMinutes = 120,
            maxDurationMinutes = 600,
            leadTimeMinutes = 7 * 24 * 60,
            approvalRequired = true,
            organisationKinds = new[] { "public-body", "initiative", "association" },
        }, etag).ShouldHaveStatus(HttpStatusCode.OK);

        changed.ETag().ShouldBe("\"2\"");
        (await (await admin.SendAsync("PUT", $"/api/spaces/{id}/rules", new { organisationKinds = Array.Empty<string>() }, "\"2\"")).InvalidFieldsAsync())
            .ShouldBe(["organisationKinds"]);
        (await app.PublishedAsync<SpaceChanged>("spaces.space-changed", "spaceId", id)).Rules
            .ShouldBeContract(new SpaceBookingRules(120, 600, 10_080, true, ["initiative", "association", "public-body"]));
    }

    [Fact]
    public async Task A_retired_space_refuses_changes_with_409_naming_the_rule_and_stays_readable()
    {
        var (siteId, floorId) = await CoopHouseAsync();
        var (id, etag, _) = await OpenAsync(GroupRoom(siteId, floorId, "Arbeitsgruppenraum", 10));
        using var admin = app.AdminClient();

        (await admin.SendAsync("POST", $"/api/spaces/{id}/retire", new { reason = "Etage umgebaut" })).StatusCode.ShouldBe(HttpStatusCode.PreconditionRequired);
        var retired = await admin.SendAsync("POST", $"/api/spaces/{id}/retire", new { reason = "Etage umgebaut" }, etag).ShouldHaveStatus(HttpStatusCode.OK);
        var body = await retired.JsonAsync();
        body.GetProperty("retired").GetBoolean().ShouldBeTrue();
        body.GetProperty("bookable").GetBoolean().ShouldBeFalse();

        (await (await admin.SendAsync("PUT", $"/api/spaces/{id}/rules", new { approvalRequired = true }, retired.ETag())).RuleAsync()).ShouldBe("space-retired");
        (await (await admin.SendAsync("PUT", $"/api/spaces/{id}/rates", new { hourlyRateCents = 1, monthlyDeskFeeCents = 0 }, retired.ETag())).RuleAsync())
            .ShouldBe("space-retired");
        (await (await admin.SendAsync("PUT", $"/api/spaces/{id}", new { floorId, name = "x", kind = "room", capacity = 2 }, retired.ETag())).RuleAsync())
            .ShouldBe("space-retired");
        (await (await admin.SendAsync("POST", $"/api/spaces/{id}/retire", ifMatch: retired.ETag())).RuleAsync()).ShouldBe("space-retired");
        (await admin.SendAsync("GET", $"/api/spaces/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var published = await app.PublishedAsync<SpaceRetired>("spaces.space-retired", "spaceId", id);
        published.ShouldBe(new SpaceRetired(id, siteId, body.GetProperty("retiredAt").GetDateTimeOffset(), "Etage umgebaut"));
        (await app.OutboxAsync("spaceId", id)).Select(r => r.Type).ShouldBe(["spaces.space-opened", "spaces.space-retired"]);
    }

    [Fact]
    public async Task Spaces_are_listed_in_pages_and_filtered_by_site_kind_capacity_accessibility_and_bookability()
    {
        using var admin = app.AdminClient();
        // The neighbourhood association's house: rooms on several floors, a kitchen, toilets.
        var house = await (await admin.SendAsync("POST", "/api/sites", new
        {
            name = "Nachbarschaftshaus Lindenstraße",
            address = new { street = "Lindenstraße 12", postalCode = "10969", city = "Berlin" },
            floors = new[] { "Erdgeschoss", "1. OG", "Keller" },
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var siteId = house.GetProperty("id").GetGuid();
        var floors = house.GetProperty("floors").EnumerateArray().Select(f => f.GetProperty("id").GetGuid()).ToList();
        string[] stepFree = ["step-free-access", "accessible-toilet"];
        await OpenAsync(GroupRoom(siteId, floors[1], "Seminarraum", 24, accessibility: ["lift", "step-free-access", "hearing-loop"]));
        await OpenAsync(GroupRoom(siteId, floors[0], "Bewegungs- und Begegnungsraum", 30, accessibility: stepFree));
        await OpenAsync(GroupRoom(siteId, floors[1], "Coaching- und Ruheraum", 4));
        await OpenAsync(GroupRoom(siteId, floors[1], "Kreativraum", 8));
        await OpenAsync(GroupRoom(siteId, floors[0], "Coworking", 8, accessibility: stepFree));
        await OpenAsync(GroupRoom(siteId, floors[2], "Content-Creation-Raum", 3));
        await OpenAsync(GroupRoom(siteId, floors[0], "Küche", 6, "not-bookable", stepFree));
        await OpenAsync(GroupRoom(siteId, floors[0], "Toiletten", 0, "not-bookable", stepFree));
        var (office, officeETag, _) = await OpenAsync(GroupRoom(siteId, floors[1], "Büro für Gründer*innen", 2, "fixed-desk"));
        await admin.SendAsync("POST", $"/api/spaces/{office}/retire", new { reason = "Pilot beendet" }, officeETag).ShouldHaveStatus(HttpStatusCode.OK);

        async Task<(long Total, string[] Names)> ListAsync(string query)
        {
            var page = await (await admin.SendAsync("GET", $"/api/spaces?siteId={siteId}&{query}").ShouldHaveStatus(HttpStatusCode.OK)).JsonAsync();
            return (page.GetProperty("total").GetInt64(), [.. page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)]);
        }

        var first = await ListAsync("limit=3");
        first.Total.ShouldBe(8);
        first.Names.ShouldBe(["Bewegungs- und Begegnungsraum", "Coaching- und Ruheraum", "Content-Creation-Raum"]);
        var last = await ListAsync("offset=6&limit=3");
        last.Total.ShouldBe(8);
        last.Names.ShouldBe(["Seminarraum", "Toiletten"]);
        (await ListAsync("includeRetired=true")).Total.ShouldBe(9);
        (await ListAsync("bookable=true")).Names.ShouldBe(["Bewegungs- und Begegnungsraum", "Coaching- und Ruheraum", "Content-Creation-Raum", "Coworking", "Kreativraum", "Seminarraum"]);
        (await ListAsync("bookable=false")).Names.ShouldBe(["Küche", "Toiletten"]);
        (await ListAsync("bookable=false&includeRetired=true")).Names.ShouldBe(["Büro für Gründer*innen", "Küche", "Toiletten"]);
        (await ListAsync("kind=not-bookable")).Names.ShouldBe(["Küche", "Toiletten"]);
        (await ListAsync("minCapacity=10")).Names.ShouldBe(["Bewegungs- und Begegnungsraum", "Seminarraum"]);
        (await ListAsync("accessibility=step-free-access&bookable=true")).Names.ShouldBe(["Bewegungs- und Begegnungsraum", "Coworking", "Seminarraum"]);
        (await ListAsync($"floorId={floors[2]}")).Names.ShouldBe(["Content-Creation-Raum"]);
        (await (await admin.SendAsync("GET", "/api/spaces?kind=büro")).InvalidFieldsAsync()).ShouldBe(["kind"]);
        (await (await admin.SendAsync("GET", "/api/spaces?accessibility=barrierefrei")).InvalidFieldsAsync()).ShouldBe(["accessibility"]);
        (await (await admin.SendAsync("GET", "/api/spaces?offset=-1")).InvalidFieldsAsync()).ShouldBe(["offset"]);
        (await (await admin.SendAsync("GET", "/api/spaces?siteId=lindenstrasse")).InvalidFieldsAsync()).ShouldBe(["siteId"]);
        (await (await admin.SendAsync("GET", "/api/spaces?minCapacity=viele")).InvalidFieldsAsync()).ShouldBe(["minCapacity"]);
        (await (await admin.SendAsync("GET", "/api/spaces?bookable=ja")).InvalidFieldsAsync()).ShouldBe(["bookable"]);

        var seminar = (await (await admin.SendAsync("GET", $"/api/spaces?siteId={siteId}&minCapacity=20&accessibility=hearing-loop")).JsonAsync())
            .GetProperty("items").EnumerateArray().Single();
        seminar.GetProperty("floorId").GetGuid().ShouldBe(floors[1]);
        seminar.GetProperty("accessibility").EnumerateArray().Select(a => a.GetString()).ShouldBe(["step-free-access", "lift", "hearing-loop"]);
        seminar.GetProperty("version").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task The_read_models_rebuilt_from_the_log_hold_the_same_rows()
    {
        var (siteId, floorId) = await CoopHouseAsync("Haus zum Neuaufbau");
        var (id, etag, _) = await OpenAsync(DeskArea(siteId, floorId));
        using var admin = app.AdminClient();
        await admin.SendAsync("PUT", $"/api/spaces/{id}", new { floorId, name = "Engagement-Etage", kind = "flexible-desk-area", capacity = 55, places = 50 }, etag)
            .ShouldHaveStatus(HttpStatusCode.OK);
        await admin.SendAsync("POST", $"/api/spaces/{id}/retire", ifMatch: "\"2\"").ShouldHaveStatus(HttpStatusCode.OK);
        const string rows = """
            select coalesce((select string_agg(s::text, E'\n' order by s::text) from spaces.sites s), '')
                || E'\n' || coalesce((select string_agg(p::text, E'\n' order by p::text) from spaces.spaces p), '')
            """;
        var before = await ScalarTextAsync(rows);

        var projections = app.Services.GetRequiredService<Allmende.Eventing.Projections.ProjectionAdmin>();
        await projections.RebuildAsync("spaces.sites");
        await projections.RebuildAsync("spaces.spaces");

        (await ScalarTextAsync(rows)).ShouldBe(before);
        before.ShouldContain("Engagement-Etage");
    }

    private async Task<string> ScalarTextAsync(string sql)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task The_rural_coworking_site_rents_fixed_desks_to_companies_and_rooms_to_social_organisations()
    {
        using var admin = app.AdminClient();
        var site = await (await admin.SendAsync("POST", "/api/sites", new
        {
            name = "Coworking Landpartie",
            address = new { street = "Dorfstraße 1", postalCode = "17291", city = "Prenzlau" },
            openingHours = new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }.Select(d => new { day = d, opens = "07:00", closes = "19:00" }),
        }).ShouldHaveStatus(HttpStatusCode.Created)).JsonAsync();
        var siteId = site.GetProperty("id").GetGuid();

        var (desk, _, deskBody) = await OpenAsync(new
        {
            siteId,
            name = "Fester Schreibtisch 1",
            kind = "fixed-desk",
            capacity = 1,
            rates = new { hourlyRateCents = 0, monthlyDeskFeeCents = 14_900 },
            rules = new { organisationKinds = new[] { "company", "cooperative" } },
        });
        var (room, _, _) = await OpenAsync(new
        {
            siteId,
            name = "Treffpunkt",
            kind = "room",
            capacity = 12,
            rates = new { hourlyRateCents = 1_000, monthlyDeskFeeCents = 0 },
            rules = new { approvalRequired = true, organisationKinds = new[] { "initiative", "association", "social-enterprise", "public-body" } },
        });

        deskBody.GetProperty("rules").GetProperty("organisationKinds").EnumerateArray().Select(k => k.GetString()).ShouldBe(["cooperative", "company"]);
        (await app.PublishedAsync<SpaceOpened>("spaces.space-opened", "spaceId", room)).Rules.ApprovalRequired.ShouldBeTrue();
        (await app.PublishedAsync<SpaceOpened>("spaces.space-opened", "spaceId", desk)).Rates.Single().MonthlyDeskFeeCents.ShouldBe(14_900);
    }
}
