using System.Security.Claims;
using System.Text.Json;
using Allmende.Eventing.Api;
using Allmende.Eventing.Storage;
using Allmende.Membership.Privacy;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Membership.People.Read;

/// <summary>A person as the API shows them. Name "(erased)", email and phone null once forgotten.</summary>
internal sealed record PersonResponse(
    Guid Id,
    string Name,
    string? Email,
    string? Phone,
    bool Erased,
    IReadOnlyList<ActingResponse> Organisations,
    IReadOnlyList<PlanResponse> Plans,
    IReadOnlyList<DutyRotaResponse> DutyRota,
    DateTimeOffset RegisteredAt,
    long Version)
{
    public override string ToString() => $"PersonResponse {{ Id = {Id}, Version = {Version} }}";
}

internal sealed record ActingResponse(Guid OrganisationId, string Role, DateTimeOffset Since);

internal sealed record PlanResponse(string Plan, Guid? OrganisationId, DateOnly ValidFrom, DateOnly? ValidUntil);

internal sealed record DutyRotaResponse(Guid SiteId, DateTimeOffset Since);

/// <summary>Whom a caller may see: everyone (null), or themselves and the people acting for their organisations.</summary>
internal sealed record PeopleVisibility(Guid? Self, Guid[] Organisations)
{
    public static PeopleVisibility? Of(ClaimsPrincipal user) =>
        user.IsAdmin() || user.IsAuditor() ? null : new PeopleVisibility(user.PersonId(), [.. user.Organisations()]);
}

/// <summary>
/// Reads of membership.people. The sealed values are opened here, with the key joined from
/// membership.person_keys: no key (forgotten), no personal data.
/// </summary>
internal static class PeopleQueries
{
    // A member sees of another person only what concerns their shared organisations ($1, $2 as below).
    private const string Select = """
        select p.id, p.name_sealed, p.email_sealed, p.phone_sealed, p.registered_at, p.version, k.key,
            coalesce((select json_agg(json_build_object('organisationId', o.organisation_id, 'role', o.role, 'since', o.since) order by o.since, o.organisation_id)
                      from membership.person_organisations o where o.person_id = p.id and o.until is null
                        and ($2::uuid[] is null or p.id = $1 or o.organisation_id = any($2))), '[]')::text,
            coalesce((select json_agg(json_build_object('plan', l.plan, 'organisationId', l.organisation_id, 'validFrom', l.valid_from, 'validUntil', l.valid_until)
                      order by l.valid_from, l.seq)
                      from membership.person_plans l where l.person_id = p.id
                        and ($2::uuid[] is null or p.id = $1 or l.organisation_id = any($2))), '[]')::text,
            coalesce((select json_agg(json_build_object('siteId', d.site_id, 'since', d.since) order by d.since, d.site_id)
                      from membership.duty_rota d where d.person_id = p.id), '[]')::text
        from membership.people p
        left join membership.person_keys k on k.person_id = p.id
        """;

    // $1 visibility: own person id, $2 visibility: organisations (both null: everyone), $3 acting for organisation.
    private const string Where = """
        where ($2::uuid[] is null
               or p.id = $1
               or exists (select from membership.person_organisations v
                          where v.person_id = p.id and v.until is null and v.organisation_id = any($2)))
          and ($3::uuid is null
               or exists (select from membership.person_organisations f
                          where f.person_id = p.id and f.until is null and f.organisation_id = $3))
        """;

    public static async Task<PersonResponse?> FindAsync(NpgsqlDataSource db, Guid id, PeopleVisibility? visibility, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{Select} {Where} and p.id = $4");
        AddFilter(command.Parameters, visibility, null);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public static async Task<Page<PersonResponse>> ListAsync(NpgsqlDataSource db, Guid? organisationId, PageRequest page, PeopleVisibility? visibility,
        CancellationToken ct)
    {
        return await PagedQuery.ReadAsync(db, $"select count(*) from membership.people p {Where}",
            $"{Select} {Where} order by p.registered_at, p.id offset $4 limit $5",
            parameters => AddFilter(parameters, visibility, organisationId), page, Read, ct);
    }

    private static void AddFilter(NpgsqlParameterCollection parameters, PeopleVisibility? visibility, Guid? organisationId)
    {
        parameters.Add(SqlParameters.OrNull(visibility?.Self, NpgsqlDbType.Uuid));
        parameters.Add(SqlParameters.OrNull(visibility?.Organisations, NpgsqlDbType.Array | NpgsqlDbType.Uuid));
        parameters.Add(SqlParameters.OrNull(organisationId, NpgsqlDbType.Uuid));
    }

    private static PersonResponse Read(NpgsqlDataReader r)
    {
        var id = r.GetGuid(0);
        var key = r.IsDBNull(6) ? null : r.GetFieldValue<byte[]>(6);
        var sealedData = r.IsDBNull(1) ? null : new SealedPersonalData(r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3));
        var data = PersonalDataCipher.Reveal(key, id, sealedData);
        return new PersonResponse(
            id,
            data.Name,
            data.Email,
            data.Phone,
            data.Erased,
            JsonSerializer.Deserialize<List<ActingResponse>>(r.GetString(7), EventingJson.Options) ?? [],
            JsonSerializer.Deserialize<List<PlanResponse>>(r.GetString(8), EventingJson.Options) ?? [],
            JsonSerializer.Deserialize<List<DutyRotaResponse>>(r.GetString(9), EventingJson.Options) ?? [],
            r.GetFieldValue<DateTimeOffset>(4),
            r.GetInt64(5));
    }
}
