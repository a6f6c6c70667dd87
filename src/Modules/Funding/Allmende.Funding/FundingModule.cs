using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Allmende.Funding.Allocation;
using Allmende.Funding.Funders;
using Allmende.Funding.Grants;
using Allmende.Funding.Recurring;
using Allmende.Funding.Reports;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Contracts = Allmende.Funding.Contracts;

namespace Allmende.Funding;

/// <summary>
/// The Funding module's entry: funders, grants, and the allocation of every booking's and fee's cost to
/// grants by priority, down to the cent (ADR 12).
/// </summary>
public static class FundingModule
{
    public static IServiceCollection AddFunding(this IServiceCollection services)
    {
        services.Configure<EventingOptions>(o =>
        {
            o.Types.Register<FunderRegistered>("funding.funder.registered");
            o.Types.Register<FunderChanged>("funding.funder.changed");
            foreach (var (type, name) in GrantEventNames.All)
                o.Types.Register(type, name);
            foreach (var (type, name) in CostEventNames.All)
                o.Types.Register(type, name);
            foreach (var (type, name) in RecurringNames.All)
                o.Types.Register(type, name);
            foreach (var (type, name) in UsageAgreements.UsageAgreementNames.All)
                o.Types.Register(type, name);
            foreach (var (type, name) in Purposes.PurposePaymentNames.All)
                o.Types.Register(type, name);
            o.Types.Register<PeopleReached.PeopleReachedCounted>("funding.people-reached.counted");
            o.Types.Register<Advice.AdviceRecorded>("funding.advice.recorded");
            o.Types.Register<Allmende.Bookings.Contracts.AppointmentOutcomeRecorded>("bookings.appointment-outcome-recorded");
            // Bookings' contract under the name Bookings gives it, so that the handler is routed whichever module registers first.
            o.Types.Register<Allmende.Bookings.Contracts.OfferAttendanceCounted>("bookings.offer-attendance-counted");

            // Bookings' desk contracts under the names Bookings gives them (registering the same name twice is
            // harmless), so that Funding's handlers are routed even before Bookings publishes them.
            o.Types.Register<Allmende.Bookings.Contracts.DeskAssigned>("bookings.desk-assigned");
            o.Types.Register<Allmende.Bookings.Contracts.DeskAssignmentEnded>("bookings.desk-assignment-ended");

            // Contracts: stable names other modules subscribe by. Never rename one.
            o.Types.Register<Contracts.CostAllocated>("funding.cost-allocated");
            o.Types.Register<Contracts.AllocationReversed>("funding.allocation-reversed");
            o.Types.Register<Contracts.GrantAwardedForPlaces>("funding.grant-awarded-for-places");
            o.Types.Register<Contracts.GrantBudgetThresholdReached>("funding.grant-budget-threshold-reached");

            o.AddMigrations(FundingSchema.Migrations);
            o.AddProjection<FundersProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<GrantsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<CostsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<FlexibleDeskPricesProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<UsageAgreements.UsageAgreementsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<Purposes.PurposePaymentsProjection>(ProjectionLifecycle.Inline);
            FundingReportsRegistration.Register(o);
            o.AddHandlers(typeof(FundingModule).Assembly);
        });
        services.AddOptions<FundingOptions>().BindConfiguration(FundingOptions.Section);
        services.AddValidatorsFrom(typeof(FundingModule).Assembly);
        return services;
    }

    public static IEndpointRouteBuilder MapFunding(this IEndpointRouteBuilder endpoints)
    {
        var funding = endpoints.MapGroup("/api/funding").WithTags("Funding");
        FunderApi.Map(funding);
        GrantApi.Map(funding);
        ReadAllocations.Map(funding);
        FlexibleDeskPrices.Map(funding);
        UsageAgreements.UsageAgreementApi.Map(funding);
        Reallocation.Reallocations.Map(funding);
        Purposes.PurposePaymentApi.Map(funding);
        FundingReportsRegistration.Map(funding);
        Audit.FunderAuditExport.Map(funding);
        return endpoints;
    }
}
