namespace Allmende.Host.Web.SignIn;

// No address and no secret in the log: the log is forever, and exported to funders.
internal sealed record PersonInvited(Guid AccountId, string Role, Guid? PersonId, Guid? FunderId, DateTimeOffset InvitationExpiresAt);

internal sealed record PasswordSet(Guid AccountId);

internal sealed record AccessRevoked(Guid AccountId, string Reason);

internal static class AccountStreams
{
    public const string Type = "sign-in";

    public static string Id(Guid accountId) => $"sign-in-{accountId:N}";
}
