using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Membership.Organisations;
using Allmende.Membership.Privacy;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Membership.Applications;

/// <summary>The contact person as staff see them: plain while the key exists, "(erased)" after.</summary>
internal sealed record ContactPersonResponse(string Name, string? Email, string? Phone, bool Erased)
{
    public override string ToString() => "ContactPersonResponse { (redacted) }";
}

internal sealed record ApplicationOrganisationResponse(string Name, string Kind, bool NonProfit, Address? Address, Contact? Contact);

internal sealed record ConsentResponse(DateTimeOffset GivenAt, string TextVersion);

internal sealed record ApplicationResponse(
    Guid Id,
    string Status,
    ApplicationOrganisationResponse Organisation,
    ContactPersonResponse ContactPerson,
    ConsentResponse Consent,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? DecidedAt,
    string? DeclineReason,
    Guid? OrganisationId,
    long Version)
{
    public override string ToString() => $"ApplicationResponse {{ Id = {Id}, Status = {Status}, Version = {Version} }}";
}

/// <summary>Reads of membership.applications; the sealed contact is opened with the key joined from membership.person_keys.</summary>
internal static class ApplicationQueries
{
    private const string Select = """
        select a.id, a.status, a.name, a.kind, a.non_profit, a.street, a.postal_code, a.city, a.contact_email, a.contact_phone,
            a.person_name_sealed, a.person_email_sealed, a.person_phone_sealed, k.key,
            a.consent_given_at, a.consent_text_version, a.submitted_at, a.decided_at, a.decline_reason, a.organisation_id, a.version
        from membership.applications a
        left join membership.person_keys k on k.person_id = a.id
        """;

    public static async Task<ApplicationResponse?> FindAsync(NpgsqlDataSource db, Guid id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{Select} where a.id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    /// <summary>Oldest first: the order staff work through them.</summary>
    public static async Task<Page<ApplicationResponse>> ListAsync(NpgsqlDataSource db, string? status, PageRequest page, CancellationToken ct)
    {
        const string where = "where ($1::text is null or a.status = $1)";
        return await PagedQuery.ReadAsync(db, $"select count(*) from membership.applications a {where}",
            $"{Select} {where} order by a.submitted_at, a.id offset $2 limit $3",
            parameters => parameters.Add(SqlParameters.OrNull(status, NpgsqlDbType.Text)), page, Read, ct);
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static ApplicationResponse Read(NpgsqlDataReader r)
    {
        var id = r.GetGuid(0);
        var key = r.IsDBNull(13) ? null : r.GetFieldValue<byte[]>(13);
        var sealedData = r.IsDBNull(10) ? null : new SealedPersonalData(r.GetString(10), r.GetString(11), Text(r, 12));
        var person = PersonalDataCipher.Reveal(key, id, sealedData);
        return new ApplicationResponse(
            id,
            r.GetString(1),
            new ApplicationOrganisationResponse(r.GetString(2), r.GetString(3), r.GetBoolean(4),
                r.IsDBNull(5) ? null : new Address(r.GetString(5), r.GetString(6), r.GetString(7)),
                r.IsDBNull(8) && r.IsDBNull(9) ? null : new Contact(Text(r, 8), Text(r, 9))),
            new ContactPersonResponse(person.Name, person.Email, person.Phone, person.Erased),
            new ConsentResponse(r.GetFieldValue<DateTimeOffset>(14), r.GetString(15)),
            r.GetFieldValue<DateTimeOffset>(16),
            r.IsDBNull(17) ? null : r.GetFieldValue<DateTimeOffset>(17),
            Text(r, 18),
            r.IsDBNull(19) ? null : r.GetGuid(19),
            r.GetInt64(20));
    }
}
