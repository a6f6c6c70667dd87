using Allmende.Eventing.Schema;

namespace Allmende.Host.Web.SignIn;

/// <summary>
/// People who sign in to the web app. The address is personal data: it is kept sealed under the
/// account's own key (signin.account_keys; deleting the key forgets it, as ADR 8 does for people)
/// and found at sign-in by a keyed hash, never in plain text. The events on the log name no address.
/// </summary>
internal static class SignInSchema
{
    public static IEnumerable<Migration> Migrations =>
    [
        new("signin", 1, "people who sign in: invitations, passwords, lockout, sessions", """
            create schema if not exists signin;

            -- The key of the address hash: random per installation, so that a copy of the table alone
            -- cannot be searched with a list of known addresses.
            create table signin.settings (
                id           int primary key check (id = 1),
                email_pepper bytea not null
            );
            insert into signin.settings (id, email_pepper)
            values (1, decode(md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text), 'hex'));

            create table signin.accounts (
                account_id            uuid primary key,
                role                  text not null,
                person_id             uuid,
                funder_id             uuid,
                email_hash            bytea,
                email_sealed          text,
                password_hash         text,
                invitation_hash       bytea,
                invitation_expires_at timestamptz,
                invited_at            timestamptz not null,
                invited_by            text not null,
                activated_at          timestamptz,
                failed_attempts       int not null default 0,
                locked_until          timestamptz,
                security_stamp        uuid not null,
                revoked_at            timestamptz
            );
            create unique index accounts_email on signin.accounts (email_hash) where revoked_at is null;
            create unique index accounts_invitation on signin.accounts (invitation_hash) where invitation_hash is not null;
            create index accounts_person on signin.accounts (person_id) where person_id is not null;

            create table signin.account_keys (
                account_id uuid primary key,
                key        bytea not null
            );
            """),
        new("signin", 2, "passkeys: credentials per account, challenges kept server-side for one answer", """
            -- The device keeps the private key; we keep what checks its signatures (ADR 24). The credential id
            -- is unique across accounts: a passkey opens one account only.
            create table signin.passkeys (
                passkey_id    uuid primary key,
                account_id    uuid not null references signin.accounts (account_id),
                credential_id bytea not null unique,
                public_key    bytea not null,
                sign_count    bigint not null,
                transports    text[] not null,
                name          text not null,
                created_at    timestamptz not null,
                last_used_at  timestamptz
            );
            create index passkeys_account on signin.passkeys (account_id);

            -- A challenge lives a few minutes and is deleted as it is answered: one answer each, never replayed.
            create table signin.passkey_challenges (
                challenge_id uuid primary key,
                ceremony     text not null check (ceremony in ('register', 'sign-in')),
                account_id   uuid,
                options      text not null,
                expires_at   timestamptz not null,
                check ((ceremony = 'register') = (account_id is not null))
            );
            create index passkey_challenges_expiry on signin.passkey_challenges (expires_at);
            """),
        new("signin", 3, "the Data Protection key ring, shared by every host of the database", """
            -- ASP.NET Core Data Protection's keys (the session cookie's, antiforgery's), one XML element each, as
            -- its key manager writes them: every host of this database reads the same ring, so a cookie one
            -- issued another accepts. Never updated or deleted by us; the key manager adds and revokes by
            -- adding elements.
            create table signin.data_protection_keys (
                name       text primary key,
                xml        text not null,
                created_at timestamptz not null default now()
            );
            """),
    ];
}
