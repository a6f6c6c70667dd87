namespace Allmende.Membership.Privacy;

/// <summary>
/// A person's name, email and phone in plain text. Lives only in memory, for the length of a request;
/// never in the log, the outbox, a read model or a log line (ToString is redacted for that reason).
/// </summary>
internal sealed record PersonalData(string Name, string Email, string? Phone)
{
    public override string ToString() => "PersonalData { (redacted) }";
}

/// <summary>
/// A person's personal data as the event log holds it: each value sealed on its own with the
/// person's key (AES-256-GCM), as base64 of nonce (12 bytes), tag (16 bytes) and ciphertext. Without
/// the key (after "forget") the values are noise; the events stay readable and foldable.
/// </summary>
internal sealed record SealedPersonalData(string Name, string Email, string? Phone);

/// <summary>What a reader sees of a person: the plain values while the key exists, else "(erased)".</summary>
internal sealed record RevealedPersonalData(string Name, string? Email, string? Phone, bool Erased)
{
    public const string ErasedName = "(erased)";

    public static readonly RevealedPersonalData Gone = new(ErasedName, null, null, true);

    public override string ToString() => Erased ? "RevealedPersonalData { (erased) }" : "RevealedPersonalData { (redacted) }";
}
