using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Host;

/// <summary>
/// The input rules of ADR 7, one by one, on the requests the probe of issue 16 found answering 500
/// or taking what they should refuse: each is a 400 problem naming the field, in every module alike.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class InputRulesTests(AllmendeApp app)
{
    private static readonly object Address = new { street = "Ringstraße 9", postalCode = "12345", city = "Musterstadt" };

    [Theory]
    [InlineData("Stadtteil\u0000laden", "name must be one line without control characters (such as NUL or a line break).")]
    [InlineData("Stadtteil\nladen", "name must be one line without control characters (such as NUL or a line break).")]
    [InlineData("Stadtteil\u202Eladen", "name must not contain bidirectional overrides or zero-width characters (U+202E).")]
    [InlineData("Stadtteil\u200Bladen", "name must not contain bidirectional overrides or zero-width characters (U+200B).")]
    public async Task A_site_name_with_a_control_bidi_or_zero_width_character_is_a_400_naming_it(string name, string message)
    {
        using var admin = app.AdminClient();
        using var response = await admin.PostAsJsonAsync("/api/sites", new { name, address = Address });
        await ShouldBeInvalidAsync(response, new() { ["name"] = [message] });
    }

    [Fact]
    public async Task Names_are_checked_alike_in_every_module_and_in_nested_fields_and_lists()
    {
        using var admin = app.AdminClient();
        using (var organisation = await admin.PostAsJsonAsync("/api/organisations", new { name = "Verein\u0000", kind = "association", nonProfit = true, address = Address }))
            await ShouldBeInvalidAsync(organisation, new() { ["name"] = ["name must be one line without control characters (such as NUL or a line break)."] });
        using (var person = await admin.PostAsJsonAsync("/api/people", new { name = "Mira\u0000 Beispiel", email = "mira@example.org" }))
            await ShouldBeInvalidAsync(person, new() { ["name"] = ["name must be one line without control characters (such as NUL or a line break)."] });
        using (var site = await admin.PostAsJsonAsync("/api/sites", new
        {
            name = "Stadtteilladen",
            address = new { street = "Ring\u0000straße 9", postalCode = "12345", city = "Musterstadt" },
            floors = new[] { "Erdgeschoss", "Keller\u2066" },
        }))
        {
            await ShouldBeInvalidAsync(site, new()
            {
                ["address.street"] = ["address.street must not contain control characters (such as NUL); line breaks and tabs are allowed."],
                ["floors[1]"] = ["floors[1] must not contain bidirectional overrides or zero-width characters (U+2066)."],
            });
        }
    }

    [Fact]
    public async Task Free_text_keeps_its_line_breaks_but_not_a_NUL()
    {
        using var admin = app.AdminClient();
        var site = await RegisterSiteAsync(admin);
        using (var nul = await admin.PostAsJsonAsync($"/api/sites/{site}/closures", new { firstDay = "2027-12-24", lastDay = "2027-12-26", reason = "Weihnachten\u0000" }))
            await ShouldBeInvalidAsync(nul, new() { ["reason"] = ["reason must not contain control characters (such as NUL); line breaks and tabs are allowed."] });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/sites/{site}/closures")
        {
            Content = JsonContent.Create(new { firstDay = "2027-12-24", lastDay = "2027-12-26", reason = "Weihnachten\nund Neujahr" }),
        };
        request.Headers.IfMatch.Add(site.ETag);
        using var lines = await admin.SendAsync(request);
        lines.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("9999-12-31", "2027-12-26", "firstDay", "firstDay must be a date between 1900-01-01 and 2200-12-31.")]
    [InlineData("2027-12-24", "9999-12-31", "lastDay", "lastDay must be a date between 1900-01-01 and 2200-12-31.")]
    [InlineData("1899-12-31", "2027-12-26", "firstDay", "firstDay must be a date between 1900-01-01 and 2200-12-31.")]
    public async Task A_date_outside_1900_to_2200_is_a_400_naming_it(string firstDay, string lastDay, string field, string message)
    {
        using var admin = app.AdminClient();
        var site = await RegisterSiteAsync(admin);
        using var response = await admin.PostAsJsonAsync($"/api/sites/{site}/closures", new { firstDay, lastDay, reason = "Umbau" });
        await ShouldBeInvalidAsync(response, new() { [field] = [message] });
    }

    [Fact]
    public async Task An_instant_outside_the_range_is_a_400_in_a_body_and_in_a_query()
    {
        using var admin = app.AdminClient();
        var site = await RegisterSiteAsync(admin);
        using (var body = await admin.PostAsJsonAsync($"/api/sites/{site}/closures", new { from = "9999-12-31T22:00:00Z", to = "9999-12-31T23:00:00Z", reason = "Umbau" }))
        {
            await ShouldBeInvalidAsync(body, new()
            {
                ["from"] = ["from must be an instant between 1900-01-01 and 2200-12-31 (UTC)."],
                ["to"] = ["to must be an instant between 1900-01-01 and 2200-12-31 (UTC)."],
            });
        }
        using (var query = await admin.GetAsync($"/api/reports/occupancy?siteId={site}&from=0001-01-01&to=0001-01-07"))
            await ShouldBeInvalidAsync(query, new() { ["from"] = ["from must be between 1900-01-01 and 2200-12-31."] });
        using (var month = await admin.GetAsync($"/api/bookings/quotas?organisationId={Guid.NewGuid()}&month=9999-12"))
            await ShouldBeInvalidAsync(month, new() { ["month"] = ["month must be between 1900-01-01 and 2200-12-31."] });
    }

    [Fact]
    public async Task A_query_value_with_a_NUL_is_a_400_naming_the_parameter()
    {
        using var admin = app.AdminClient();
        using var response = await admin.GetAsync("/api/access/keys?role=%00");
        await ShouldBeInvalidAsync(response, new() { ["role"] = ["role must be one line without control characters (such as NUL)."] });
    }

    [Fact]
    public async Task A_property_given_twice_is_a_400()
    {
        using var admin = app.AdminClient();
        using var response = await admin.PostAsync("/api/sites", new StringContent(
            """{"name":"Stadtteilladen","name":"Anderer Laden","address":{"street":"Ringstraße 9","postalCode":"12345","city":"Musterstadt"}}""",
            Encoding.UTF8, "application/json"));
        await ShouldBeInvalidAsync(response, new() { ["name"] = ["The property 'name' appears more than once in the same object."] });
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_is_described_without_CLR_type_names()
    {
        using var admin = app.AdminClient();
        using var response = await admin.PostAsync("/api/sites", new StringContent(
            """{"name":"Stadtteilladen","address":{"street":"Ringstraße 9","postalCode":"12345","city":"Musterstadt"},"floors":[1]}""",
            Encoding.UTF8, "application/json"));
        await ShouldBeInvalidAsync(response, new() { ["floors[0]"] = ["floors[0] must be text (a JSON string)."] });
    }

    [Theory]
    [InlineData("text/csv", "/api/reports/occupancy?siteId=0195a0b0-0000-7000-8000-000000000001&from=2026-11-01&to=2026-11-30")]
    [InlineData("text/html", "/api/bookings/0195a0b0-0000-7000-8000-000000000001")]
    [InlineData("text/calendar", "/api/bookings/ical/space/no-such-feed")]
    public async Task An_error_is_a_problem_document_whatever_the_client_accepts(string accept, string url)
    {
        using var admin = app.AdminClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var response = await admin.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32().ShouldBe(404);
    }

    [Fact]
    public async Task A_report_period_that_is_not_offered_is_named_as_such()
    {
        using var admin = app.AdminClient();
        using var response = await admin.GetAsync($"/api/funding/reports/grants/{Guid.NewGuid()}?period=week&from=2027-03-01");
        await ShouldBeInvalidAsync(response, new()
        {
            ["period"] = ["period must be one of month, quarter, year, custom (for any other range, period=custom with from and to)."],
        });
    }

    private sealed record Site(Guid Id, EntityTagHeaderValue ETag)
    {
        public override string ToString() => Id.ToString();
    }

    private static async Task<Site> RegisterSiteAsync(HttpClient admin)
    {
        using var response = await admin.PostAsJsonAsync("/api/sites", new { name = "Stadtteilladen", address = Address });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return new Site((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), response.Headers.ETag!);
    }

    private static async Task ShouldBeInvalidAsync(HttpResponseMessage response, Dictionary<string, string[]> errors)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonSerializer.Deserialize<JsonElement>(body);
        var actual = problem.GetProperty("errors").EnumerateObject()
            .ToDictionary(e => e.Name, e => e.Value.EnumerateArray().Select(m => m.GetString()!).ToArray());
        // Whole problem's errors, compared as text in a fixed key order (arrays compare by reference otherwise).
        JsonSerializer.Serialize(actual.OrderBy(e => e.Key, StringComparer.Ordinal))
            .ShouldBe(JsonSerializer.Serialize(errors.OrderBy(e => e.Key, StringComparer.Ordinal)));
    }
}
