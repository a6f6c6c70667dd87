using System.Net;
using System.Text.RegularExpressions;
using Allmende.Membership.Applications;

namespace Allmende.Tests.Membership;

/// <summary>The public form at /mitgliedsantrag, through the real host as a browser sends it (antiforgery token included).</summary>
public sealed partial class ApplicationFormTests(ApplicationsApp app) : IClassFixture<ApplicationsApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();

    private static async Task<HttpResponseMessage> SendFormAsync(HttpClient browser, Dictionary<string, string> fields)
    {
        var form = await (await browser.GetAsync("/mitgliedsantrag")).ShouldBeAsync(HttpStatusCode.OK);
        var html = await form.Content.ReadAsStringAsync();
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(Token().Match(html).Groups[1].Value);
        fields["ConsentTextVersion"] = ConsentText.Version;
        return await browser.PostAsync("/mitgliedsantrag", new FormUrlEncodedContent(fields));
    }

    [Fact]
    public async Task The_form_shows_labelled_fields_and_the_consent_text_in_german()
    {
        using var browser = app.CreateClient();

        var html = WebUtility.HtmlDecode(await (await (await browser.GetAsync("/mitgliedsantrag")).ShouldBeAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync());

        html.ShouldContain("<html lang=\"de\">");
        html.ShouldContain("<label for=\"name\">Name der Organisation *</label>");
        html.ShouldContain("<label for=\"contactemail\">E-Mail *</label>");
        html.ShouldContain(ConsentText.Wording);
        html.ShouldContain($"value=\"{ConsentText.Version}\"");
    }

    [Fact]
    public async Task A_form_without_consent_shows_the_errors_next_to_their_fields_and_stores_nothing()
    {
        using var browser = app.CreateClient();

        var response = await SendFormAsync(browser, new()
        {
            ["Name"] = "", ["Kind"] = "initiative", ["contactname"] = "Formulara Ohnezustimmung", ["contactemail"] = "kaputt",
        });

        var html = WebUtility.HtmlDecode(await (await response.ShouldBeAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync());
        html.ShouldContain("<p id=\"name-error\" class=\"error\">Bitte den Namen der Organisation angeben (höchstens 200 Zeichen).</p>");
        html.ShouldContain("aria-describedby=\"contactemail-error\"");
        html.ShouldContain("<p id=\"contactemail-error\" class=\"error\">Bitte eine gültige E-Mail-Adresse angeben.</p>");
        html.ShouldContain("<p id=\"consent-error\" class=\"error\">Ohne Ihre Einwilligung können wir den Antrag nicht speichern.</p>");
        html.ShouldContain("value=\"Formulara Ohnezustimmung\""); // what was typed stays in the form
        (await DatabaseScan.HitsAsync(app.DataSource, "Formulara")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_complete_form_with_consent_becomes_a_pending_application_for_staff()
    {
        using var browser = app.CreateClient();

        var response = await SendFormAsync(browser, new()
        {
            ["Name"] = "Repair-Café Nordstadt", ["Kind"] = "association", ["NonProfit"] = "true",
            ["Street"] = "Nordstraße 1", ["PostalCode"] = "30167", ["City"] = "Hannover",
            ["contactname"] = "Reparata Formular", ["contactemail"] = "reparata@repair.example", ["Consent"] = "true",
        });

        var html = WebUtility.HtmlDecode(await (await response.ShouldBeAsync(HttpStatusCode.OK)).Content.ReadAsStringAsync());
        html.ShouldContain("Vielen Dank! Ihr Antrag ist eingegangen.");
        using var staff = app.AdminClient();
        var pending = await (await staff.GetAsync("/api/membership/applications?status=pending")).ReadAsync<Allmende.Eventing.Api.Page<ApplicationResponse>>();
        var application = pending.Items.Single(a => a.Organisation.Name == "Repair-Café Nordstadt");
        application.ShouldBe(application with
        {
            Organisation = new ApplicationOrganisationResponse("Repair-Café Nordstadt", "association", true,
                new Allmende.Membership.Organisations.Address("Nordstraße 1", "30167", "Hannover"), null),
            ContactPerson = new ContactPersonResponse("Reparata Formular", "reparata@repair.example", null, false),
            Consent = application.Consent with { TextVersion = ConsentText.Version },
        });
    }
}

/// <summary>The form's POST counts against the address's limit; reading the form does not.</summary>
public sealed class ApplicationFormRateLimitTests(StrictApplicationsApp app) : IClassFixture<StrictApplicationsApp>
{
    [Fact]
    public async Task Sending_the_form_past_the_limit_is_a_429_with_retry_after()
    {
        using var browser = app.CreateClient();
        for (var i = 0; i < 3; i++)
            await (await browser.GetAsync("/mitgliedsantrag")).ShouldBeAsync(HttpStatusCode.OK);
        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            // Without a token: the limiter answers before antiforgery is even looked at.
            answers.Add(await browser.PostAsync("/mitgliedsantrag", new FormUrlEncodedContent(new Dictionary<string, string> { ["Name"] = $"Versuch {i}" })));
        }

        answers.Take(2).ShouldAllBe(a => a.StatusCode == HttpStatusCode.BadRequest);
        var last = await answers[2].ShouldBeAsync(HttpStatusCode.TooManyRequests);
        last.Headers.RetryAfter.ShouldNotBeNull();
    }
}
