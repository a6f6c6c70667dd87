using System.Text.Json;
using Allmende.Eventing.Storage;
using Allmende.Spaces.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.House;

/// <summary>A site as booking decisions see it: hours (Europe/Berlin), the closures that matter, the lease.</summary>
internal sealed record SiteSnapshot(
    Guid SiteId,
    IReadOnlyList<OpeningInterval> OpeningHours,
    IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> Closures,
    DateTimeOffset? LeaseStartsAt,
    DateTimeOffset? LeaseEndsAt);

/// <summary>A space as booking decisions see it (Bookings' copy of Spaces' contract data).</summary>
internal sealed record SpaceSnapshot(
    Guid SpaceId,
    Guid SiteId,
    string Name,
    string Kind,
    bool Bookable,
    int Capacity,
    int? Places,
    int? MinDurationMinutes,
    int? MaxDurationMinutes,
    int LeadTimeMinutes,
    bool ApprovalRequired,
    IReadOnlyList<string> OrganisationKinds)
{
    public const string FlexibleDeskArea = "flexible-desk-area";

    /// <summary>A booking takes the whole space (room, hall, fixed desk …), not places in a flexible-desk area.</summary>
    public bool WholeSpace => Kind != FlexibleDeskArea;
}

/// <summary>An organisation as booking decisions see it; Status null or Kind null: not (yet) known as active.</summary>
internal sealed record OrganisationSnapshot(Guid OrganisationId, string? Kind, string? Status)
{
    public bool IsActive => Status == "active";
}

/// <summary>What a booking decision needs of the house, loaded by the endpoint before it decides.</summary>
internal sealed record HouseSnapshot(SpaceSnapshot? Space, SiteSnapshot? Site, OrganisationSnapshot? Organisation)
{
    /// <summary>
    /// Reads the copies for one space, its site (closures overlapping the range) and one organisation, in
    /// one statement: every booking request and reschedule runs this, and it used to take four round
    /// trips (measured on the booking path: docs/benchmarks.md, Bookings).
    /// </summary>
    public static async Task<HouseSnapshot> LoadAsync(NpgsqlDataSource db, Guid spaceId, Guid organisationId,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await using var command = db.CreateCommand("""
            select s.site_id, s.name, s.kind, s.bookable, s.capacity, s.places, s.min_duration, s.max_duration, s.lead_time,
                   s.approval_required, s.organisation_kinds,
                   t.site_id is not null, t.opening_hours::text, t.lease_starts_at, t.lease_ends_at,
                   array(select lower(c.during) from bookings.site_closures c
                         where c.site_id = t.site_id and not c.removed and c.during && tstzrange($3, $4, '[)') order by lower(c.during)),
                   array(select upper(c.during) from bookings.site_closures c
                         where c.site_id = t.site_id and not c.removed and c.during && tstzrange($3, $4, '[)') order by lower(c.during)),
                   o.organisation_id is not null, o.kind, o.status
            from (select) one
            left join bookings.spaces s on s.space_id = $1
            left join bookings.sites t on t.site_id = s.site_id
            left join bookings.organisations o on o.organisation_id = $2
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = spaceId });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = organisationId });
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var space = reader.IsDBNull(0) ? null : new SpaceSnapshot(spaceId, reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3),
            reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetInt32(5), reader.IsDBNull(6) ? null : reader.GetInt32(6),
            reader.IsDBNull(7) ? null : reader.GetInt32(7), reader.GetInt32(8), reader.GetBoolean(9), reader.GetFieldValue<string[]>(10));
        var site = !reader.GetBoolean(11) ? null : new SiteSnapshot(space!.SiteId,
            JsonSerializer.Deserialize<List<OpeningInterval>>(reader.GetString(12), EventingJson.Options) ?? [],
            reader.GetFieldValue<DateTimeOffset[]>(15).Zip(reader.GetFieldValue<DateTimeOffset[]>(16)).ToList(),
            reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
            reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14));
        var organisation = !reader.GetBoolean(17) ? null
            : new OrganisationSnapshot(organisationId, reader.IsDBNull(18) ? null : reader.GetString(18), reader.IsDBNull(19) ? null : reader.GetString(19));
        return new HouseSnapshot(space, site, organisation);
    }

    public static async Task<SiteSnapshot?> LoadSiteAsync(NpgsqlConnection connection, Guid siteId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        SiteSnapshot? site;
        await using (var command = new NpgsqlCommand("select opening_hours::text, lease_starts_at, lease_ends_at from bookings.sites where site_id = $1", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = siteId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
                return null;
            site = new SiteSnapshot(siteId,
                JsonSerializer.Deserialize<List<OpeningInterval>>(reader.GetString(0), EventingJson.Options) ?? [],
                [],
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
        }

        var closures = new List<(DateTimeOffset, DateTimeOffset)>();
        await using (var command = new NpgsqlCommand("""
            select lower(during), upper(during) from bookings.site_closures
            where site_id = $1 and not removed and during && tstzrange($2, $3, '[)')
            order by lower(during)
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = siteId });
            command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                closures.Add((reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        return site with { Closures = closures };
    }
}
