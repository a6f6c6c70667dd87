using System.Security.Cryptography;
using System.Text;

namespace Allmende.Eventing.Privacy;

/// <summary>
/// Crypto-shredding's one cipher (ADR 8), for every module that keeps personal data: a value is sealed
/// with AES-256-GCM under its owner's random key (kept outside the log) and a fresh 96-bit nonce, stored
/// as base64 of nonce, tag and ciphertext. The associated data "&lt;purpose&gt;:&lt;owner id&gt;:&lt;field&gt;" binds
/// it to its owner and field, so a sealed value moved to another person or field does not open.
/// Deleting the key makes every sealed copy unreadable at once.
/// </summary>
public static class Sealing
{
    public const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(KeySize);

    /// <param name="purpose">Whose data, e.g. "allmende.membership.person": never reused for another kind of owner.</param>
    public static string Seal(byte[] key, string purpose, Guid ownerId, string field, string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedValue = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedValue.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize),
            Associated(purpose, ownerId, field));
        CryptographicOperations.ZeroMemory(plain);
        return Convert.ToBase64String(sealedValue);
    }

    public static string Open(byte[] key, string purpose, Guid ownerId, string field, string sealedBase64)
    {
        var sealedValue = Convert.FromBase64String(sealedBase64);
        if (sealedValue.Length < NonceSize + TagSize)
            throw new CryptographicException($"A sealed {field} is too short to be one of ours.");
        var plain = new byte[sealedValue.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain,
            Associated(purpose, ownerId, field));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(string purpose, Guid ownerId, string field) => Encoding.UTF8.GetBytes($"{purpose}:{ownerId:D}:{field}");
}
