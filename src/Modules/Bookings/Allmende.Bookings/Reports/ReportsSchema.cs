using Allmende.Eventing.Schema;

namespace Allmende.Bookings.Reports;

/// <summary>Version 5 of the bookings schema (3 and 4 belong to other features): the temporal tables of reports.</summary>
internal static class ReportsSchema
{
    public static Migration Version5 { get; } = new(BookingsSchema.Module, 5, "temporal read models for reports (bookings, sites, closures, spaces)", """
        -- Every row: true from the event known_from_seq until the event known_until_seq (null: true now).
        -- A report as of position S reads known_from_seq <= S and (known_until_seq is null or known_until_seq > S).
        create table bookings.report_bookings (
            booking_id      uuid not null,
            space_id        uuid not null,
            site_id         uuid not null,
            during          tstzrange not null,
            status          text not null,
            whole_space     boolean not null,
            attendees       int not null,
            known_from_seq  bigint not null,
            known_until_seq bigint,
            primary key (booking_id, known_from_seq)
        );
        create index report_bookings_current on bookings.report_bookings (booking_id) where known_until_seq is null;
        -- The occupancy report: one site, one period, the statuses that used the space.
        create index report_bookings_site_during on bookings.report_bookings using gist (site_id, during)
            where status in ('confirmed', 'checked-in', 'completed', 'no-show');

        create table bookings.report_sites (
            site_id         uuid not null,
            opening_hours   jsonb not null,
            hours_message   uuid not null,
            lease_starts_at timestamptz,
            lease_ends_at   timestamptz,
            lease_message   uuid not null,
            known_from_seq  bigint not null,
            known_until_seq bigint,
            primary key (site_id, known_from_seq)
        );

        create table bookings.report_closures (
            closure_id      uuid not null,
            site_id         uuid not null,
            during          tstzrange not null,
            removed         boolean not null,
            known_from_seq  bigint not null,
            known_until_seq bigint,
            primary key (closure_id, known_from_seq)
        );
        create index report_closures_site on bookings.report_closures (site_id);

        create table bookings.report_spaces (
            space_id        uuid not null,
            site_id         uuid not null,
            message_id      uuid not null,
            name            text not null,
            kind            text not null,
            places          int,
            retired_at      timestamptz,
            known_from_seq  bigint not null,
            known_until_seq bigint,
            primary key (space_id, known_from_seq)
        );
        create index report_spaces_site on bookings.report_spaces (site_id);
        """);
}
