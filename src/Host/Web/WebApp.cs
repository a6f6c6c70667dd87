using System.Globalization;
using System.Security.Claims;
using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Host.Web.Api;
using Allmende.Host.Web.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Localization;

namespace Allmende.Host.Web;

/// <summary>The web app's authorization policies: each names the cookie scheme, so an API key never opens a page and a session cookie never opens the API.</summary>
internal static class WebPolicies
{
    public const string Scheme = "Web";
    public const string SignedIn = "web-signed-in";
    public const string Staff = "web-staff";
    public const string Member = "web-member";
    public const string Funding = "web-funding";
    public const string Audit = "web-audit";
    public const string StampClaim = "allmende:security-stamp";
    public const string EmailClaim = "allmende:email";
    public const string PasskeyClaim = "allmende:passkey";
}

/// <summary>
/// The web app for staff, members and funders, served by the host at "/" (the API stays under
/// "/api"): Razor Pages, signed in by cookie, every read and write through the API in process
/// (<see cref="InProcessApi"/>). Decision and consequences: docs/adr/0016-web-app.md.
/// </summary>
internal static class WebApp
{
    public static IServiceCollection AddWebApp(this IServiceCollection services)
    {
        services.Configure<EventingOptions>(o =>
        {
            o.Types.Register<PersonInvited>("signin.person-invited")
                .Register<PasswordSet>("signin.password-set")
                .Register<AccessRevoked>("signin.access-revoked")
                .Register<PasskeyAdded>("signin.passkey-added")
                .Register<PasskeyRemoved>("signin.passkey-removed");
            o.AddMigrations(SignInSchema.Migrations);
        });
        services.AddSingleton<AccountStore>();
        services.AddSingleton<Passkeys>();
        services.AddPasskeyChallengeLimit();
        services.AddSharedKeyRing();
        services.AddSingleton<InProcessApi>();

        services.AddAuthentication().AddCookie(WebPolicies.Scheme, o =>
        {
            o.Cookie.Name = "allmende.session";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.LoginPath = "/anmelden";
            o.LogoutPath = "/abmelden";
            o.AccessDeniedPath = "/kein-zugriff";
            o.ExpireTimeSpan = TimeSpan.FromHours(8);
            o.SlidingExpiration = true;
            o.Events.OnValidatePrincipal = ValidateSessionAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(WebPolicies.SignedIn, p => p.AddAuthenticationSchemes(WebPolicies.Scheme).RequireAuthenticatedUser())
            .AddPolicy(WebPolicies.Staff, p => p.AddAuthenticationSchemes(WebPolicies.Scheme).RequireRole(Roles.Admin))
            .AddPolicy(WebPolicies.Member, p => p.AddAuthenticationSchemes(WebPolicies.Scheme).RequireRole(Roles.Member, Roles.Admin))
            .AddPolicy(WebPolicies.Funding, p => p.AddAuthenticationSchemes(WebPolicies.Scheme).RequireRole(Roles.Funder, Roles.Admin, Roles.Auditor))
            .AddPolicy(WebPolicies.Audit, p => p.AddAuthenticationSchemes(WebPolicies.Scheme).RequireRole(Roles.Auditor, Roles.Admin));

        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(o =>
        {
            CultureInfo[] cultures = [Formats.German, Formats.English];
            o.DefaultRequestCulture = new RequestCulture(Formats.German);
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            // The language switch's cookie, then the browser's languages, then German; never the query.
            o.RequestCultureProviders = [new CookieRequestCultureProvider { CookieName = LanguageCookie }, new CustomRequestCultureProvider(BrowserLanguage)];
        });
        services.AddRazorPages(o =>
        {
            o.RootDirectory = "/Web/Pages";
            o.Conventions.AuthorizeFolder("/", WebPolicies.SignedIn);
            o.Conventions.AuthorizeFolder("/Verwaltung", WebPolicies.Staff);
            o.Conventions.AuthorizeFolder("/Mitglied", WebPolicies.Member);
            o.Conventions.AuthorizeFolder("/Foerderung", WebPolicies.Funding);
            o.Conventions.AuthorizeFolder("/Pruefung", WebPolicies.Audit);
            o.Conventions.AllowAnonymousToPage("/Anmelden");
            o.Conventions.AllowAnonymousToPage("/Einladung");
            o.Conventions.AllowAnonymousToPage("/KeinZugriff");
            o.Conventions.AllowAnonymousToPage("/Mitgliedsantrag");
            o.Conventions.AllowAnonymousToFolder("/Programm"); // the open programme: public by design (ADR 20)
        }).AddViewLocalization().AddMvcOptions(o => o.Filters.Add<ApiRefusalFilter>());
        return services;
    }

    /// <summary>
    /// Put first in the pipeline: hands the rest of it (routing, authentication, the endpoints) to
    /// <see cref="InProcessApi"/>, so that pages call the API exactly as a client over HTTP would.
    /// </summary>
    public static IApplicationBuilder CaptureApiPipeline(this IApplicationBuilder app)
    {
        var api = app.ApplicationServices.GetRequiredService<InProcessApi>();
        return app.Use(next =>
        {
            api.Use(next);
            return next;
        });
    }

    /// <summary>The cookie the language switch sets (a year): "c=en-GB|uic=en-GB".</summary>
    public const string LanguageCookie = "allmende.language";

    /// <summary>
    /// Pages answer in the request's language (ADR 16, "English second"); the API does not: its
    /// requests, over HTTP or in process, keep the host's invariant formats.
    /// </summary>
    public static IApplicationBuilder UseWebAppLanguage(this IApplicationBuilder app) =>
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), page => page.UseRequestLocalization());

