using System.Net.Mail;
using Allmende.Eventing.Api;
using FluentValidation;

namespace Allmende.Host.Web.SignIn;

internal sealed record InvitePerson(string? Email, string? Role, Guid? PersonId, Guid? FunderId, string? Language = null)
{
    // The address is personal data: records that hold it keep it out of logs.
    public override string ToString() => $"InvitePerson {{ Role = {Role}, PersonId = {PersonId}, FunderId = {FunderId} }}";
}

/// <summary>The invitation: the account and its one-time link, shown once, for staff to pass on.</summary>
internal sealed record Invitation(AccountView Account, string Link);

internal sealed record RevokeAccess(string? Reason);

internal sealed class InvitePersonValidator : AbstractValidator<InvitePerson>
{
    public InvitePersonValidator()
    {
        RuleFor(r => r.Email).NotEmpty().MaximumLength(320).Must(e => MailAddress.TryCreate(e, out var address) && address.Address == e!.Trim())
            .WithMessage("email must be an e-mail address.");
        RuleFor(r => r.Role).Must(r => r is not null && Roles.All.Contains(r)).WithMessage($"role must be one of: {string.Join(", ", Roles.All)}.");
        // The same scopes as API keys: a member is a person of Membership, a funder speaks for one funder.
        RuleFor(r => r.PersonId).NotNull().When(r => r.Role == Roles.Member).WithMessage("A member is a person: personId is required.");
        RuleFor(r => r.FunderId).NotNull().When(r => r.Role == Roles.Funder).WithMessage("A funder's person speaks for a funder: funderId is required.");
        RuleFor(r => r.FunderId).Null().When(r => r.Role != Roles.Funder).WithMessage("Only funder people name a funder.");
        // The invitation mail's language (ADR 18); without it the installation's (German unless set).
        RuleFor(r => r.Language).Must(l => l is null or "de" or "en").WithMessage("language must be de or en.");
    }
}

/// <summary>Staff invite people to sign in, list who may, and revoke access (ending every session).</summary>
internal static class AccountEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var accounts = endpoints.MapGroup("/api/access/accounts").WithTags("Access").RequireAuthorization(Policies.Staff);

        accounts.MapPost("/", async (InvitePerson request, HttpContext http, AccountStore store, CancellationToken ct) =>
        {
            var (account, token) = await store.InviteAsync(request.Email!, request.Role!, request.PersonId, request.FunderId, http.EventMetadata(), ct, request.Language);
            return Results.Created($"/api/access/accounts/{account.AccountId}", new Invitation(account, $"/einladung/{token}"));
        }).Validate<InvitePerson>()
          .WithSummary("Invites a person by e-mail address for a role (a member names their person, a funder its funder); the answer holds the one-time link to set a password, shown only here")
          .Produces<Invitation>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict);

        accounts.MapGet("/", (AccountStore store, CancellationToken ct) => store.ListAsync(ct))
            .WithSummary("People who may sign in to the web app, with their state (invited, active, locked, revoked)");

        accounts.MapGet("/{accountId:guid}", async (Guid accountId, AccountStore store, CancellationToken ct) =>
            await store.FindAsync(accountId, ct) ?? throw new NotFoundException("account", accountId))
            .WithSummary("One person's access").Produces<AccountView>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapPost("/{accountId:guid}/revoke", (Guid accountId, RevokeAccess? request, HttpContext http, AccountStore store, CancellationToken ct) =>
            store.RevokeAsync(accountId, request?.Reason?.Trim() is { Length: > 0 } reason ? reason : "revoked", http.EventMetadata(), ct))
            .WithSummary("Ends a person's access at once: no sign-in, open sessions end at their next request")
            .Produces<AccountView>().ProducesProblem(StatusCodes.Status404NotFound);

        // A person's passkeys as staff see them (ADR 24): what tells one from another, never key material or credential ids.
        accounts.MapGet("/{accountId:guid}/passkeys", async (Guid accountId, AccountStore store, Passkeys passkeys, CancellationToken ct) =>
        {
            _ = await store.FindAsync(accountId, ct) ?? throw new NotFoundException("account", accountId);
            return await passkeys.ListAsync(accountId, ct);
        }).WithSummary("The passkeys of one person's access: name, transports, when added and last used")
          .Produces<IReadOnlyList<PasskeyView>>().ProducesProblem(StatusCodes.Status404NotFound);

        accounts.MapDelete("/{accountId:guid}/passkeys/{passkeyId:guid}", async (Guid accountId, Guid passkeyId, HttpContext http, Passkeys passkeys,
            CancellationToken ct) => await passkeys.RemoveAsync(accountId, passkeyId, ct, http.EventMetadata())
                ? Results.NoContent()
                : throw new NotFoundException("passkey", passkeyId))
            .WithSummary("Removes one passkey of a person's access (a lost device): no sign-in with it, and the sessions it opened end at their next request")
            .Produces(StatusCodes.Status204NoContent).ProducesProblem(StatusCodes.Status404NotFound);
    }
}
