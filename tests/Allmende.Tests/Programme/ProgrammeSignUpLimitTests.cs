using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Programme;

public sealed class StrictSignUpsApp : AllmendeApp
{
    public StrictSignUpsApp() => With("Bookings:ProgrammeSignUpsPerWindow", "2");
}

/// <summary>Anyone may sign up for an open offer without signing in, so one address cannot fill an evening's places by script.</summary>
public sealed class ProgrammeSignUpLimitTests(StrictSignUpsApp app) : IClassFixture<StrictSignUpsApp>
{
    [Fact]
    public async Task Sign_ups_past_the_limit_of_one_address_get_a_429_problem_with_retry_after_while_reading_stays_open()
    {
        using var anonymous = app.CreateClient();
        var url = $"/api/programme/public/offers/{Guid.NewGuid()}/dates/{Guid.NewGuid()}/registrations";
        static StringContent SignUp() => new("""{"name":"Lea","email":"lea@example.org","consent":true}""", Encoding.UTF8, "application/json");

        // Every attempt counts, found or not: the limit is on sending, not on succeeding.
        for (var i = 0; i < 2; i++)
            (await anonymous.PostAsync(url, SignUp())).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var refused = await anonymous.PostAsync(url, SignUp());

        refused.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(1, 3600);
        JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["status"]!.GetValue<int>().ShouldBe(429);
        (await anonymous.GetAsync($"/api/programme/public/sites/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
