using System.Net;
using System.Text.Json;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Membership;
using Allmende.Tests.Spaces;

namespace Allmende.Tests.Bookings;

/// <summary>
/// Sites, spaces and organisations made through the real API for Bookings' tests, and the wait until
/// Bookings has heard of them (its copies come through the outbox, milliseconds later).
/// </summary>
internal sealed class BookingsWorld(AllmendeApp app)
{
    public static readonly object[] AlwaysOpen =
        [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }.Select(d => new { day = d, opens = "00:00", closes = "24:00" })];

    public static readonly object[] WeekdaysNineToFive =
        [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday" }.Select(d => new { day = d, opens = "09:00", closes = "17:00" })];

    public async Task<Guid> SiteAsync(object[]? hours = null)
    {
        using var admin = app.AdminClient();
        var response = await admin.SendAsync("POST", "/api/sites", new
        {
            name = $"Stadtteilhaus {Guid.NewGuid():N}"[..24],
            address = new { street = "Werkstattweg 3", postalCode = "04277", city = "Leipzig" },
            openingHours = hours ?? AlwaysOpen,
        }).ShouldHaveStatus(HttpStatusCode.Created);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    public async Task<Guid> SpaceAsync(Guid siteId, string kind = "room", int capacity = 20, int? places = null, object? rules = null)
    {
        using var admin = app.AdminClient();
        var response = await admin.SendAsync("POST", "/api/spaces", new
        {
            siteId,
            name = $"{kind} {Guid.NewGuid():N}"[..20],
            kind,
            capacity,
            places,
            rules,
        }).ShouldHaveStatus(HttpStatusCode.Created);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    /// <summary>An active organisation (registered and activated).</summary>
    public async Task<Guid> OrganisationAsync(string kind = "association")
    {
        using var admin = app.AdminClient();
        var (organisation, etag) = await OrganisationApiTests.RegisterAsync(admin, new { Name = $"Initiative {Guid.NewGuid():N}"[..22], Kind = kind, NonProfit = true });
        await OrganisationApiTests.PostAsync(admin, $"/api/organisations/{organisation.Id}/activate", null, etag);
        return organisation.Id;
    }

    /// <summary>A member's client acting for the organisation, once access knows it.</summary>
    public async Task<HttpClient> MemberOfAsync(Guid organisationId)
    {
        using var admin = app.AdminClient();
        var (person, etag) = await PeopleApiTests.RegisterAsync(admin, "Jonas Ehrenamt", $"jonas.{Guid.NewGuid():N}@example.org");
        await PeopleApiTests.SendAsync(admin, HttpMethod.Post, $"/api/people/{person.Id}/organisations", new { OrganisationId = organisationId, Role = "member" }, etag);
        var member = await app.ClientAsync(Allmende.Eventing.Api.Roles.Member, personId: person.Id);
        await Eventually.ReachedAsync(async () => (await member.GetAsync($"/api/organisations/{organisationId}")).StatusCode == HttpStatusCode.OK,
            "the member's organisation reaches access");
        return member;
    }

    /// <summary>Waits until Bookings' copies hold the space, its site and the organisation as active.</summary>
    public Task KnownAsync(Guid spaceId, Guid organisationId) =>
        Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString, """
            select (select count(*) from bookings.spaces s join bookings.sites using (site_id) where s.space_id = $1)
                 + (select count(*) from bookings.organisations where organisation_id = $2 and status = 'active' and kind is not null)
            """, spaceId, organisationId) == 2, "Bookings knows the space, its site and the organisation");

    public async Task<(Guid SpaceId, Guid OrganisationId)> RoomAsync(string kind = "room", int capacity = 20, int? places = null, object? rules = null,
        object[]? hours = null)
    {
        var site = await SiteAsync(hours);
        var space = await SpaceAsync(site, kind, capacity, places, rules);
        var organisation = await OrganisationAsync();
        await KnownAsync(space, organisation);
        return (space, organisation);
    }

    public static object Booking(Guid spaceId, Guid organisationId, DateTimeOffset start, DateTimeOffset end, int attendees = 8,
        string actionField = "neighbourhood-culture") => new
        {
            spaceId,
            organisationId,
            start,
            end,
            attendees,
            purpose = "Nachbarschaftscafé",
            actionField,
        };

    public static Task<HttpResponseMessage> BookAsync(HttpClient client, Guid spaceId, Guid organisationId, DateTimeOffset start, DateTimeOffset end,
        int attendees = 8) =>
        client.SendAsync("POST", "/api/bookings", Booking(spaceId, organisationId, start, end, attendees));

    /// <summary>A whole-hour instant in 2027 (the clock of these tests is real), distinct per call so tests never share a slot by accident.</summary>
    public static DateTimeOffset FutureHour(int day) => new DateTimeOffset(2027, 6, 1, 8, 0, 0, TimeSpan.Zero).AddDays(day);

    public static async Task<JsonElement> BodyAsync(HttpResponseMessage response) => await response.JsonAsync();
}
