using Allmende.Eventing.Privacy;

namespace Allmende.Membership.Privacy;

/// <summary>
/// Crypto-shredding of personal data: every person has a random 256-bit key, kept outside the log
/// (membership.person_keys), and each of their values is sealed under it by <see cref="Sealing"/>.
/// Deleting the key makes every sealed copy unreadable at once: in events, read models and backups alike.
/// </summary>
internal static class PersonalDataCipher
{
    public static byte[] NewKey() => Sealing.NewKey();

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

    private static string Seal(byte[] key, Guid personId, string field, string plaintext) => Sealing.Seal(key, Purpose, personId, field, plaintext);

    private static string Open(byte[] key, Guid personId, string field, string sealedBase64) => Sealing.Open(key, Purpose, personId, field, sealedBase64);

    private const string Purpose = "allmende.membership.person";
}
