using System.Security.Cryptography;
using System.Text;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Npgsql;

namespace Allmende.Host.Access;

// The key's label stays out of the log: staff may write a person's name into it, and the log is
// forever. It lives only in access.api_keys, where forgetting the person erases it.
internal sealed record ApiKeyIssued(Guid KeyId, string Role, Guid? PersonId, Guid? FunderId, DateTimeOffset? ExpiresAt);

internal sealed record ApiKeyRevoked(Guid KeyId, string Reason);

/// <summary>A key as the store knows it: never its secret, only the secret's hash.</summary>
internal sealed record StoredKey(Guid KeyId, string Name, string Role, Guid? PersonId, Guid? FunderId,
    DateTimeOffset IssuedAt, string IssuedBy, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt)
{
    public bool IsValidAt(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>
/// The key format: "alm_" + key id (32 hex) + "_" + 256 random bits (base64url). The id finds the
/// row; the secret's SHA-256 is compared in constant time. A slow password hash buys nothing for
/// random 256-bit secrets and would cost every request.
/// </summary>
internal static class ApiKeyFormat
{
    private const string Prefix = "alm_";

    public static string StreamId(Guid keyId) => $"api-key-{keyId:N}";

    public static (Guid KeyId, string Key, byte[] Hash) New()
    {
        var id = Guid.NewGuid();
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (id, $"{Prefix}{id:N}_{secret}", Hash(secret));
    }

    public static bool TryParse(string presented, out Guid keyId, out string secret)
    {
        keyId = Guid.Empty;
        secret = "";
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length < Prefix.Length + 34 || presented[Prefix.Length + 32] != '_')
            return false;
        secret = presented[(Prefix.Length + 33)..];
        return Guid.TryParseExact(presented.AsSpan(Prefix.Length, 32), "N", out keyId) && secret.Length > 0;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>A key whose secret matched, with the organisations its person acts for now (members only; else none).</summary>
internal sealed record VerifiedKey(StoredKey Key, IReadOnlyList<Guid> Organisations);

internal sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "key_id, name, role, person_id, funder_id, issued_at, issued_by, expires_at, revoked_at";

    /// <summary>
    /// The key and a member's organisations in one query: every request with a key runs this, so the
    /// organisations come along instead of costing a second round trip in the claims transformation
    /// (which still asks for tokens). Measured on the booking path: docs/benchmarks.md, Bookings.
    /// </summary>
    public async Task<VerifiedKey?> VerifyAsync(string presented, CancellationToken ct)
    {
        if (!ApiKeyFormat.TryParse(presented, out var keyId, out var secret))
            return null;
        await using var command = dataSource.CreateCommand($"""
            select {Columns}, secret_hash,
                   case when role = $2 then array({AccessClaimsTransformation.OrganisationsOf("k.person_id")}) end
            from access.api_keys k where key_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = keyId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Roles.Member });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
            return null;
        var hash = reader.GetFieldValue<byte[]>(9);
        if (!CryptographicOperations.FixedTimeEquals(hash, ApiKeyFormat.Hash(secret)))
            return null;
        return new VerifiedKey(Read(reader), reader.IsDBNull(10) ? [] : reader.GetFieldValue<Guid[]>(10));
    }

    public async Task<StoredKey?> FindAsync(Guid keyId, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from access.api_keys where key_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = keyId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<Page<StoredKey>> ListAsync(PageRequest page, string? role, bool includeRevoked, CancellationToken ct)
    {
        const string Filter = "where ($1::text is null or role = $1) and ($2 or revoked_at is null)";
        return await PagedQuery.ReadAsync(dataSource, $"select count(*) from access.api_keys {Filter}",
            $"select {Columns} from access.api_keys {Filter} order by issued_at, key_id offset $3 limit $4",
            parameters =>
            {
                parameters.Add(SqlParameters.OrNull(role, NpgsqlTypes.NpgsqlDbType.Text));
                parameters.Add(new NpgsqlParameter<bool> { TypedValue = includeRevoked });
            }, page, Read, ct);
    }

    private static StoredKey Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2),
        r.IsDBNull(3) ? null : r.GetGuid(3), r.IsDBNull(4) ? null : r.GetGuid(4),
        r.GetFieldValue<DateTimeOffset>(5), r.GetString(6),
        r.IsDBNull(7) ? null : r.GetFieldValue<DateTimeOffset>(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));
}
