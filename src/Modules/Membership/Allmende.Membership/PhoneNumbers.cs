namespace Allmende.Membership;

internal static class PhoneNumbers
{
    /// <summary>Digits with the usual separators, optionally international: "+49 30 1234567", "(030) 123-45".</summary>
    public const string Pattern = @"^\+?[0-9(][0-9 ()/.\-]{2,29}$";

    public const string Message = "'{PropertyName}' must be a phone number: digits, spaces and ( ) / . - only, optionally starting with +.";
}
