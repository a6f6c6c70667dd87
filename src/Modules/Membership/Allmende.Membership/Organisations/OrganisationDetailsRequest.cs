using FluentValidation;

namespace Allmende.Membership.Organisations;

/// <summary>An organisation's details as a client sends them (registration and PUT).</summary>
internal sealed record OrganisationDetailsRequest(string? Name, string? Kind, bool? NonProfit, AddressRequest? Address, ContactRequest? Contact)
{
    public OrganisationDetails ToDetails() => new(
        Name!.Trim(),
        Names.Parse<OrganisationKind>(Kind!),
        NonProfit!.Value,
        Address is null ? null : new Address(Address.Street!.Trim(), Address.PostalCode!.Trim(), Address.City!.Trim()),
        Contact is null || (string.IsNullOrWhiteSpace(Contact.Email) && string.IsNullOrWhiteSpace(Contact.Phone))
            ? null
            : new Contact(Blank(Contact.Email), Blank(Contact.Phone)));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

internal sealed record AddressRequest(string? Street, string? PostalCode, string? City);

internal sealed record ContactRequest(string? Email, string? Phone);

internal sealed class OrganisationDetailsValidator : AbstractValidator<OrganisationDetailsRequest>
{
    public OrganisationDetailsValidator()
    {
        RuleFor(r => r.Name).NotEmpty().MaximumLength(200);
        RuleFor(r => r.Kind).NotEmpty()
            .Must(k => Names.TryParse<OrganisationKind>(k, out _)).WithMessage($"'Kind' must be {Names.OneOf<OrganisationKind>()}.");
        RuleFor(r => r.NonProfit).NotNull();
        When(r => r.Address is not null, () =>
        {
            RuleFor(r => r.Address!.Street).NotEmpty().MaximumLength(200);
            RuleFor(r => r.Address!.PostalCode).NotEmpty().MaximumLength(20);
            RuleFor(r => r.Address!.City).NotEmpty().MaximumLength(100);
        });
        When(r => r.Contact is not null, () =>
        {
            RuleFor(r => r.Contact!.Email).EmailAddress().MaximumLength(254).When(r => !string.IsNullOrWhiteSpace(r.Contact!.Email));
            RuleFor(r => r.Contact!.Phone).Matches(PhoneNumbers.Pattern).WithMessage(PhoneNumbers.Message)
                .When(r => !string.IsNullOrWhiteSpace(r.Contact!.Phone));
        });
    }
}
