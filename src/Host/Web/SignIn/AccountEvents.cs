namespace Allmende.Host.Web.SignIn;

// No address and no secret in the log: the log is forever, and exported to funders.
internal sealed record PersonInvited(Guid AccountId, string Role, Guid? PersonId, Guid? FunderId, DateTimeOffset InvitationExpiresAt);

internal sealed record PasswordSet(Guid AccountId);

internal sealed record AccessRevoked(Guid AccountId, string Reason);

// A passkey by our own id only: neither its credential id nor its name (which the person chose) goes in the log.
internal sealed record PasskeyAdded(Guid AccountId, Guid PasskeyId);

internal sealed record PasskeyRemoved(Guid AccountId, Guid PasskeyId);

internal static class AccountStreams
{
    public const string Type = "sign-in";

    public static string Id(Guid accountId) => $"sign-in-{accountId:N}";
}
