using System.Security.Cryptography;
using Allmende.Eventing.Privacy;
using Allmende.Membership.Privacy;

namespace Allmende.Tests.Membership;

public sealed class PersonalDataCipherTests
{
    private static readonly Guid Person = Guid.Parse("0190f000-0000-7000-8000-0000000b0001");
    private const string Purpose = "allmende.membership.person";
    private static readonly PersonalData Data = new("Zyxwvu Quorbelmann", "zq.8471@example.org", "+49 30 1234567");

    [Fact]
    public void Sealed_data_opens_with_the_persons_key_and_holds_no_plain_text()
    {
        var key = PersonalDataCipher.NewKey();

        var sealedData = PersonalDataCipher.Seal(key, Person, Data);

        $"{sealedData.Name}{sealedData.Email}{sealedData.Phone}".ShouldNotContain("Quorbelmann");
        $"{sealedData.Name}{sealedData.Email}{sealedData.Phone}".ShouldNotContain("8471");
        PersonalDataCipher.Reveal(key, Person, sealedData).ShouldBe(new RevealedPersonalData("Zyxwvu Quorbelmann", "zq.8471@example.org", "+49 30 1234567", false));
    }

    [Fact]
    public void Every_value_gets_its_own_nonce_so_equal_values_never_look_equal()
    {
        var key = PersonalDataCipher.NewKey();

        var first = Sealing.Seal(key, Purpose, Person, "name", "Zyxwvu Quorbelmann");
        var second = Sealing.Seal(key, Purpose, Person, "name", "Zyxwvu Quorbelmann");

        first.ShouldNotBe(second);
        Convert.FromBase64String(first).Length.ShouldBe(12 + 16 + "Zyxwvu Quorbelmann".Length); // nonce, tag, ciphertext
    }

    [Fact]
    public void Without_the_key_a_person_reads_as_erased() =>
        PersonalDataCipher.Reveal(null, Person, PersonalDataCipher.Seal(PersonalDataCipher.NewKey(), Person, Data))
            .ShouldBe(new RevealedPersonalData("(erased)", null, null, true));

    [Fact]
    public void A_sealed_value_opens_neither_with_another_key_nor_for_another_purpose_person_or_field()
    {
        var key = PersonalDataCipher.NewKey();
        var sealedName = Sealing.Seal(key, Purpose, Person, "name", "Zyxwvu Quorbelmann");

        Sealing.Open(key, Purpose, Person, "name", sealedName).ShouldBe("Zyxwvu Quorbelmann");
        Should.Throw<CryptographicException>(() => Sealing.Open(PersonalDataCipher.NewKey(), Purpose, Person, "name", sealedName));
        Should.Throw<CryptographicException>(() => Sealing.Open(key, "allmende.bookings.registration", Person, "name", sealedName));
        Should.Throw<CryptographicException>(() => Sealing.Open(key, Purpose, Guid.NewGuid(), "name", sealedName));
        Should.Throw<CryptographicException>(() => Sealing.Open(key, Purpose, Person, "email", sealedName));
    }

    [Fact]
    public void Membership_seals_with_the_shared_cipher_under_its_own_purpose()
    {
        var key = PersonalDataCipher.NewKey();

        var sealedData = PersonalDataCipher.Seal(key, Person, Data);

        Sealing.Open(key, Purpose, Person, "email", sealedData.Email).ShouldBe("zq.8471@example.org");
    }

    [Fact]
    public void Personal_data_never_shows_itself_in_a_string()
    {
        Data.ToString().ShouldNotContain("Quorbelmann");
        PersonalDataCipher.Reveal(PersonalDataCipher.NewKey(), Person, null).ToString().ShouldNotContain("Quorbelmann");
    }
}
