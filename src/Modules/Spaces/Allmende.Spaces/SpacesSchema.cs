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
    ];
}
