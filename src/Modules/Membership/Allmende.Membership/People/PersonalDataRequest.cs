using Allmende.Membership.Privacy;
using FluentValidation;

namespace Allmende.Membership.People;

/// <summary>A person's name, email and phone as sent (POST and PUT /api/people). ToString is redacted.</summary>
internal sealed record PersonalDataRequest(string? Name, string? Email, string? Phone)
{
    public PersonalData ToPersonalData() => new(Name!.Trim(), Email!.Trim(), string.IsNullOrWhiteSpace(Phone) ? null : Phone.Trim());

    public override string ToString() => "PersonalDataRequest { (redacted) }";
}

internal sealed class PersonalDataValidator : AbstractValidator<PersonalDataRequest>
{
    public PersonalDataValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Email).NotEmpty().EmailAddress().MaximumLength(254);
        RuleFor(r => r.Phone).Matches(PhoneNumbers.Pattern).WithMessage(PhoneNumbers.Message).When(r => !string.IsNullOrWhiteSpace(r.Phone));
    }
}
