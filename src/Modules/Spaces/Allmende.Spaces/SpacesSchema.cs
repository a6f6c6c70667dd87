using Allmende.Eventing.Schema;

namespace Allmende.Spaces;

/// <summary>The module's read models, in its own schema "spaces". Applied migrations are never edited.</summary>
internal static class SpacesSchema
{
    public const string Module = "spaces";

    public static IEnumerable<Migration> Migrations =>
    [
        new(Module, 1, "sites and spaces read models", """
            create schema if not exists spaces;

            create table spaces.sites (
                site_id     uuid primary key,
                name        text not null,
                street      text not null,
                postal_code text not null,
                city        text not null,
                lease_from  date,
                lease_until date,
                version     bigint not null,
                last_seq    bigint not null
            );
            create index sites_name on spaces.sites (lower(name), site_id);

            create table spaces.spaces (
                space_id      uuid primary key,
                site_id       uuid not null,
                floor_id      uuid,
                name          text not null,
                kind          text not null,
                capacity      int  not null,
                places        int,
                accessibility text[] not null,
                retired       boolean not null default false,
                version       bigint not null,
                last_seq      bigint not null
            );
            create index spaces_site on spaces.spaces (site_id, lower(name));
            create index spaces_name on spaces.spaces (lower(name), space_id);
            """),
        new(Module, 2, "the duty rota: one person on duty in one place at a time", """
            create extension if not exists btree_gist;

            create table spaces.duty_shifts (
                shift_id          uuid primary key,
                site_id           uuid not null,
                starts_at         timestamptz not null,
                ends_at           timestamptz not null,
                note              text,
                person_id         uuid,
                cancelled_because text,
                version           bigint not null,
                last_seq          bigint not null,
                -- Written inline in the taking command's transaction: a person who races to take two
                -- overlapping shifts gets one, and the other command rolls back whole (23P01).
                constraint duty_shifts_one_place_at_a_time
                    exclude using gist (person_id with =, tstzrange(starts_at, ends_at) with &&) where (person_id is not null)
            );
            create index duty_shifts_site on spaces.duty_shifts (site_id, starts_at);
            """),
        new(Module, 3, "copies of who is on each site's duty rota (Membership's contract)", """
            create table spaces.duty_pool (
                person_id uuid not null,
                site_id   uuid not null,
                primary key (site_id, person_id)
            );
            """),
    ];
}
