using Allmende.Eventing.Schema;

namespace Allmende.Funding.Reports;

/// <summary>
/// Version 2 of the funding schema: the temporal tables of funder and organisation reports (ADR 14).
/// Every row is true from the event known_from_seq until the event known_until_seq (null: true now).
/// </summary>
internal static class FundingReportsSchema
{
    public static Migration Version2 { get; } = new(FundingSchema.Module, 2, "temporal read models for funder and organisation reports", """
        -- A cost stream's line as it stood between two of its events: in force (committed, spent) or
        -- withdrawn, and how a booking ended (outcome: completed, cancelled, late-cancellation, no-show).
        create table funding.report_costs (
            cost_id         text not null,
            source_kind     text not null,
            source_id       uuid not null,
            cost_type       text not null,
            organisation_id uuid not null,
            site_id         uuid,
            space_id        uuid,
            action_field    text,
            starts_at       timestamptz,
            cost_date       date not null,
            month           date not null,
            minutes         int not null,
            attendees       int not null,
            desk_days       int not null,
            cost_cents      bigint not null,
            status          text not null,
            outcome         text,
            known_from_seq  bigint not null,
            known_until_seq bigint,
            primary key (cost_id, known_from_seq)
        );
        create index report_costs_current on funding.report_costs (cost_id) where known_until_seq is null;
        -- The organisation activity report: one organisation, a range of Berlin dates.
        create index report_costs_organisation on funding.report_costs (organisation_id, cost_date);

        -- Every allocation with the line it paid for; true from its allocation until its reversal.
        create table funding.report_allocations (
            allocation_id   uuid primary key,
            cost_id         text not null,
            payer           text not null,
            grant_id        uuid,
            funder_id       uuid,
            rule            text not null,
            amount_cents    bigint not null,
            source_kind     text not null,
            source_id       uuid not null,
            cost_type       text not null,
            organisation_id uuid not null,
            site_id         uuid,
            space_id        uuid,
            action_field    text,
            starts_at       timestamptz,
            cost_date       date not null,
            month           date not null,
            minutes         int not null,
            attendees       int not null,
            desk_days       int not null,
            cost_cents      bigint not null,
            known_from_seq  bigint not null,
            known_until_seq bigint
        );
        -- The funder report: one grant, a range of Berlin dates (and per month for the burn-down).
        create index report_allocations_grant on funding.report_allocations (grant_id, cost_date) where grant_id is not null;
        create index report_allocations_organisation on funding.report_allocations (organisation_id, cost_date);

        -- A grant's terms as a report shows them: name, funder, budget, period.
        create table funding.report_grants (
            grant_id        uuid not null,
            funder_id       uuid not null,
            name            text not null,
            reference       text not null,
            budget_cents    bigint not null,
            starts_on       date not null,
            ends_on         date not null,
            known_from_seq  bigint not null,
            known_until_seq bigint,
            primary key (grant_id, known_from_seq)
        );
        create index report_grants_current on funding.report_grants (grant_id) where known_until_seq is null;
        """);
}
