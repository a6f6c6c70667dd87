using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Host.DemoData;
using Allmende.Tests.Infrastructure;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Npgsql;

namespace Allmende.Tests.Web;

/// <summary>
/// The real host on a real Kestrel port on 127.0.0.1, on its own database with the demo data, and a
/// real Chromium driven by Playwright. Chromium is Debian's: its headless shell (`chromium-headless-shell`, the same
/// engine without a browser's UI, at a third of the full browser's CPU in these tests), else `chromium`, or
/// ALLMENDE_CHROMIUM. Playwright's own browser download is never used. Without Chromium the tests fail, saying so.
/// </summary>
public sealed class BrowserApp : AllmendeApp
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>
    /// Check-in opens 100 days before a booking's start here (30 minutes in a real house): the tests run
    /// at any hour, and a booking that starts within half an hour must also fall in the opening hours.
    /// Its pages also tell their time (Web:ServerTiming, as the page benchmark's host does), which PageTimingTests read.
    /// </summary>
    public BrowserApp() => With("Bookings:CheckInOpensBefore", "100.00:00:00").With("Web:ServerTiming", "true")
        // Each request's start and end (path, status, time) in the host log a failed test prints: a page
        // that sometimes did not load within 30 s in full runs shows whether the server answered.
        .With("Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics", "Information")
        // Every browser of the collection comes from 127.0.0.1: one client address for the passkey challenges' limit
        // (PasskeyChallengeLimitTests test the limit itself).
        .With("SignIn:PasskeyChallenges:PermitsPerWindow", "10000");

    /// <summary>The clock of a host that seeds the demo itself (as in Development): the demo's kiosk pilot has its past weeks (ADR 19).</summary>
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(sp => new SeedingClock(sp.GetRequiredService<NpgsqlDataSource>())));
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>
    /// The same server by the name localhost: WebAuthn (passkeys) needs a secure context and a domain as the
    /// relying party's id. http://localhost is both, http://127.0.0.1 is no valid id (ADR 24).
    /// </summary>
    public Uri LocalhostAddress => new UriBuilder(BaseAddress) { Host = "localhost" }.Uri;

    public DemoSummary Demo { get; private set; } = null!;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser starts in InitializeAsync.");

    public override async Task InitializeAsync()
    {
        var chromium = FindChromium() ?? throw new InvalidOperationException(
            "Browser tests need Chromium and found none: install Debian's package (apt-get install -y chromium-headless-shell fonts-liberation) " +
            "or point ALLMENDE_CHROMIUM at a Chromium binary. Playwright's own browser download is not used.");
        await base.InitializeAsync();
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address);

        using var admin = AdminClient();
        Demo = await DemoData.SeedAsync(admin, Services.GetRequiredService<TimeProvider>()) ?? throw new InvalidOperationException("The demo data was seeded already.");

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--lang=de-DE"], // the language of form fields (dates as 24.12.2026)
        });
    }

    public override async ValueTask DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }

    private static string? FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable("ALLMENDE_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured))
            return File.Exists(configured) ? configured : null;
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator);
        return new[] { "chromium-headless-shell", "chromium", "chromium-browser" }
            .SelectMany(name => path.Select(dir => Path.Combine(dir, name)))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>The narrowest phone the pages are made for (CSS pixels): nothing may scroll the whole page sideways there.</summary>
    public const int PhoneWidth = 375;

    /// <summary>
    /// A fresh browser context (its own cookies), German unless told (the browser's language, which the
    /// pages follow without a choice of their own), Berlin time, a laptop's or a phone's viewport, at
    /// <see cref="BaseAddress"/> unless told.
    /// </summary>
    public async Task<IPage> NewPageAsync(bool phone = false, Uri? at = null, string locale = "de-DE")
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (at ?? BaseAddress).ToString(),
            Locale = locale,
            TimezoneId = "Europe/Berlin",
            ViewportSize = phone ? new ViewportSize { Width = PhoneWidth, Height = 812 } : new ViewportSize { Width = 1280, Height = 900 },
        });
        return await context.NewPageAsync();
    }

    /// <summary>Staff invite a person through the API (admin key); the answer's one-time link, absolute.</summary>
    public async Task<string> InviteAsync(string email, string role, Guid? personId = null, Guid? funderId = null)
    {
        using var admin = AdminClient();
        var response = await admin.PostAsJsonAsync("/api/access/accounts", new { email, role, personId, funderId });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var invitation = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new Uri(BaseAddress, invitation.GetProperty("link").GetString()).ToString();
    }

    /// <summary>A person invited for <paramref name="role"/>, who opened the link and set a password: signed in on the returned page.</summary>
    public async Task<IPage> SignedInAsync(string email, string role, Guid? personId = null, Guid? funderId = null, bool phone = false)
    {
        var link = await InviteAsync(email, role, personId, funderId);
        var page = await NewPageAsync(phone);
        await page.GotoAsync(link, DocumentOnly);
        await page.GetByLabel("Neues Passwort").FillAsync(Password);
        await page.GetByLabel("Passwort wiederholen").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Passwort speichern und anmelden" }).ClickAsync();
        await ArrivedAsync(page, new Uri(BaseAddress, "/").ToString());
        return page;
    }

    /// <summary>
    /// Waits until the page is at <paramref name="url"/> and its document is parsed, both read in the page itself. Not
    /// by Playwright's WaitForURLAsync: when the URL already matches (a redirect faster than the call), Playwright 1.64
    /// waits for the "load" event whatever WaitUntil asks (its Frame.WaitForURLAsync maps Commit to no state, which is
    /// "load"), and after a form's POST and redirect that event sometimes never reaches it (ci14, ci17, ci23: 30 s, though
    /// the host had answered in milliseconds). Playwright's function wait survives the navigation it waits for.
    /// </summary>
    public static Task ArrivedAsync(IPage page, string url) => ArrivedWhenAsync(page, "url => location.href === url", url);

    /// <inheritdoc cref="ArrivedAsync(IPage, string)"/>
    public static Task ArrivedAsync(IPage page, System.Text.RegularExpressions.Regex url) =>
        ArrivedWhenAsync(page, "pattern => new RegExp(pattern).test(location.href)", url.ToString());

    private static async Task ArrivedWhenAsync(IPage page, string at, string argument)
    {
        var arrived = await page.WaitForFunctionAsync($"argument => ({at})(argument) && document.readyState !== 'loading'", argument,
            new() { PollingInterval = 50 });
        await arrived.DisposeAsync();
    }

    private static async Task ParsedAsync(IPage page)
    {
        var parsed = await page.WaitForFunctionAsync("() => document.readyState !== 'loading'", null, new() { PollingInterval = 50 });
        await parsed.DisposeAsync();
    }

    /// <summary>
    /// Go to a page and wait for its document, not its "load" event (GotoAsync's default), which a full-suite run once
    /// waited for in vain (FunderTests). Only the waits after a form's redirect lost "DOMContentLoaded" too (ArrivedAsync).
    /// </summary>
    public static PageGotoOptions DocumentOnly => new() { WaitUntil = WaitUntilState.DOMContentLoaded };

    public const string Password = "Kiezkiosk-2026!";

    public async Task<Guid> PersonIdAsync(string name)
    {
        using var admin = AdminClient();
        var people = await admin.GetFromJsonAsync<JsonElement>("/api/people?limit=500");
        return people.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
    }

    public async Task<Guid> FunderIdAsync(string name)
    {
        using var admin = AdminClient();
        var funders = await admin.GetFromJsonAsync<JsonElement>("/api/funding/funders?limit=500");
        return funders.GetProperty("items").EnumerateArray().Single(p => p.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();
    }

    /// <summary>No serious or critical WCAG 2.1 A/AA violation on the page as it is now (axe).</summary>
    public static async Task ShouldBeAccessibleAsync(IPage page)
    {
        var result = await page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}").ToList();
        serious.ShouldBeEmpty($"axe on {page.Url}");
    }

    /// <summary>
    /// The page as a whole does not scroll sideways: wide tables scroll in their own labelled container, the
    /// rest reflows (WCAG 1.4.10). Measured by the browser: the document is no wider than the viewport.
    /// </summary>
    public static async Task ShouldFitTheWidthAsync(IPage page)
    {
        var sizes = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        sizes[0].ShouldBeLessThanOrEqualTo(sizes[1], $"{page.Url} is {sizes[0]} px wide in a {sizes[1]} px viewport");
    }

    /// <summary>Fails with the page's own words when it shows an error (instead of waiting for what never comes).</summary>
    public static async Task ShouldShowNoErrorAsync(IPage page)
    {
        await ParsedAsync(page); // not WaitForLoadState: that lifecycle event is what goes missing (ArrivedAsync)
        var errors = page.Locator(".error");
        if (await errors.CountAsync() > 0)
            throw new ShouldAssertException($"{page.Url} shows: {await errors.First.InnerTextAsync()}");
        if (await page.Locator("main").CountAsync() == 0)
            throw new ShouldAssertException($"{page.Url} shows no page: {await page.ContentAsync()}");
    }

    /// <summary>
    /// A screenshot of the page. Into docs/screenshots (the README's pictures) only when asked with
    /// ALLMENDE_SCREENSHOTS=docs, so that an ordinary test run leaves the work tree as it was; otherwise
    /// beside the test binaries, where a failed run can be looked at.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        if (Environment.GetEnvironmentVariable("ALLMENDE_SCREENSHOTS") == "docs")
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Allmende.slnx")))
                directory = directory.Parent;
            if (directory is not null)
                folder = Path.Combine(directory.FullName, "docs", "screenshots");
        }
        Directory.CreateDirectory(folder);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true });
    }
}
