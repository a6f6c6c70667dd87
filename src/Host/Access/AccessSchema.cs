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
    ];
}
