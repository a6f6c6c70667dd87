using Allmende.Eventing.Schema;

namespace Allmende.Host.Access;

/// <summary>
/// Who may call the API. Keys are stored hashed (the secret is shown once, at issue); issuing and
/// revoking are also events on the key's stream, for the audit trail. Which organisations a person
/// acts for is kept here from Membership's integration events, so that authorising a member needs
/// no call into another module.
/// </summary>
internal static class AccessSchema
{
    public static IEnumerable<Migration> Migrations =>
    [
        new("access", 1, "api keys and members' organisations", """
            create schema if not exists access;

            create table access.api_keys (
                key_id      uuid primary key,
                name        text not null,
                role        text not null,
                person_id   uuid,
                funder_id   uuid,
                secret_hash bytea not null,
                issued_at   timestamptz not null,
                issued_by   text not null,
                expires_at  timestamptz,
                revoked_at  timestamptz
            );
            create index api_keys_person on access.api_keys (person_id) where person_id is not null;

            create table access.person_organisations (
                person_id       uuid not null,
                organisation_id uuid not null,
                role            text not null,
                primary key (person_id, organisation_id)
            );
            """),

        new("access", 2, "ordered membership facts; forgotten people", """
            -- Messages arrive in any order: keep the person stream's version and a flag instead of
            -- deleting, so that an older "acts for" can never undo a newer "stopped".
            alter table access.person_organisations
                add column person_version bigint not null default 0,
                add column acting boolean not null default true;
            create table access.forgotten_people (person_id uuid primary key);
            create table access.ended_organisations (organisation_id uuid primary key);
            """),
    ];
}
