using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Bookings.Programme;

/// <summary>
/// bookings.offers, bookings.offer_registrations (sealed values only) and bookings.offer_attendance: what
/// the public programme, its feeds and the staff lists read. Inline, idempotent by last_seq. The keys of
/// registrations live in bookings.registration_keys, which no projection owns (a rebuild never truncates it).
/// </summary>
internal sealed class ProgrammeProjection : IProjection
{
    public static Migration Version9 { get; } = new(BookingsSchema.Module, 9, "the open programme: offers, registrations (sealed) and attendance", """
        create table bookings.offers (
            offer_id        uuid primary key,
            organisation_id uuid not null,
            site_id         uuid not null,
            space_id        uuid not null,
            kind            text not null,
            title           text not null,
            description     text not null,
            action_field    text not null,
            capacity        int not null,
            registration    boolean not null,
            booking_id      uuid,
            series_id       uuid,
            version         bigint not null,
            last_seq        bigint not null
        );
        create index offers_site on bookings.offers (site_id);
        create index offers_organisation on bookings.offers (organisation_id);

        create table bookings.offer_registrations (
            registration_id uuid primary key,
            offer_id        uuid not null,
            booking_id      uuid not null,
            sealed_name     text,
            sealed_email    text,
            registered_at   timestamptz not null,
            erased          boolean not null default false,
            last_seq        bigint not null
        );
        create index offer_registrations_offer on bookings.offer_registrations (offer_id, booking_id);

        create table bookings.offer_attendance (
            offer_id    uuid not null,
            booking_id  uuid not null,
            attendees   int not null,
            last_seq    bigint not null,
            primary key (offer_id, booking_id)
        );

        -- Outside every projection: written with the registration's event, deleted to forget it (ADR 8, ADR 20).
        create table bookings.registration_keys (
            registration_id uuid primary key,
            key             bytea not null
        );
        """);

    public string Name => "bookings.programme";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. OfferEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            batch.BatchCommands.Add(e.Data switch
            {
                OfferPublished p => Command("""
                    insert into bookings.offers (offer_id, version, last_seq, organisation_id, site_id, space_id, kind, title, description, action_field,
                        capacity, registration, booking_id, series_id)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                    on conflict (offer_id) do nothing
                    """, p.OfferId, e, p.OrganisationId, p.SiteId, p.SpaceId, p.Kind, p.Title, p.Description, p.ActionField, p.Capacity, p.Registration,
                    (object?)p.BookingId ?? DBNull.Value, (object?)p.SeriesId ?? DBNull.Value),
                OfferRegistrationMade r => Command("""
                    insert into bookings.offer_registrations (registration_id, offer_id, booking_id, sealed_name, sealed_email, registered_at, last_seq)
                    values ($4, $1, $5, $6, $7, $8, $3)
                    on conflict (registration_id) do nothing
                    """, r.OfferId, e, r.RegistrationId, r.BookingId, r.SealedName, r.SealedEmail, r.At),
                // The sealed values go too (defence in depth; without the key they are noise anyway).
                OfferRegistrationErased x => Command("""
                    update bookings.offer_registrations set erased = true, sealed_name = null, sealed_email = null, last_seq = $3
                    where registration_id = $4 and last_seq < $3
                    """, x.OfferId, e, x.RegistrationId),
                OfferAttendanceRecorded a => Command("""
                    insert into bookings.offer_attendance as t (offer_id, booking_id, attendees, last_seq) values ($1, $4, $5, $3)
                    on conflict (offer_id, booking_id) do update set attendees = excluded.attendees, last_seq = excluded.last_seq
                    where t.last_seq < excluded.last_seq
                    """, a.OfferId, e, a.BookingId, a.Attendees),
                _ => throw new InvalidOperationException($"Unexpected event {e.Data.GetType().Name}."),
            });
            batch.BatchCommands.Add(Command("update bookings.offers set version = $2, last_seq = $3 where offer_id = $1 and last_seq < $3",
                OfferIdOf(e.Data), e));
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    private static Guid OfferIdOf(object data) => data switch
    {
        OfferPublished p => p.OfferId,
        OfferRegistrationMade r => r.OfferId,
        OfferRegistrationErased x => x.OfferId,
        OfferAttendanceRecorded a => a.OfferId,
        _ => Guid.Empty,
    };

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.offers, bookings.offer_registrations, bookings.offer_attendance");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlBatchCommand Command(string sql, Guid offerId, StoredEvent e, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = offerId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