    /// <summary>
    /// The browser's languages by their order and weight, by language alone: en-US and en-GB are
    /// English (in British formats), de-AT is German; a language not offered is skipped.
    /// </summary>
    private static Task<ProviderCultureResult?> BrowserLanguage(HttpContext context)
    {
        var accepted = context.Request.GetTypedHeaders().AcceptLanguage;
        foreach (var language in accepted.Where(l => l.Quality is null or > 0).OrderByDescending(l => l.Quality ?? 1))
        {
            var name = language.Value.Value ?? "";
            var culture = name.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? Formats.English.Name
                : name.StartsWith("de", StringComparison.OrdinalIgnoreCase) ? Formats.German.Name : null;
            if (culture is not null)
                return Task.FromResult<ProviderCultureResult?>(new ProviderCultureResult(culture));
        }
        return Task.FromResult<ProviderCultureResult?>(null);
    }

    /// <summary>
    /// The language switch: a plain link on every page (no script), which keeps the choice in a cookie
    /// and goes back to the page it came from (a path of this host only, never another site).
    /// </summary>
    private static IResult SwitchLanguage(HttpContext context, TimeProvider time, string language, string? zurueck)
    {
        var culture = language == "en" ? Formats.English : Formats.German;
        context.Response.Cookies.Append(LanguageCookie, CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)), new CookieOptions
        {
            Expires = time.GetUtcNow().AddYears(1),
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            IsEssential = true,
        });
        var back = zurueck is { Length: > 0 } path && path[0] == '/' && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal)
            ? path : "/";
        return Results.LocalRedirect(back);
    }

    public static IEndpointRouteBuilder MapWebApp(this IEndpointRouteBuilder endpoints)
    {
        AccountEndpoints.Map(endpoints);
        endpoints.MapGet("/sprache/{language:regex(^(de|en)$)}", SwitchLanguage).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapRazorPages();
        return endpoints;
    }

    /// <summary>The principal of a signed-in person: the same role and scope claims as an API key of theirs.</summary>
    public static ClaimsPrincipal PrincipalFor(SignInAccount account, string? email, Guid? passkeyId = null)
    {
        var principal = Access.Principals.For($"account-{account.AccountId:N}", account.Role, account.PersonId, account.FunderId, WebPolicies.Scheme);
        var identity = (ClaimsIdentity)principal.Identity!;
        identity.AddClaim(new Claim(WebPolicies.StampClaim, account.SecurityStamp.ToString()));
        if (email is not null)
            identity.AddClaim(new Claim(WebPolicies.EmailClaim, email));
        if (passkeyId is { } passkey)
            identity.AddClaim(new Claim(WebPolicies.PasskeyClaim, passkey.ToString("N")));
        return principal;
    }

    /// <summary>Every request re-checks the account: revoked, or its security stamp changed, and the session ends.</summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var subject = context.Principal?.FindFirstValue(ClaimTypes.NameIdentifier);
        var stamp = context.Principal?.FindFirstValue(WebPolicies.StampClaim);
        var account = subject is not null && subject.StartsWith("account-", StringComparison.Ordinal) && Guid.TryParseExact(subject["account-".Length..], "N", out var id)
            ? await context.HttpContext.RequestServices.GetRequiredService<AccountStore>().LoadAsync(id, context.HttpContext.RequestAborted)
            : null;
        // A session opened with a passkey lasts as long as that passkey: removed (by the person or by staff), the session ends.
        var passkey = context.Principal?.FindFirstValue(WebPolicies.PasskeyClaim);
        if (account is null || account.Revoked || account.SecurityStamp.ToString() != stamp
            || (passkey is not null && !(Guid.TryParseExact(passkey, "N", out var passkeyId)
                && await context.HttpContext.RequestServices.GetRequiredService<Passkeys>().StillThereAsync(account.AccountId, passkeyId, context.HttpContext.RequestAborted))))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(WebPolicies.Scheme);
        }
    }
}
