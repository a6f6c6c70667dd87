using System.Net;
using Allmende.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Web;

/// <summary>
/// Every page of the web app, found by itself: only the sign-in pages, the membership application form and the public programme (ADR 20) open without a session,
/// and no API key opens one.
/// </summary>
[Collection(SpacesAndApiHost.Name)]
public sealed class WebPageAccessTests(AllmendeApp app)
{
    private const string Programme = "/programm/{bereich:regex(^(standort|organisation)$)}/{id:guid}";

    private static readonly string[] Open = ["/anmelden", "/einladung/{token}", "/kein-zugriff", "/mitgliedsantrag", Programme];

    private IReadOnlyList<string> Pages() =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).Distinct().Order()];

    [Fact]
    public async Task A_page_without_a_session_leads_to_the_sign_in_even_with_an_api_key()
    {
        Pages().Count.ShouldBeGreaterThan(5);
        using var anonymous = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var withKey = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        withKey.DefaultRequestHeaders.Add("X-Api-Key", AllmendeApp.AdminKey);
        foreach (var page in Pages().Where(p => !Open.Contains(p)))
        {
            foreach (var client in new[] { anonymous, withKey })
            {
                using var response = await client.GetAsync(System.Text.RegularExpressions.Regex.Replace(page, "{[^}]+}", Guid.NewGuid().ToString()));
                response.StatusCode.ShouldBe(HttpStatusCode.Redirect, page);
                response.Headers.Location!.ToString().ShouldStartWith("http://localhost/anmelden?ReturnUrl=", customMessage: page);
            }
        }
        foreach (var page in Open.Where(p => p != Programme))
            (await anonymous.GetAsync(page.Replace("{token}", "no-such-token", StringComparison.Ordinal))).StatusCode
                .ShouldBeOneOf([HttpStatusCode.OK, HttpStatusCode.Forbidden], page); // the "no access" page says so with a 403
        // The programme of a site nobody knows is a 404 for anyone, never the sign-in.
        (await anonymous.GetAsync($"/programm/standort/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // Pages tell their time only where Web:ServerTiming asks for it (the page benchmark): not by default.
        (await anonymous.GetAsync("/anmelden")).Headers.Contains("Server-Timing").ShouldBeFalse();
    }
}
