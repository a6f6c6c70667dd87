using System.Security.Cryptography;
using System.Text;

namespace Allmende.Bookings.Programme;

/// <summary>
/// A registrant's name and e-mail sealed with AES-256-GCM under the registration's own random key (kept in
/// bookings.registration_keys, outside the log and every projection), as Membership seals a person's data
/// (ADR 8); the associated data binds a value to its registration and field. Deleting the key forgets them.
/// Membership's cipher is internal to it, and a module may not reach into another: this is the same scheme.
/// </summary>
internal static class RegistrationCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public static string Seal(byte[] key, Guid registrationId, string field, string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var sealedValue = new byte[NonceSize + TagSize + plain.Length];
        RandomNumberGenerator.Fill(sealedValue.AsSpan(0, NonceSize));
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(sealedValue.AsSpan(0, NonceSize), plain, sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize),
            Associated(registrationId, field));
        CryptographicOperations.ZeroMemory(plain);
        return Convert.ToBase64String(sealedValue);
    }

    public static string Open(byte[] key, Guid registrationId, string field, string sealedBase64)
    {
        var sealedValue = Convert.FromBase64String(sealedBase64);
        var plain = new byte[sealedValue.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedValue.AsSpan(0, NonceSize), sealedValue.AsSpan(NonceSize + TagSize), sealedValue.AsSpan(NonceSize, TagSize), plain,
            Associated(registrationId, field));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Associated(Guid registrationId, string field) => Encoding.UTF8.GetBytes($"allmende.bookings.registration:{registrationId:D}:{field}");
}
