using System.Net;
using System.Text;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Tests.Funding;
using Allmende.Tests.Infrastructure;
using Allmende.Tests.Spaces;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Access;

/// <summary>
/// Every endpoint of the host, tried by every role: it grows by itself with each module. Anonymous
/// callers get 401 everywhere but on the few public endpoints; a role the endpoint's policy excludes
/// gets 403; a role it admits is never turned away as unauthenticated or unauthorised and never
/// meets a 500 (the endpoint's own checks then answer 400, 404, 409 … for the made-up ids and
/// bodies). Resource-level rules (a member and other organisations) are tested with each module.
/// </summary>
public sealed class RoleMatrixTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    // Calendar feeds are public by intent: calendar apps send no header, the feed's secret in the URL is its key (FeedTests).
    // So is an organisation's own membership application and its consent text: rate-limited per address (ApplicationApiTests).
    // And the open programme, read and signed up for by anyone (ADR 20, ProgrammeTests).
    private static readonly string[] Public = ["/health/live", "/health/ready", "/openapi/{documentName}.json", "/api/bookings/ical/{token}",
        "/api/membership/applications", "/api/membership/applications/consent",
        "/api/programme/public/offers/{id:guid}/dates/{bookingId:guid}/registrations", "/api/programme/public/organisations/{id:guid}",
        "/api/programme/public/organisations/{id:guid}/ical", "/api/programme/public/sites/{id:guid}", "/api/programme/public/sites/{id:guid}/ical",
        // The web app's language switch: on every page, the sign-in page included; it only sets a cookie and returns (EnglishPagesTests).
        "/sprache/{language:regex(^(de|en)$)}"];

    /// <summary>
    /// The only endpoints open to every signed-in role: the caller's own, and a booking's history, which then
    /// admits a member to their organisations' bookings and a funder to those its grants paid for (BookingHistoryTests).
    /// </summary>
    private static readonly string[] AnyRole = ["/api/access/me", "/api/access/tokens", "/api/bookings/{id:guid}/history"];

    private static readonly Dictionary<string, string[]> Admits = new()
    {
        [Policies.Staff] = [Roles.Admin],
        [Policies.ReadAll] = [Roles.Admin, Roles.Auditor],
        [Policies.ActForOrganisation] = [Roles.Admin, Roles.Member],
        [Policies.ReadOrganisation] = [Roles.Admin, Roles.Auditor, Roles.Member],
        [Policies.Participant] = [Roles.Admin, Roles.Auditor, Roles.Member],
        [Policies.ReadFunding] = [Roles.Admin, Roles.Auditor, Roles.Funder],
        [Policies.ReadBookingHistory] = [Roles.Admin, Roles.Auditor, Roles.Member, Roles.Funder],
    };

    private sealed record Call(string Method, string Route, string Url, string[] Allowed, bool Anonymous)
    {
        public override string ToString() => $"{Method} {Route}";
    }

    private List<Call> Calls()
    {
        var calls = new List<Call>();
        // The API's endpoints; the web app's pages answer a browser's session, not keys (WebPageAccessTests).
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is null);
        foreach (var endpoint in endpoints)
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]; // e.g. health checks answer any method
            var route = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            var anonymous = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToList();
            var allowed = policies.Count == 0 ? Roles.All.ToArray() : Roles.All.Where(r => policies.All(p => Admits[p].Contains(r))).ToArray();
            foreach (var method in methods)
                calls.Add(new Call(method, route, Fill(route), allowed, anonymous));
        }
        return calls;
    }

    private static string Fill(string route)
    {
        var url = new StringBuilder();
        foreach (var segment in route.Split('/'))
        {
            url.Append(segment switch
            {
                "{documentName}.json" => "v1.json",
                _ when segment.StartsWith('{') && segment.Contains(":long", StringComparison.Ordinal) => "987654321",
                _ when segment.StartsWith('{') && segment.Contains(":int", StringComparison.Ordinal) => "987654",
                _ when segment.StartsWith('{') && segment.Contains("name", StringComparison.OrdinalIgnoreCase) => "no-such-name",
                _ when segment.StartsWith('{') && segment.Contains("date", StringComparison.OrdinalIgnoreCase) => "2026-03-29",
                _ when segment.StartsWith('{') => Guid.NewGuid().ToString(),
                _ => segment,
            }).Append('/');
        }
        return url.ToString().TrimEnd('/') is { Length: > 0 } u ? u : "/";
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, Call call)
    {
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Url);
        if (call.Method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        if (call.Method is "PUT" or "PATCH" or "POST" or "DELETE")
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public void Every_endpoint_is_public_by_intent_or_names_who_may_call_it()
    {
        var calls = Calls();
        calls.Count.ShouldBeGreaterThan(10);
        calls.Where(c => c.Anonymous).Select(c => c.Route).Distinct().Order().ShouldBe(Public.Order());
    }

    [Fact]
    public void Only_the_callers_own_endpoints_are_open_to_every_role()
    {
        Calls().Where(c => !c.Anonymous && c.Allowed.Length == Roles.All.Count).Select(c => c.Route).Distinct().Order()
            .ShouldBe(AnyRole.Order());
    }

    [Fact]
    public async Task Anonymous_callers_are_refused_everywhere_but_the_public_endpoints()
    {
        using var anonymous = app.CreateClient();
        foreach (var call in Calls().Where(c => !c.Anonymous))
            (await SendAsync(anonymous, call)).ShouldBe(HttpStatusCode.Unauthorized, call.ToString());
    }

    [Theory]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.Member)]
    [InlineData(Roles.Funder)]
    public async Task Each_role_is_let_in_exactly_where_the_policy_admits_it(string role)
    {
        using var client = role == Roles.Admin ? app.AdminClient() : await app.ClientAsync(role);
        var failures = new List<string>();
        foreach (var call in Calls().Where(c => !c.Anonymous))
        {
            var status = await SendAsync(client, call);
            var admitted = call.Allowed.Contains(role);
            if (admitted && status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.InternalServerError)
                failures.Add($"{call}: {role} admitted by policy but got {(int)status}");
            if (admitted && status == HttpStatusCode.InternalServerError)
                failures.Add($"{call}: 500");
            if (!admitted && status != HttpStatusCode.Forbidden)
                failures.Add($"{call}: {role} should get 403, got {(int)status}");
        }
        failures.ShouldBeEmpty();
    }

    /// <summary>
    /// Co-funding: one booking, paid 40 % by one funder's grant and 60 % by another's. Each funder reads
    /// the booking, its allocations and its own grant's report, and finds only its own part anywhere: the
    /// other grant's id, funder and amount appear nowhere it can read (its grant is a 404, as before).
    /// </summary>
    [Fact]
    public async Task Each_of_two_funders_of_one_booking_sees_only_its_own_part()
    {
        var rooms = new GrantedRooms(app);
        var (space, site, organisation) = await rooms.RoomWithRateAsync(3_000);
        var first = await rooms.FunderAsync("Bezirksamt Programm");
        var second = await rooms.FunderAsync("Stiftung Nachbarschaft");
        var firstGrant = await rooms.GrantAsync(first, site, shareBasisPoints: 4_000, priority: 1);
        var secondGrant = await rooms.GrantAsync(second, site, shareBasisPoints: 10_000, priority: 2);
        using var admin = app.AdminClient();
        var start = Allmende.Tests.Bookings.BookingsWorld.FutureHour(12);
        var booking = await GrantedRooms.IdOf(await Allmende.Tests.Bookings.BookingsWorld.BookAsync(admin, space, organisation, start, start.AddHours(2))
            .ShouldHaveStatus(HttpStatusCode.Created));
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from bookings.allocations where booking_id = $1", booking) == 2, "Bookings' history knows both parts");

        foreach (var (funderId, mine, theirs, theirFunder, cents) in new[] { (first, firstGrant, secondGrant, second, 2_400L), (second, secondGrant, firstGrant, first, 3_600L) })
        {
            using var funder = await app.ClientAsync(Roles.Funder, funderId: funderId);
            var read = new List<string>();
            async Task<JsonElement> ReadAsync(string url)
            {
                var body = await (await funder.SendAsync("GET", url).ShouldHaveStatus(HttpStatusCode.OK)).Content.ReadAsStringAsync();
                read.Add(body);
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            var history = await ReadAsync($"/api/bookings/{booking}/history");
            history.GetProperty("allocations").EnumerateArray()
                .Select(a => (a.GetProperty("grantId").GetGuid(), a.GetProperty("funderId").GetGuid(), a.GetProperty("amountCents").GetInt64()))
                .ShouldBe([(mine, funderId, cents)]);
            var allocations = await ReadAsync($"/api/funding/allocations?sourceId={booking}");
            allocations.GetProperty("items").EnumerateArray()
                .Select(a => (a.GetProperty("grantId").GetGuid(), a.GetProperty("amountCents").GetInt64()))
                .ShouldBe([(mine, cents)]);
            await ReadAsync($"/api/funding/reports/grants/{mine}?period=month&from=2027-06-01");
            await ReadAsync("/api/funding/grants");

            foreach (var body in read)
            {
                body.ShouldNotContain(theirs.ToString());
                body.ShouldNotContain(theirFunder.ToString());
            }
            await funder.SendAsync("GET", $"/api/funding/grants/{theirs}").ShouldHaveStatus(HttpStatusCode.NotFound);
            await funder.SendAsync("GET", $"/api/funding/reports/grants/{theirs}?period=month&from=2027-06-01").ShouldHaveStatus(HttpStatusCode.NotFound);
            await funder.SendAsync("GET", $"/api/funding/allocations?grantId={theirs}").ShouldHaveStatus(HttpStatusCode.OK);
        }
    }
}
