using System.Text.RegularExpressions;
using Allmende.Eventing.Api;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Web;

/// <summary>
/// With Web:ServerTiming a page answers with the host's own time and its in-process API calls (what the
/// page benchmark reads, docs/benchmarks.md); the API's own answers carry no such header.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed partial class PageTimingTests(BrowserApp app)
{
    [GeneratedRegex("""^app;dur=(\d+\.\d\d), api;dur=(\d+\.\d\d);desc="(\d+) calls"$""")]
    private static partial Regex Timing();

    [Fact]
    public async Task A_page_tells_the_hosts_time_and_how_many_api_calls_it_made()
    {
        var staff = await app.SignedInAsync("verwaltung.zeit@example.org", Roles.Admin);
        // The sites' list reads the sites and their spaces: two calls, no more.
        var response = (await staff.GotoAsync("/verwaltung/standorte", BrowserApp.DocumentOnly))!;
        response.Status.ShouldBe(200);
        var timing = Timing().Match(response.Headers["server-timing"]);
        timing.Success.ShouldBeTrue(response.Headers["server-timing"]);
        timing.Groups[3].Value.ShouldBe("2");
        var (total, api) = (double.Parse(timing.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(timing.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        total.ShouldBeGreaterThan(0);
        api.ShouldBeGreaterThan(0);
        // The sign-in page calls no API.
        var signIn = await (await app.NewPageAsync()).GotoAsync("/anmelden", BrowserApp.DocumentOnly);
        Timing().Match(signIn!.Headers["server-timing"]).Groups[3].Value.ShouldBe("0");

        using var admin = app.AdminClient();
        using var sites = await admin.GetAsync("/api/sites");
        sites.Headers.Contains("Server-Timing").ShouldBeFalse();
    }
}
