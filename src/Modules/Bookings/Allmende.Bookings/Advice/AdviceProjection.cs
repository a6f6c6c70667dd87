using System.Text.Json;
using Allmende.Eventing.Projections;
using Allmende.Eventing.Schema;
using Allmende.Eventing.Streams;
using Npgsql;
using NpgsqlTypes;

namespace Allmende.Bookings.Advice;

/// <summary>
/// bookings.consultation_hours, bookings.newcomers (sealed values only) and bookings.appointments: what the
/// advice endpoints, the mails and the lists read. Inline, idempotent by last_seq. The newcomers' keys live in
/// bookings.newcomer_keys, which no projection owns (a rebuild never truncates it). Version 10 also makes the
/// advisor a guarded resource of bookings.slots (ADR 19).
/// </summary>
internal sealed class AdviceProjection : IProjection
{
    public static Migration Version10 { get; } = new(BookingsSchema.Module, 10, "appointments with a person: consultation hours, newcomers (sealed), appointments; the advisor in the slot guard", """
        -- The advisor an appointment's booking holds besides its room: one holding row per advisor at any instant.
        alter table bookings.slots add column advisor_id uuid;
        alter table bookings.slots add constraint slots_no_double_advising
            exclude using gist (advisor_id with =, during with &&) where (holds and advisor_id is not null)
            deferrable initially immediate;

        create table bookings.consultation_hours (
            hours_id        uuid primary key,
            advisor_id      uuid not null,
            organisation_id uuid not null,
            site_id         uuid not null,
            space_id        uuid not null,
            title           text not null,
            action_field    text not null,
            weekly          boolean not null,
            first_date      date not null,
            last_date       date not null,
            from_time       time not null,
            until_time      time not null,
            slot_minutes    int not null,
            withdrawn       boolean not null default false,
            version         bigint not null,
            last_seq        bigint not null
        );
        create index consultation_hours_advisor on bookings.consultation_hours (advisor_id);
        create index consultation_hours_site on bookings.consultation_hours (site_id);

        create table bookings.newcomers (
            newcomer_id     uuid primary key,
            organisation_id uuid not null,
            sealed_name     text,
            sealed_email    text,
            sealed_phone    text,
            consent_version text not null,
            language        text,
            admitted_at     timestamptz not null,
            erased          boolean not null default false,
            last_seq        bigint not null
        );

        -- Outside every projection: written with the admission, deleted to forget the newcomer (ADR 8).
        create table bookings.newcomer_keys (
            newcomer_id uuid primary key,
            key         bytea not null
        );

        create table bookings.appointments (
            appointment_id  uuid primary key,
            hours_id        uuid not null,
            booking_id      uuid not null,
            advisor_id      uuid not null,
            organisation_id uuid not null,
            site_id         uuid not null,
            space_id        uuid not null,
            client_kind     text not null,
            client_id       uuid not null,
            starts_at       timestamptz not null,
            ends_at         timestamptz not null,
            status          text not null,
            cancelled_by    text,
            held            boolean,
            consent         boolean not null default false,
            outcomes        jsonb not null default '[]',
            version         bigint not null,
            last_seq        bigint not null
        );
        create index appointments_hours on bookings.appointments (hours_id, starts_at);
        create index appointments_client on bookings.appointments (client_id, starts_at);
        create index appointments_booking on bookings.appointments (booking_id);
        """);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Name => "bookings.advice";

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. AdviceEventNames.All.Select(e => e.Type)];

    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events, ProjectionContext context, CancellationToken ct)
    {
        await using var batch = context.Batch();
        foreach (var e in events)
        {
            batch.BatchCommands.Add(e.Data switch
            {
                ConsultationHoursOffered h => Command("""
                    insert into bookings.consultation_hours (hours_id, version, last_seq, advisor_id, organisation_id, site_id, space_id, title, action_field,
                        weekly, first_date, last_date, from_time, until_time, slot_minutes)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                    on conflict (hours_id) do nothing
                    """, h.HoursId, e, h.AdvisorId, h.OrganisationId, h.SiteId, h.SpaceId, h.Title, h.ActionField, h.Weekly, h.FirstDate, h.LastDate,
                    h.From, h.Until, h.SlotMinutes),
                ConsultationHoursWithdrawn w => Command("""
                    update bookings.consultation_hours set withdrawn = true, version = $2, last_seq = $3 where hours_id = $1 and last_seq < $3
                    """, w.HoursId, e),
                NewcomerAdmitted n => Command("""
                    insert into bookings.newcomers (newcomer_id, last_seq, organisation_id, sealed_name, sealed_email, sealed_phone, consent_version, language, admitted_at)
                    values ($1, $3, $4, $5, $6, $7, $8, $9, $10)
                    on conflict (newcomer_id) do nothing
                    """, n.NewcomerId, e, n.OrganisationId, n.SealedName, Text(n.SealedEmail), Text(n.SealedPhone), n.ConsentVersion, Text(n.Language), n.At),
                // The sealed values go too (defence in depth; without the key they are noise anyway).
                NewcomerErased x => Command("""
                    update bookings.newcomers set erased = true, sealed_name = null, sealed_email = null, sealed_phone = null, last_seq = $3
                    where newcomer_id = $1 and last_seq < $3
                    """, x.NewcomerId, e),
                AppointmentBooked a => Command("""
                    insert into bookings.appointments (appointment_id, version, last_seq, hours_id, booking_id, advisor_id, organisation_id, site_id, space_id,
                        client_kind, client_id, starts_at, ends_at, status)
                    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'booked')
                    on conflict (appointment_id) do nothing
                    """, a.AppointmentId, e, a.HoursId, a.BookingId, a.AdvisorId, a.OrganisationId, a.SiteId, a.SpaceId, a.ClientKind, a.ClientId, a.Start, a.End),
                AppointmentCancelled c => Command("""
                    update bookings.appointments set status = 'cancelled', cancelled_by = $4, version = $2, last_seq = $3
                    where appointment_id = $1 and last_seq < $3
                    """, c.AppointmentId, e, c.By),
                AppointmentOutcomeRecorded o => Command("""
                    update bookings.appointments set held = $4, consent = $5, outcomes = $6, version = $2, last_seq = $3
                    where appointment_id = $1 and last_seq < $3
                    """, o.AppointmentId, e, o.Held, o.Consent,
                    new NpgsqlParameter { Value = JsonSerializer.Serialize(o.Outcomes, Json), NpgsqlDbType = NpgsqlDbType.Jsonb }),
                _ => throw new InvalidOperationException($"Unexpected event {e.Data.GetType().Name}."),
            });
        }
        await batch.ExecuteNonQueryAsync(ct);
    }

    public async Task ResetAsync(ProjectionContext context, CancellationToken ct)
    {
        await using var command = context.Command("truncate bookings.consultation_hours, bookings.newcomers, bookings.appointments");
        await command.ExecuteNonQueryAsync(ct);
    }

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    /// <summary>$1 the stream's entity id, $2 its version, $3 the event's sequence, then the values.</summary>
    private static NpgsqlBatchCommand Command(string sql, Guid id, StoredEvent e, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
