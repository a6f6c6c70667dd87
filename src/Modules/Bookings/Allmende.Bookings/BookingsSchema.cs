using Allmende.Eventing.Schema;

namespace Allmende.Bookings;

/// <summary>The module's tables, in its own schema "bookings". Applied migrations are never edited.</summary>
internal static class BookingsSchema
{
    public const string Module = "bookings";

    public static IEnumerable<Migration> Migrations =>
    [
        new(Module, 1, "copies of sites, spaces and organisations; bookings and the slot guard", """
            create extension if not exists btree_gist;
            create schema if not exists bookings;

            -- Copies of what Spaces and Membership publish (never their tables). *_message: the id
            -- (UUIDv7, time-ordered) of the message a column group came from, so that a message
            -- delivered late never overwrites a newer one.
            create table bookings.sites (
                site_id         uuid primary key,
                time_zone       text not null default 'Europe/Berlin',
                opening_hours   jsonb not null default '[]',
                hours_message   uuid not null,
                lease_starts_at timestamptz,
                lease_ends_at   timestamptz,
                lease_message   uuid not null
            );

            create table bookings.site_closures (
                closure_id uuid primary key,
                site_id    uuid not null,
                during     tstzrange not null,
                removed    boolean not null default false
            );
            create index site_closures_site on bookings.site_closures using gist (site_id, during);

            create table bookings.spaces (
                space_id           uuid primary key,
                site_id            uuid not null,
                name               text not null,
                kind               text not null,
                bookable           boolean not null,
                capacity           int not null,
                places             int,
                min_duration       int,
                max_duration       int,
                lead_time          int not null,
                approval_required  boolean not null,
                organisation_kinds text[] not null,
                retired_at         timestamptz,
                last_message       uuid not null
            );

            create table bookings.organisations (
                organisation_id uuid primary key,
                kind            text,
                kind_message    uuid,
                status          text,
                status_message  uuid
            );

            -- The read model of bookings, for lists and filters (inline).
            create table bookings.bookings (
                booking_id      uuid primary key,
                space_id        uuid not null,
                site_id         uuid not null,
                organisation_id uuid not null,
                person_id       uuid,
                starts_at       timestamptz not null,
                ends_at         timestamptz not null,
                attendees       int not null,
                purpose         text not null,
                action_field    text not null,
                status          text not null,
                version         bigint not null,
                last_seq        bigint not null
            );
            create index bookings_organisation on bookings.bookings (organisation_id, starts_at);
            create index bookings_space on bookings.bookings (space_id, starts_at);
            create index bookings_starts on bookings.bookings (starts_at, booking_id);

            -- The slot guard (inline, in the appending transaction). A booking of a whole space
            -- (room, hall, fixed desk, …) excludes every other holding booking of that space that
            -- overlaps it: PostgreSQL refuses the second one (23P01), whatever races: a concurrent
            -- insert waits for the first transaction and fails if it commits. Deferrable only so that
            -- a rebuild (one transaction) can check at its end: replaying in sequence order may meet a
            -- release that committed before, but drew its number after, the booking that took the slot.
            -- Places in a flexible-desk area are counted under a lock of the space's row instead.
            create table bookings.slots (
                booking_id  uuid primary key,
                space_id    uuid not null,
                during      tstzrange not null,
                whole_space boolean not null,
                places      int not null,
                holds       boolean not null,
                last_seq    bigint not null,
                constraint slots_no_double_booking
                    exclude using gist (space_id with =, during with &&) where (holds and whole_space)
                    deferrable initially immediate
            );
            create index slots_space_during on bookings.slots using gist (space_id, during) where (holds);
            """),
        new(Module, 2, "flags of bookings for staff (held for review, outside new hours, site closed)", """
            alter table bookings.bookings add column flags text[] not null default '{}';
            create index bookings_flagged on bookings.bookings (starts_at) where cardinality(flags) > 0;
            """),
        new(Module, 3, "recurring series (series_id of a booking) and fixed-desk assignments", """
            alter table bookings.bookings add column series_id uuid;
            create index bookings_series on bookings.bookings (series_id) where series_id is not null;

            -- Fixed desks assigned for months (FixedDesks/), inline. Their slot is a row of
            -- bookings.slots like a booking's (booking_id = the assignment's id), so the same
            -- exclusion constraint keeps bookings and assignments of one desk apart.
            create table bookings.desk_assignments (
                assignment_id   uuid primary key,
                space_id        uuid not null,
                site_id         uuid not null,
                organisation_id uuid not null,
                person_id       uuid,
                from_date       date not null,
                until_date      date not null,
                end_reason      text,
                version         bigint not null,
                last_seq        bigint not null
            );
            create index desk_assignments_space on bookings.desk_assignments (space_id, from_date);
            create index desk_assignments_organisation on bookings.desk_assignments (organisation_id, from_date);
            """),
        new(Module, 4, "quotas (plans of organisations, free hours per plan, free minutes of bookings) and the waitlist", """
            -- Copy of Membership's plans held for organisations (Quotas/PlanCopies.cs).
            create table bookings.organisation_plans (
                person_id       uuid not null,
                organisation_id uuid not null,
                valid_from      date not null,
                plan            text not null,
                valid_until     date,
                primary key (person_id, organisation_id, valid_from)
            );
            create index organisation_plans_organisation on bookings.organisation_plans (organisation_id, valid_from);

            -- Free hours per plan as staff set them (inline, from the streams "free-hours-<plan>").
            create table bookings.free_hours (
                plan            text primary key,
                hours_per_month int not null,
                changed_at      timestamptz not null,
                version         bigint not null,
                last_seq        bigint not null
            );

            -- The split of a booking: free minutes out of the allowance, the rest chargeable.
            alter table bookings.bookings
                add column free_minutes int not null default 0,
                add column chargeable_minutes int generated always as
                    ((extract(epoch from ends_at - starts_at) / 60)::int - free_minutes) stored;

            -- Waitlist entries (inline, from the streams "waitlist-<id>"); joined_seq: the join order.
            create table bookings.waitlist (
                entry_id        uuid primary key,
                space_id        uuid not null,
                site_id         uuid not null,
                organisation_id uuid not null,
                person_id       uuid,
                starts_at       timestamptz not null,
                ends_at         timestamptz not null,
                attendees       int not null,
                purpose         text not null,
                action_field    text not null,
                status          text not null,
                offered_until   timestamptz,
                booking_id      uuid,
                rule            text,
                joined_at       timestamptz not null,
                joined_seq      bigint not null,
                version         bigint not null,
                last_seq        bigint not null
            );
            create index waitlist_space_open on bookings.waitlist (space_id, joined_seq) where status in ('waiting', 'offered');
            create index waitlist_organisation on bookings.waitlist (organisation_id, joined_seq);
            """),
        Reports.ReportsSchema.Version5,
        History.BookingAllocations.Version6,
        Calendars.FeedCopies.Version7,
        Reports.GrantPlaces.Version8,
        Programme.ProgrammeProjection.Version9,
        Advice.AdviceProjection.Version10,
        Commuting.CommuteSurveys.Version11,
    ];
}
