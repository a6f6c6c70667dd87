using Allmende.Eventing.Schema;

namespace Allmende.Funding;

/// <summary>The module's tables, in its own schema "funding". Applied migrations are never edited.</summary>
internal static class FundingSchema
{
    public const string Module = "funding";

    public static IEnumerable<Migration> Migrations =>
    [
        new(Module, 1, "copies of spaces, rates, organisations, desks and plans; funders, grants, costs and allocations", """
            create schema if not exists funding;

            -- Copies of what Spaces, Membership and Bookings publish (never their tables). *_message: the id
            -- (UUIDv7, time-ordered) of the message a row came from, so that a late message never overwrites a newer one.
            create table funding.spaces (
                space_id     uuid primary key,
                site_id      uuid not null,
                kind         text not null,
                last_message uuid not null
            );
            create table funding.space_rates (
                space_id                uuid not null,
                effective_from          date not null,
                hourly_rate_cents       bigint not null,
                monthly_desk_fee_cents  bigint not null,
                message                 uuid not null,
                primary key (space_id, effective_from)
            );
            create table funding.organisations (
                organisation_id uuid primary key,
                kind            text not null,
                non_profit      boolean not null,
                message         uuid not null
            );
            create table funding.desk_assignments (
                assignment_id   uuid primary key,
                space_id        uuid not null,
                site_id         uuid not null,
                organisation_id uuid not null,
                from_date       date not null,
                until_date      date not null
            );
            -- Flexible-desk plans through an organisation; a plan is (person, organisation, valid_from).
            create table funding.flexible_desk_plans (
                person_id       uuid not null,
                organisation_id uuid not null,
                valid_from      date not null,
                valid_until     date,
                primary key (person_id, organisation_id, valid_from)
            );
            create table funding.flexible_desk_prices (
                effective_from  date primary key,
                monthly_fee_cents bigint not null,
                last_seq        bigint not null
            );

            create table funding.funders (
                funder_id        uuid primary key,
                name             text not null,
                kind             text not null,
                office           text,
                email            text,
                phone            text,
                reporting_period text not null,
                version          bigint not null,
                last_seq         bigint not null
            );

            create table funding.grants (
                grant_id            uuid primary key,
                funder_id           uuid not null,
                name                text not null,
                reference           text not null,
                budget_cents        bigint not null,
                starts_on           date not null,
                ends_on             date not null,
                coverage            jsonb not null,
                cost_types          text[] not null,
                share_basis_points  int not null,
                priority            int not null,
                cap_cents           bigint,
                status              text not null,
                used_cents          bigint not null default 0,
                thresholds_reached  int[] not null default '{}',
                version             bigint not null,
                last_seq            bigint not null
            );
            create index grants_funder on funding.grants (funder_id);
            create index grants_open on funding.grants (starts_on, ends_on) where status = 'open';

            create table funding.grant_warnings (
                grant_id          uuid not null,
                threshold_percent int not null,
                used_cents        bigint not null,
                budget_cents      bigint not null,
                reached_at        timestamptz not null,
                seq               bigint primary key
            );
            create index grant_warnings_grant on funding.grant_warnings (grant_id, seq);

            -- One row per cost stream: the line in force (status committed or spent) or withdrawn.
            create table funding.costs (
                cost_id         text primary key,
                source_kind     text not null,
                source_id       uuid not null,
                cost_type       text not null,
                organisation_id uuid not null,
                site_id         uuid,
                space_id        uuid,
                action_field    text,
                starts_at       timestamptz,
                ends_at         timestamptz,
                cost_date       date not null,
                month           date not null,
                minutes         int not null,
                attendees       int not null,
                desk_days       int not null,
                unit_cents      bigint not null,
                cost_cents      bigint not null,
                status          text not null,
                outcome         text,
                last_seq        bigint not null
            );
            create index costs_organisation on funding.costs (organisation_id, month);
            create index costs_source on funding.costs (source_id);

            -- Every allocation, with what a funder report needs; a reversal marks it, never deletes it.
            create table funding.allocations (
                allocation_id   uuid primary key,
                cost_id         text not null,
                source_kind     text not null,
                source_id       uuid not null,
                cost_type       text not null,
                payer           text not null,
                grant_id        uuid,
                funder_id       uuid,
                organisation_id uuid not null,
                site_id         uuid,
                space_id        uuid,
                action_field    text,
                minutes         int not null,
                attendees       int not null,
                desk_days       int not null,
                month           date not null,
                rule            text not null,
                amount_cents    bigint not null,
                allocated_at    timestamptz not null,
                spent           boolean not null default false,
                reversed_at     timestamptz,
                reversal_reason text,
                seq             bigint not null,
                last_seq        bigint not null
            );
            create index allocations_grant on funding.allocations (grant_id, month);
            create index allocations_organisation on funding.allocations (organisation_id, month);
            create index allocations_source on funding.allocations (source_id);
            create index allocations_fallen on funding.allocations (month) where rule = 'budget-exhausted' and reversed_at is null;
            """),
        Reports.FundingReportsSchema.Version2,
        // Settling a cost marks its allocations spent by cost_id: without this index every settlement read
        // the whole table, and the deliveries of a year slowed as it filled (reports benchmark).
        new(Module, 3, "allocations by cost", "create index allocations_cost on funding.allocations (cost_id);"),
        new(Module, 4, "usage agreements; the spaces of a cost; names of sites, spaces and organisations for reports", """
            -- The spaces a usage agreement's fee is for (null: the cost's one space_id, or none).
            alter table funding.costs add column space_ids uuid[];

            -- Names, copied from Spaces' and Membership's contracts, so that a report for a funder names what it counts.
            create table funding.sites (
                site_id      uuid primary key,
                name         text not null,
                last_message uuid not null
            );
            alter table funding.spaces add column name text not null default '';
            alter table funding.spaces add column floor_id uuid;
            alter table funding.organisations add column name text not null default '';

            -- Usage agreements (UsageAgreements/): who pays a monthly fee for which spaces, from when until when.
            create table funding.usage_agreements (
                agreement_id    uuid primary key,
                organisation_id uuid not null,
                site_id         uuid not null,
                name            text not null,
                from_date       date not null,
                until_date      date,
                monthly_fee_cents bigint not null,
                space_ids       uuid[] not null,
                version         bigint not null,
                last_seq        bigint not null
            );
            create index usage_agreements_organisation on funding.usage_agreements (organisation_id);
            """),
        new(Module, 5, "payments for sponsors' purposes", """
            -- Payments staff recorded against a grant for its named purpose (Purposes/, ADR 20); reversal_reason set once reversed.
            create table funding.purpose_payments (
                payment_id        uuid primary key,
                grant_id          uuid not null,
                funder_id         uuid not null,
                organisation_id   uuid not null,
                paid_on           date not null,
                amount_cents      bigint not null,
                what_for          text not null,
                receipt_reference text not null,
                recorded_at       timestamptz not null,
                reversal_reason   text,
                version           bigint not null,
                last_seq          bigint not null
            );
            create index purpose_payments_grant on funding.purpose_payments (grant_id, paid_on);
            """),
        new(Module, 6, "people reached at open offers, for funder reports as of a position", """
            -- Who came to a date of an open offer (PeopleReached/, ADR 20), true from one count until the next.
            create table funding.report_people_reached (
                booking_id      uuid not null,
                offer_id        uuid not null,
                attendees       int not null,
                known_from_seq  bigint not null,
                known_until_seq bigint,
                primary key (booking_id, offer_id, known_from_seq)
            );
            """),
        new(Module, 7, "appointments with an advisor: held and outcomes, for funder reports as of a position", """
            -- Whether an appointment was held and what came of it (Advice/, ADR 19), true from one record until the next.
            -- client_id is a pseudonym (people advised are counted, never named).
            create table funding.report_advice (
                appointment_id  uuid not null,
                booking_id      uuid not null,
                client_id       uuid not null,
                held            boolean not null,
                outcomes        jsonb not null,
                known_from_seq  bigint not null,
                known_until_seq bigint,
                primary key (appointment_id, known_from_seq)
            );
            create index report_advice_booking on funding.report_advice (booking_id);
            """),
    ];
}
