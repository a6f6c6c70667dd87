using Allmende.Eventing.Privacy;
using System.Security.Cryptography;
using System.Text;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace Allmende.Host.Web.SignIn;

/// <summary>An account as staff see it. Status: invited, active, locked or revoked.</summary>
internal sealed record AccountView(Guid AccountId, string? Email, string Role, Guid? PersonId, Guid? FunderId, string Status,
    DateTimeOffset InvitedAt, DateTimeOffset? ActivatedAt, DateTimeOffset? RevokedAt);

/// <summary>What signing in and checking a session need; the password hash never leaves the store's callers.</summary>
internal sealed record SignInAccount(Guid AccountId, string Role, Guid? PersonId, Guid? FunderId, string? PasswordHash,
    DateTimeOffset? LockedUntil, Guid SecurityStamp, bool Revoked);

/// <summary>
/// Invitations, passwords (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>), lockout after
/// failed tries, and revoking, which changes the security stamp so that every session ends at its next request.
/// </summary>
internal sealed class AccountStore(NpgsqlDataSource db, EventStore store, TimeProvider time)
{
    public const int MaxFailedAttempts = 5;
    public static readonly TimeSpan LockoutTime = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);
    public const int MinPasswordLength = 10;

    private static readonly PasswordHasher<SignInAccount> Hasher = new();

    public async Task<(AccountView Account, string Token)> InviteAsync(string email, string role, Guid? personId, Guid? funderId, EventMetadata metadata, CancellationToken ct,
        string? language = null)
    {
        var normalised = Normalise(email);
        var hash = await EmailHashAsync(normalised, ct);
        var accountId = Guid.CreateVersion7();
        var key = RandomNumberGenerator.GetBytes(32);
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var expires = time.GetUtcNow() + InvitationLifetime;
        var uow = store.Begin(metadata);
        uow.StartStream(AccountStreams.Type, AccountStreams.Id(accountId), new PersonInvited(accountId, role, personId, funderId, expires));
        // The mail with the link (ADR 18): the outbox holds the link sealed with the account's key, so
        // forgetting the person before it is sent leaves nothing readable behind.
        uow.Send(new Mail.InvitationMailDue(accountId, Seal(key, accountId, token, "invitation"), language));
        uow.Enlist(async (context, token2) =>
        {
            await using (var insertKey = context.Command("insert into signin.account_keys (account_id, key) values ($1, $2)", accountId, key))
                await insertKey.ExecuteNonQueryAsync(token2);
            await using var insert = context.Command("""
                insert into signin.accounts (account_id, role, person_id, funder_id, email_hash, email_sealed, invitation_hash,
                                             invitation_expires_at, invited_at, invited_by, security_stamp)
                values ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, gen_random_uuid())
                """, accountId, role, personId, funderId, hash, Seal(key, accountId, normalised),
                SHA256.HashData(Encoding.UTF8.GetBytes(token)), expires, metadata.Actor);
            await insert.ExecuteNonQueryAsync(token2);
        });
        try
        {
            await uow.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new DomainException("email-taken", "This e-mail address has access already: revoke it first to invite it again.");
        }
        return (await FindAsync(accountId, ct) ?? throw new NotFoundException("account", accountId), token);
    }

    public async Task<IReadOnlyList<AccountView>> ListAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{ViewSelect} order by a.invited_at, a.account_id");
        return await ReadViewsAsync(command, ct);
    }

    public async Task<AccountView?> FindAsync(Guid accountId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{ViewSelect} where a.account_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        var views = await ReadViewsAsync(command, ct);
        return views.Count > 0 ? views[0] : null;
    }

    /// <summary>The address of an open invitation (shown on the page that sets the password), or null.</summary>
    public async Task<(Guid AccountId, string? Email)?> FindInvitationAsync(string token, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select a.account_id, a.email_sealed, k.key from signin.accounts a left join signin.account_keys k using (account_id)
            where a.invitation_hash = $1 and a.invitation_expires_at > $2 and a.revoked_at is null
            """);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = SHA256.HashData(Encoding.UTF8.GetBytes(token)) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var id = reader.GetGuid(0);
        return (id, Open(reader, 1, 2, id));
    }

    /// <summary>Uses the invitation once: sets the password and returns the account to sign in, or null if the link is spent or stale.</summary>
    public async Task<SignInAccount?> AcceptInvitationAsync(string token, string password, CancellationToken ct)
    {
        if (await FindInvitationAsync(token, ct) is not { } invitation)
            return null;
        var account = await LoadAsync(invitation.AccountId, ct);
        if (account is null)
            return null;
        var passwordHash = Hasher.HashPassword(account, password);
        var uow = store.Begin(new EventMetadata($"{account.Role}:account-{account.AccountId:N}", Guid.NewGuid().ToString()));
        var stream = AccountStreams.Id(account.AccountId);
        uow.Append(stream, await store.CurrentVersionAsync(stream, ct) ?? 0, new PasswordSet(account.AccountId));
        var used = false;
        uow.Enlist(async (context, token2) =>
        {
            await using var update = context.Command("""
                update signin.accounts set password_hash = $2, invitation_hash = null, invitation_expires_at = null,
                       activated_at = coalesce(activated_at, now()), failed_attempts = 0, locked_until = null
                where account_id = $1 and invitation_hash = $3 and revoked_at is null
                """, account.AccountId, passwordHash, SHA256.HashData(Encoding.UTF8.GetBytes(token)));
            used = await update.ExecuteNonQueryAsync(token2) == 1;
            if (!used)
                throw new DomainException("invitation-used", "This invitation link has been used already.");
        });
        try
        {
            await uow.CommitAsync(ct);
        }
        catch (Exception e) when (e is ConcurrencyException or DomainException)
        {
            return null; // two tabs with the same link: one sets the password
        }
        return await LoadAsync(account.AccountId, ct);
    }

    /// <summary>
    /// Checks an address and password. Failed tries count; the fifth locks the account for
    /// <see cref="LockoutTime"/>, and while locked even the right password is refused.
    /// </summary>
    public async Task<SignInResult> SignInAsync(string email, string password, CancellationToken ct)
    {
        var hash = await EmailHashAsync(Normalise(email), ct);
        await using var command = db.CreateCommand($"select {AccountColumns} from signin.accounts where email_hash = $1 and revoked_at is null");
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = hash });
        SignInAccount? account;
        await using (var reader = await command.ExecuteReaderAsync(ct))
            account = await reader.ReadAsync(ct) ? ReadAccount(reader) : null;
        if (account?.PasswordHash is null)
        {
            Hasher.HashPassword(new SignInAccount(Guid.Empty, "", null, null, null, null, Guid.Empty, false), password); // same work as a real check: timing tells nothing
            return SignInResult.Failed;
        }
        var now = time.GetUtcNow();
        if (account.LockedUntil > now)
            return SignInResult.LockedOut;
        if (Hasher.VerifyHashedPassword(account, account.PasswordHash, password) == PasswordVerificationResult.Failed)
        {
            await using var fail = db.CreateCommand("""
                update signin.accounts
                set failed_attempts = case when failed_attempts + 1 >= $2 then 0 else failed_attempts + 1 end,
                    locked_until = case when failed_attempts + 1 >= $2 then $3 else locked_until end
                where account_id = $1 returning locked_until
                """);
            fail.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = account.AccountId });
            fail.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxFailedAttempts });
            fail.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + LockoutTime });
            var lockedUntil = await fail.ExecuteScalarAsync(ct);
            return lockedUntil is DateTime until && until > now.UtcDateTime ? SignInResult.LockedOut : SignInResult.Failed;
        }
        await using var success = db.CreateCommand("update signin.accounts set failed_attempts = 0, locked_until = null where account_id = $1");
        success.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = account.AccountId });
        await success.ExecuteNonQueryAsync(ct);
        return SignInResult.Success(account);
    }

    public async Task<SignInAccount?> LoadAsync(Guid accountId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {AccountColumns} from signin.accounts where account_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadAccount(reader) : null;
    }

    /// <summary>Ends the person's access: no sign-in (by password or passkey), and every open session ends at its next request (new security stamp).</summary>
    public async Task<AccountView> RevokeAsync(Guid accountId, string reason, EventMetadata metadata, CancellationToken ct)
    {
        var view = await FindAsync(accountId, ct) ?? throw new NotFoundException("account", accountId);
        if (view.RevokedAt is not null)
            return view;
        var stream = AccountStreams.Id(accountId);
        var uow = store.Begin(metadata);
        uow.Append(stream, await store.CurrentVersionAsync(stream, ct) ?? throw new NotFoundException("account", accountId), new AccessRevoked(accountId, reason));
        uow.Enlist(async (context, token) =>
        {
            await using var update = context.Command("""
                update signin.accounts set revoked_at = now(), security_stamp = gen_random_uuid(), invitation_hash = null, invitation_expires_at = null
                where account_id = $1 and revoked_at is null
                """, accountId);
            await update.ExecuteNonQueryAsync(token);
            // Its passkeys go too: sign-in refuses a revoked account anyway, and a key that opens nothing is not kept.
            await using var passkeys = context.Command("delete from signin.passkeys where account_id = $1", accountId);
            await passkeys.ExecuteNonQueryAsync(token);
        });
        try
        {
            await uow.CommitAsync(ct);
        }
        catch (ConcurrencyException)
        {
            // changed meanwhile (a password set, another revoke): the answer shows the outcome
        }
        return await FindAsync(accountId, ct) ?? throw new NotFoundException("account", accountId);
    }

    private const string AccountColumns = "account_id, role, person_id, funder_id, password_hash, locked_until, security_stamp, revoked_at is not null";

    private static SignInAccount ReadAccount(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.IsDBNull(3) ? null : r.GetGuid(3),
        r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.GetGuid(6), r.GetBoolean(7));

    private const string ViewSelect = """
        select a.account_id, a.email_sealed, k.key, a.role, a.person_id, a.funder_id,
               case when a.revoked_at is not null then 'revoked'
                    when a.locked_until > now() then 'locked'
                    when a.activated_at is not null then 'active'
                    else 'invited' end,
               a.invited_at, a.activated_at, a.revoked_at
        from signin.accounts a left join signin.account_keys k using (account_id)
        """;

    private static async Task<IReadOnlyList<AccountView>> ReadViewsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var views = new List<AccountView>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var id = r.GetGuid(0);
            views.Add(new AccountView(id, Open(r, 1, 2, id), r.GetString(3), r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetGuid(5),
                r.GetString(6), r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
                r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9)));
        }
        return views;
    }

    private byte[]? _pepper;

    private async Task<byte[]> EmailHashAsync(string normalised, CancellationToken ct)
    {
        if (_pepper is null)
        {
            await using var command = db.CreateCommand("select email_pepper from signin.settings where id = 1");
            _pepper = (byte[])(await command.ExecuteScalarAsync(ct))!;
        }
        return HMACSHA256.HashData(_pepper, Encoding.UTF8.GetBytes(normalised));
    }

    public static string Normalise(string email) => email.Trim().ToLowerInvariant();

    internal static string Seal(byte[] key, Guid accountId, string value, string field = "email") =>
        Sealing.Seal(key, SealPurpose, accountId, field, value);

    /// <summary>The sealed address, or null once the key is gone (the person was forgotten).</summary>
    private static string? Open(NpgsqlDataReader r, int sealedColumn, int keyColumn, Guid accountId) =>
        r.IsDBNull(sealedColumn) || r.IsDBNull(keyColumn) ? null : Open(r.GetFieldValue<byte[]>(keyColumn), accountId, r.GetString(sealedColumn));

    internal static string Open(byte[] key, Guid accountId, string sealedValue, string field = "email") =>
        Sealing.Open(key, SealPurpose, accountId, field, sealedValue);

    private const string SealPurpose = "allmende.signin.account";

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <param name="PasskeyId">The passkey that signed the person in, if one did: its session lasts only as long as the passkey.</param>
internal sealed record SignInResult(SignInAccount? Account, bool IsLockedOut, Guid? PasskeyId = null)
{
    public static readonly SignInResult Failed = new(null, false);
    public static readonly SignInResult LockedOut = new(null, true);

    public static SignInResult Success(SignInAccount account, Guid? passkeyId = null) => new(account, false, passkeyId);
}
