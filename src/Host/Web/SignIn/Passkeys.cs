using System.Security.Claims;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Npgsql;

namespace Allmende.Host.Web.SignIn;

/// <summary>A passkey as its owner sees it: no key material, only what tells one from another.</summary>
internal sealed record PasskeyView(Guid PasskeyId, string Name, IReadOnlyList<string> Transports, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt);

/// <summary>What the browser needs to start a ceremony: the server's challenge record and the WebAuthn options as JSON.</summary>
internal sealed record PasskeyCeremony(Guid ChallengeId, string OptionsJson);

/// <summary>Where a ceremony runs: the relying party is the host the person reached us on, and only its origin may answer.</summary>
internal sealed record RelyingParty(string Id, string Origin)
{
    public static RelyingParty Of(HttpRequest request) => new(request.Host.Host, $"{request.Scheme}://{request.Host}");
}

/// <summary>
/// Passkeys (WebAuthn) for signing in, next to the password (ADR 24). Fido2 checks the ceremonies; we keep
/// the credentials per account in signin.passkeys and every challenge server-side in
/// signin.passkey_challenges, for <see cref="ChallengeLifetime"/> and for one answer only: taking a
/// challenge deletes it, so a replayed answer finds nothing. A passkey signs in only an account that is not
/// revoked and not locked out: the password's lockout holds for the whole account.
/// </summary>
internal sealed class Passkeys(NpgsqlDataSource db, EventStore store, AccountStore accounts, TimeProvider time)
{
    public static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(5);
    public const int MaxNameLength = 60;

    private const string Register = "register";
    private const string SignIn = "sign-in";

    /// <summary>The signed-in person's account, from the session's subject ("account-…").</summary>
    public static Guid? AccountOf(ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) is { } subject && subject.StartsWith("account-", StringComparison.Ordinal)
            && Guid.TryParseExact(subject["account-".Length..], "N", out var id) ? id : null;

    public async Task<IReadOnlyList<PasskeyView>> ListAsync(Guid accountId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select passkey_id, name, transports, created_at, last_used_at from signin.passkeys
            where account_id = $1 order by created_at, passkey_id
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        var passkeys = new List<PasskeyView>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            passkeys.Add(new PasskeyView(r.GetGuid(0), r.GetString(1), r.GetFieldValue<string[]>(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4)));
        return passkeys;
    }

    /// <summary>Options to create a passkey for the account: a discoverable one (no address to type at sign-in), verified by the device.</summary>
    public async Task<PasskeyCeremony> BeginRegistrationAsync(Guid accountId, RelyingParty rp, CancellationToken ct)
    {
        var account = await accounts.FindAsync(accountId, ct) ?? throw new NotFoundException("account", accountId);
        var existing = await CredentialIdsAsync(accountId, ct);
        var options = Fido2For(rp).RequestNewCredential(new RequestNewCredentialParams
        {
            // The user handle is the account id: no personal data. The address is only the label the device shows.
            User = new Fido2User { Id = accountId.ToByteArray(), Name = account.Email ?? $"account-{accountId:N}", DisplayName = account.Email ?? "Allmende" },
            ExcludeCredentials = [.. existing.Select(id => new PublicKeyCredentialDescriptor(id))],
            AuthenticatorSelection = new AuthenticatorSelection
            {
                ResidentKey = ResidentKeyRequirement.Required,
                UserVerification = UserVerificationRequirement.Required,
            },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        var forDevice = options.ToJson();
        // The address is the device's label only: the kept copy names none (addresses are stored sealed, ADR 16),
        // and checking the answer needs only the user handle.
        options.User = new Fido2User { Id = options.User.Id, Name = "", DisplayName = "" };
        return new PasskeyCeremony(await KeepChallengeAsync(Register, accountId, options.ToJson(), ct), forDevice);
    }

    /// <summary>Checks the device's answer to a registration challenge of this account and keeps the new passkey.</summary>
    public async Task<PasskeyView> FinishRegistrationAsync(Guid accountId, Guid challengeId, string? credentialJson, string? name, RelyingParty rp,
        CancellationToken ct)
    {
        var optionsJson = await TakeChallengeAsync(challengeId, Register, accountId, ct);
        var response = Read<AuthenticatorAttestationRawResponse>(credentialJson);
        RegisteredPublicKeyCredential credential;
        try
        {
            credential = await Fido2For(rp).MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(optionsJson),
                IsCredentialIdUniqueToUserCallback = async (args, token) => !await CredentialExistsAsync(args.CredentialId, token),
            }, ct);
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            throw new PasskeyRefusedException("passkey-invalid", e.Message);
        }

        var passkeyId = Guid.CreateVersion7();
        // Without a name: one in the language of the page it was added on, stored as it is.
        var label = name?.Trim() is { Length: > 0 } given ? given[..Math.Min(given.Length, MaxNameLength)] : Texts.L("Passkey vom {0}", Formats.Date(time.GetUtcNow()));
        var transports = credential.Transports?.Select(t => t.ToString().ToLowerInvariant()).ToArray() ?? [];
        var uow = store.Begin(Metadata(accountId));
        uow.Append(AccountStreams.Id(accountId), new PasskeyAdded(accountId, passkeyId));
        uow.Enlist(async (context, token) =>
        {
            // Only for an account that may still sign in: a revoke between the challenge and the answer wins.
            await using var insert = context.Command("""
                insert into signin.passkeys (passkey_id, account_id, credential_id, public_key, sign_count, transports, name, created_at)
                select $1, account_id, $3, $4, $5, $6, $7, now() from signin.accounts where account_id = $2 and revoked_at is null
                """, passkeyId, accountId, credential.Id, credential.PublicKey, (long)credential.SignCount, transports, label);
            if (await insert.ExecuteNonQueryAsync(token) != 1)
                throw new PasskeyRefusedException("account-revoked", "This account's access has been revoked.");
        });
        try
        {
            await uow.CommitAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new PasskeyRefusedException("passkey-known", "This passkey is registered already.");
        }
        return (await ListAsync(accountId, ct)).Single(p => p.PasskeyId == passkeyId);
    }

