using System.Security.Cryptography;
using System.Text;

namespace Allmende.Membership.Privacy;

/// <summary>
/// Crypto-shredding of personal data: every person has a random 256-bit key, kept outside the log
/// (membership.person_keys). Each value is sealed with AES-256-GCM under a fresh random 96-bit nonce;
/// the associated data binds it to the person and the field, so a sealed value cannot be moved to
/// another person or field unnoticed. Deleting the key makes every sealed copy unreadable at once:
/// in events, read models and backups of them alike.
/// </summary>
internal static class PersonalDataCipher
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static SealedPersonalData Seal(byte[] key, Guid personId, PersonalData data) =>
        new(Seal(key, personId, "name", data.Name),
            Seal(key, personId, "email", data.Email),
            data.Phone is null ? null : Seal(key, personId, "phone", data.Phone));

    /// <summary>The plain values, or <see cref="RevealedPersonalData.Gone"/> when the key is gone.</summary>
    public static RevealedPersonalData Reveal(byte[]? key, Guid personId, SealedPersonalData? data) =>
        key is null || data is null
            ? RevealedPersonalData.Gone
            : new RevealedPersonalData(
                Open(key, personId, "name", data.Name),
                Open(key, personId, "email", data.Email),
                data.Phone is null ? null : Open(key, personId, "phone", data.Phone),
                false);

    public static string Seal(byte[] key, Guid personId, string field, string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedValue = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedValue.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), Associated(personId, field));
        CryptographicOperations.ZeroMemory(plain);
        return Convert.ToBase64String(sealedValue);
    }

    public static string Open(byte[] key, Guid personId, string field, string sealedBase64)
    {
        var sealedValue = Convert.FromBase64String(sealedBase64);
        if (sealedValue.Length < NonceSize + TagSize)
            throw new CryptographicException($"A sealed {field} is too short to be one of ours.");
        var plain = new byte[sealedValue.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain,
            Associated(personId, field));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(Guid personId, string field) => Encoding.UTF8.GetBytes($"allmende.membership.person:{personId:D}:{field}");
}
