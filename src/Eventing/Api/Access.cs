using System.Security.Claims;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Http;

namespace Allmende.Eventing.Api;

/// <summary>The four roles of the access rules. A principal has exactly one.</summary>
public static class Roles
{
    /// <summary>Staff: everything.</summary>
    public const string Admin = "admin";

    /// <summary>A person acting only for their own organisations.</summary>
    public const string Member = "member";

    /// <summary>Reads only its own grants' reports and audit trails.</summary>
    public const string Funder = "funder";

    /// <summary>Reads everything, writes nothing.</summary>
    public const string Auditor = "auditor";

    public static readonly IReadOnlySet<string> All = new HashSet<string>([Admin, Member, Funder, Auditor], StringComparer.Ordinal);
}

/// <summary>Authorization policies every endpoint names one of.</summary>
public static class Policies
{
    /// <summary>Staff only (admin).</summary>
    public const string Staff = "staff";

    /// <summary>Admin or auditor: reading anything.</summary>
    public const string ReadAll = "read-all";

    /// <summary>Admin or member; the endpoint then checks the member acts for the organisation concerned.</summary>
    public const string ActForOrganisation = "act-for-organisation";

    /// <summary>Admin, auditor or member; the endpoint then limits a member to their organisations.</summary>
    public const string ReadOrganisation = "read-organisation";

    /// <summary>Admin, auditor or member: the house itself (sites, rooms, rules), not funders' business.</summary>
    public const string Participant = "participant";

    /// <summary>Admin, auditor or funder; the endpoint then limits a funder to its own funders' grants (<c>CanReadFunder</c>).</summary>
    public const string ReadFunding = "read-funding";

    /// <summary>
    /// Admin, auditor, member or funder: a booking's history. The endpoint then limits a member to their
    /// organisations' bookings and a funder to bookings its grants were allocated parts of.
    /// </summary>
    public const string ReadBookingHistory = "read-booking-history";
}

/// <summary>Claims the host puts on a principal, beyond its id and role.</summary>
public static class AllmendeClaims
{
    public const string Person = "allmende:person";
    public const string Organisation = "allmende:organisation";
    public const string Funder = "allmende:funder";
}

/// <summary>The access rules, as questions about the calling principal.</summary>
public static class PrincipalExtensions
{
    public static string Role(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role) ?? "";

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    public static bool IsAuditor(this ClaimsPrincipal user) => user.IsInRole(Roles.Auditor);

    /// <summary>Who acts, as recorded on every event: "admin:…", "member:…" and so on.</summary>
    public static string Actor(this ClaimsPrincipal user) =>
        $"{user.Role()}:{user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous"}";

    public static Guid? PersonId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(AllmendeClaims.Person), out var id) ? id : null;

    public static IReadOnlySet<Guid> Organisations(this ClaimsPrincipal user) =>
        user.FindAll(AllmendeClaims.Organisation).Select(c => Guid.TryParse(c.Value, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToHashSet();

    public static IReadOnlySet<Guid> Funders(this ClaimsPrincipal user) =>
        user.FindAll(AllmendeClaims.Funder).Select(c => Guid.TryParse(c.Value, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToHashSet();

    /// <summary>Admins act for every organisation; members for their own.</summary>
    public static bool CanActFor(this ClaimsPrincipal user, Guid organisationId) =>
        user.IsAdmin() || (user.IsInRole(Roles.Member) && user.Organisations().Contains(organisationId));

    /// <summary>Admins and auditors read every organisation; members their own.</summary>
    public static bool CanRead(this ClaimsPrincipal user, Guid organisationId) =>
        user.IsAdmin() || user.IsAuditor() || (user.IsInRole(Roles.Member) && user.Organisations().Contains(organisationId));

    /// <summary>Admins and auditors read every funder's grants; a funder only its own.</summary>
    public static bool CanReadFunder(this ClaimsPrincipal user, Guid funderId) =>
        user.IsAdmin() || user.IsAuditor() || (user.IsInRole(Roles.Funder) && user.Funders().Contains(funderId));

    /// <summary>The metadata of events written on behalf of this request.</summary>
    public static EventMetadata EventMetadata(this HttpContext context) =>
        new(context.User.Actor(),
            context.Request.Headers.TryGetValue("X-Correlation-Id", out var correlation) && !string.IsNullOrWhiteSpace(correlation)
                ? correlation.ToString()
                : context.TraceIdentifier);
}

/// <summary>
/// Marks a request that a web page sends to the API in process (HttpContext.Items; no client can set
/// it), for the few rules that look at the client's connection, such as a rate limit per address.
/// </summary>
public static class InProcessCall
{
    public const string Marker = "allmende:in-process-call";
}