    /// <summary>Options to sign in with any passkey of this site: the device offers the ones it holds, no address needed.</summary>
    public async Task<PasskeyCeremony> BeginSignInAsync(RelyingParty rp, CancellationToken ct)
    {
        var options = Fido2For(rp).GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [],
            UserVerification = UserVerificationRequirement.Required,
        });
        return new PasskeyCeremony(await KeepChallengeAsync(SignIn, null, options.ToJson(), ct), options.ToJson());
    }

    /// <summary>
    /// Checks the device's answer to a sign-in challenge: the passkey must belong to an account that is not
    /// revoked (revoking deletes its passkeys too) and not locked out, and its signature must verify.
    /// </summary>
    public async Task<SignInResult> FinishSignInAsync(Guid challengeId, string? assertionJson, RelyingParty rp, CancellationToken ct)
    {
        var optionsJson = await TakeChallengeAsync(challengeId, SignIn, null, ct);
        var response = Read<AuthenticatorAssertionRawResponse>(assertionJson);
        if (response.RawId is not { Length: > 0 })
            throw new PasskeyRefusedException("passkey-unreadable", "The browser's passkey answer names no credential.");
        await using var find = db.CreateCommand("""
            select p.passkey_id, p.account_id, p.public_key, p.sign_count from signin.passkeys p
            join signin.accounts a using (account_id) where p.credential_id = $1 and a.revoked_at is null
            """);
        find.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = response.RawId });
        (Guid PasskeyId, Guid AccountId, byte[] PublicKey, long SignCount)? stored = null;
        await using (var r = await find.ExecuteReaderAsync(ct))
        {
            if (await r.ReadAsync(ct))
                stored = (r.GetGuid(0), r.GetGuid(1), r.GetFieldValue<byte[]>(2), r.GetInt64(3));
        }
        if (stored is not { } passkey)
            throw new PasskeyRefusedException("passkey-unknown", "This passkey does not open any account here.");
        var account = await accounts.LoadAsync(passkey.AccountId, ct);
        if (account is null || account.Revoked)
            throw new PasskeyRefusedException("passkey-unknown", "This passkey does not open any account here.");
        var now = time.GetUtcNow();
        if (account.LockedUntil > now)
            return SignInResult.LockedOut;
        VerifyAssertionResult verified;
        try
        {
            verified = await Fido2For(rp).MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(optionsJson),
                StoredPublicKey = passkey.PublicKey,
                StoredSignatureCounter = (uint)passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (args, _) =>
                    Task.FromResult(args.UserHandle is { Length: 16 } handle && new Guid(handle) == passkey.AccountId),
            }, ct);
        }
        catch (Exception e) when (IsBadAnswer(e))
        {
            throw new PasskeyRefusedException("passkey-invalid", e.Message);
        }
        await using var used = db.CreateCommand("""
            with used as (update signin.passkeys set sign_count = $2, last_used_at = $3 where passkey_id = $1 returning account_id)
            update signin.accounts set failed_attempts = 0, locked_until = null where account_id in (select account_id from used)
            """);
        used.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = passkey.PasskeyId });
        used.Parameters.Add(new NpgsqlParameter<long> { TypedValue = verified.SignCount });
        used.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        await used.ExecuteNonQueryAsync(ct);
        return SignInResult.Success(account, passkey.PasskeyId);
    }

    /// <summary>
    /// Removes one passkey of the account; false if the account has no such passkey (someone else's is never touched).
    /// Its use ends with it: no sign-in with it, and a session it opened ends at its next request (see
    /// <see cref="StillThereAsync"/>). The person themselves remove as the account; staff with their own
    /// <paramref name="metadata"/>, so that the log says who did.
    /// </summary>
    public async Task<bool> RemoveAsync(Guid accountId, Guid passkeyId, CancellationToken ct, EventMetadata? metadata = null)
    {
        var uow = store.Begin(metadata ?? Metadata(accountId));
        uow.Append(AccountStreams.Id(accountId), new PasskeyRemoved(accountId, passkeyId));
        uow.Enlist(async (context, token) =>
        {
            await using var delete = context.Command("delete from signin.passkeys where passkey_id = $1 and account_id = $2", passkeyId, accountId);
            if (await delete.ExecuteNonQueryAsync(token) != 1)
                throw new NotFoundException("passkey", passkeyId);
        });
        try
        {
            await uow.CommitAsync(ct);
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    /// <summary>Whether the passkey that opened a session is still the account's: removed, and the session ends.</summary>
    public async Task<bool> StillThereAsync(Guid accountId, Guid passkeyId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select exists (select 1 from signin.passkeys where passkey_id = $1 and account_id = $2)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = passkeyId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// What a malformed or forged answer makes Fido2 throw: its verdict, or the parsers' complaints about
    /// bytes that are not CBOR, base64 or a key. All of them are the browser's fault, a refusal, never a 500.
    /// </summary>
    private static bool IsBadAnswer(Exception e) =>
        e is Fido2VerificationException or System.Formats.Cbor.CborContentException or FormatException or ArgumentException
            or InvalidOperationException or System.Security.Cryptography.CryptographicException or JsonException;

    private static Fido2 Fido2For(RelyingParty rp) => new(new Fido2Configuration
    {
        RPID = rp.Id,
        RPName = "Allmende",
        Origins = new HashSet<string>(StringComparer.Ordinal) { rp.Origin },
    });

    private static EventMetadata Metadata(Guid accountId) => new($"account-{accountId:N}", Guid.NewGuid().ToString());

    private static T Read<T>(string? json) where T : class
    {
        try
        {
            return (string.IsNullOrWhiteSpace(json) ? null : JsonSerializer.Deserialize<T>(json))
                ?? throw new PasskeyRefusedException("passkey-missing", "The browser sent no passkey.");
        }
        catch (JsonException)
        {
            throw new PasskeyRefusedException("passkey-unreadable", "The browser's passkey answer could not be read.");
        }
    }

    private async Task<Guid> KeepChallengeAsync(string ceremony, Guid? accountId, string optionsJson, CancellationToken ct)
    {
        var challengeId = Guid.CreateVersion7();
        var now = time.GetUtcNow();
        // Stale challenges of earlier ceremonies go with each new one: the table stays small without a job.
        await using var command = db.CreateCommand("""
            with stale as (delete from signin.passkey_challenges where expires_at < $5)
            insert into signin.passkey_challenges (challenge_id, ceremony, account_id, options, expires_at) values ($1, $2, $3, $4, $6)
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = challengeId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ceremony });
        command.Parameters.Add(new NpgsqlParameter { Value = accountId is { } id ? id : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = optionsJson });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + ChallengeLifetime });
        await command.ExecuteNonQueryAsync(ct);
        return challengeId;
    }

    /// <summary>The challenge's options, once: the row is deleted as it is read, so a second answer to it finds nothing.</summary>
    private async Task<string> TakeChallengeAsync(Guid challengeId, string ceremony, Guid? accountId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            delete from signin.passkey_challenges where challenge_id = $1
            returning ceremony, account_id, options, expires_at
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = challengeId });
        await using var r = await command.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)
            || r.GetString(0) != ceremony
            || (r.IsDBNull(1) ? null : r.GetGuid(1)) != accountId
            || r.GetFieldValue<DateTimeOffset>(3) <= time.GetUtcNow())
            throw new PasskeyRefusedException("challenge-unknown", "This passkey request has expired or was answered already: start again.");
        return r.GetString(2);
    }

    private async Task<List<byte[]>> CredentialIdsAsync(Guid accountId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select credential_id from signin.passkeys where account_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
        var ids = new List<byte[]>();
        await using var r = await command.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            ids.Add(r.GetFieldValue<byte[]>(0));
        return ids;
    }

    private async Task<bool> CredentialExistsAsync(byte[] credentialId, CancellationToken ct)
    {
        await using var command = db.CreateCommand("select exists (select 1 from signin.passkeys where credential_id = $1)");
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = credentialId });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}

/// <summary>A passkey ceremony that did not succeed; <see cref="Rule"/> says why, for the page to put in words.</summary>
internal sealed class PasskeyRefusedException(string rule, string message) : Exception(message)
{
    public string Rule { get; } = rule;
}
