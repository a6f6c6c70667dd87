using System.Globalization;
using System.Threading.RateLimiting;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Membership.Organisations;
using Allmende.Membership.People;
using Allmende.Membership.Privacy;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Allmende.Membership.Applications;

/// <summary>
/// The consent text the applicant is shown and must tick. A new wording gets a new version, so that
/// each application records exactly the words it was given under.
/// </summary>
internal static class ConsentText
{
    public const string Version = "2026-12-de-1";

    public const string Wording =
        "Ich willige ein, dass Name, E-Mail und Telefonnummer der Kontaktperson gespeichert werden, um diesen Mitgliedsantrag zu bearbeiten. " +
        "Die Daten werden verschlüsselt gespeichert und auf Wunsch jederzeit gelöscht.";
}

/// <summary>How many applications one client address may send, per window (settings "Membership:Applications").</summary>
internal sealed class ApplicationLimits
{
    public int PermitsPerWindow { get; set; } = 5;

    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);
}

internal sealed record ApplicationRequest(OrganisationDetailsRequest? Organisation, PersonalDataRequest? ContactPerson, bool? Consent,
    string? ConsentTextVersion)
{
    public override string ToString() => "ApplicationRequest { (redacted) }";
}

internal sealed class ApplicationValidator : AbstractValidator<ApplicationRequest>
{
    public ApplicationValidator()
    {
        // Consent first and on its own: without it the rest is not even looked at, let alone kept.
        RuleFor(r => r.Consent).Equal(true).WithMessage("Consent is required: tick it to apply.");
        RuleFor(r => r.ConsentTextVersion).Equal(ConsentText.Version)
            .WithMessage($"'ConsentTextVersion' must be the version of the consent text shown ({ConsentText.Version}).");
        RuleFor(r => r.Organisation).NotNull().SetValidator(new OrganisationDetailsValidator()!);
        RuleFor(r => r.ContactPerson).NotNull().SetValidator(new PersonalDataValidator()!);
    }
}

internal sealed record ApplicationReceipt(Guid Id, string Status, DateTimeOffset SubmittedAt);

internal sealed record ConsentTextResponse(string Version, string Text);

/// <summary>
/// POST /api/membership/applications: an organisation applies by itself, with no key. Rate-limited per
/// client address; the contact person's data is sealed with a fresh key (ADR 8) and stored only with
/// consent, which is recorded with its time and the version of the text shown.
/// </summary>
internal static class ApplyForMembership
{
    public const string RateLimit = "membership-applications";

    public static IServiceCollection AddApplicationRateLimit(this IServiceCollection services)
    {
        services.AddOptions<ApplicationLimits>().BindConfiguration("Membership:Applications");
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(RateLimit, http =>
            {
                var limits = http.RequestServices.GetRequiredService<IOptions<ApplicationLimits>>().Value;
                return PublicRateLimit.PerClientAddress(http, limits.PermitsPerWindow, limits.Window);
            });
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"Too many requests from this address; try again in {seconds} seconds.",
                    },
                });
            };
        });
        return services;
    }

    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet("/membership/applications/consent", () => TypedResults.Ok(new ConsentTextResponse(ConsentText.Version, ConsentText.Wording)))
            .AllowAnonymous()
            .WithSummary("The consent text an applicant must agree to, and its version (send it back as consentTextVersion).");
        api.MapPost("/membership/applications", HandleAsync)
            .Validate<ApplicationRequest>()
            .AllowAnonymous()
            .RequireRateLimiting(RateLimit)
            .WithSummary("An organisation applies for membership by itself (no key; rate-limited per address; consent required).")
            .Produces<ApplicationReceipt>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
    }

    private static async Task<IResult> HandleAsync(ApplicationRequest request, HttpContext http, EventStore store, TimeProvider time,
        CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var key = PersonalDataCipher.NewKey();
        // To the microsecond, as PostgreSQL keeps it, so that the recorded consent reads back exactly.
        var now = time.GetUtcNow() is var clock ? clock.AddTicks(-(clock.Ticks % 10)) : default;
        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("application", MembershipApplication.StreamId(id), ApplicationDecisions.Submit(id, request.Organisation!.ToDetails(),
            PersonalDataCipher.Seal(key, id, request.ContactPerson!.ToPersonalData()), new Consent(now, request.ConsentTextVersion!)));
        PersonKeys.Keep(uow, id, key);
        var stored = await uow.CommitAsync(ct);
        // Nothing of the application is echoed: the answer goes to whoever sent it, not to staff.
        return TypedResults.Accepted((string?)null, new ApplicationReceipt(id, Names.Of(ApplicationStatus.Pending), stored[0].RecordedAt));
    }
}
