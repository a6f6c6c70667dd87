using Allmende.Eventing.Schema;

namespace Allmende.Membership;

/// <summary>
/// The module's own tables, in schema "membership": read models kept by inline projections (rebuilt
/// from the log at will) and the per-person keys (never rebuilt: they are not in the log).
/// </summary>
internal static class MembershipSchema
{
    public const string Module = "membership";

    public static IEnumerable<Migration> Migrations =>
    [
        new(Module, 1, "organisations, people and person keys", """
            create schema if not exists membership;

            create table membership.organisations (
                id               uuid primary key,
                name             text    not null,
                kind             text    not null,
                non_profit       boolean not null,
                status           text    not null,
                status_reason    text,
                street           text,
                postal_code      text,
                city             text,
                contact_email    text,
                contact_phone    text,
                shares_subscribed int    not null default 0,
                cents_per_share  bigint  not null default 0,
                paid_cents       bigint  not null default 0,
                share_payments   jsonb   not null default '[]',
                applied_at       timestamptz not null,
                updated_at       timestamptz not null,
                version          bigint  not null,
                last_seq         bigint  not null
            );
            create index organisations_name on membership.organisations (lower(name), id);

            -- Personal data only sealed (see Privacy/PersonalDataCipher.cs), nulled when forgotten.
            create table membership.people (
                id            uuid primary key,
                name_sealed   text,
                email_sealed  text,
                phone_sealed  text,
                forgotten_at  timestamptz,
                registered_at timestamptz not null,
                updated_at    timestamptz not null,
                version       bigint not null,
                last_seq      bigint not null
            );
            create index people_registered on membership.people (registered_at, id);

            -- Who acts for which organisation; a row stays with "until" set when they stop.
            create table membership.person_organisations (
                person_id       uuid not null,
                organisation_id uuid not null,
                role            text not null,
                since           timestamptz not null,
                until           timestamptz,
                primary key (person_id, organisation_id)
            );
            create index person_organisations_acting on membership.person_organisations (organisation_id) where until is null;

            create table membership.person_plans (
                person_id       uuid   not null,
                seq             bigint not null,
                organisation_id uuid,
                plan            text   not null,
                valid_from      date   not null,
                valid_until     date,
                primary key (person_id, seq)
            );

            create table membership.duty_rota (
                person_id uuid not null,
                site_id   uuid not null,
                since     timestamptz not null,
                primary key (person_id, site_id)
            );
            create index duty_rota_site on membership.duty_rota (site_id);

            -- Crypto-shredding keys: outside the log, deleted to forget a person. Not a read model.
            create table membership.person_keys (
                person_id  uuid primary key,
                key        bytea not null check (length(key) = 32),
                created_at timestamptz not null default now()
            );
            """),
        new(Module, 2, "applications organisations sent by themselves", """
            -- The contact person only sealed (key in person_keys under the application id), nulled when erased.
            create table membership.applications (
                id                   uuid primary key,
                status               text    not null,
                name                 text    not null,
                kind                 text    not null,
                non_profit           boolean not null,
                street               text,
                postal_code          text,
                city                 text,
                contact_email        text,
                contact_phone        text,
                person_name_sealed   text,
                person_email_sealed  text,
                person_phone_sealed  text,
                contact_erased_at    timestamptz,
                consent_given_at     timestamptz not null,
                consent_text_version text    not null,
                decided_at           timestamptz,
                decline_reason       text,
                organisation_id      uuid,
                submitted_at         timestamptz not null,
                updated_at           timestamptz not null,
                version              bigint  not null,
                last_seq             bigint  not null
            );
            create index applications_status on membership.applications (status, submitted_at, id);
            """),
        new(Module, 3, "the rural pilot's needs survey: one answer per person", """
            -- Needs (free text) only sealed with the person's key, nulled when the person is forgotten;
            -- distance, means and days stay as figures for the commuting report (ADR 21).
            create table membership.survey_answers (
                person_id               uuid primary key,
                one_way_km              numeric(6,1) not null,
                means                   text not null,
                commuting_days_per_week int not null,
                needs_sealed            text,
                answered_at             timestamptz not null
            );
            """),
    ];
}
