using Allmende.Bookings.Availability;
using Allmende.Bookings.Bookings;
using Allmende.Bookings.Calendars;
using Allmende.Bookings.History;
using Allmende.Bookings.FixedDesks;
using Allmende.Bookings.Series;
using Allmende.Bookings.Quotas;
using Allmende.Bookings.Waitlist;
using Allmende.Eventing;
using Allmende.Eventing.Api;
using Allmende.Eventing.Projections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Allmende.Bookings;

/// <summary>
/// The Bookings module's entry: members book spaces for their organisations, staff approve and run the
/// house. The database makes a double booking impossible (see <c>Bookings/SlotGuard.cs</c>).
/// </summary>
public static class BookingsModule
{
    public static IServiceCollection AddBookings(this IServiceCollection services)
    {
        services.Configure<EventingOptions>(o =>
        {
            foreach (var (type, name) in BookingEventNames.All)
                o.Types.Register(type, name);
            o.Types.Register<NoShowCheckDue>("bookings.no-show-check-due");
            o.Types.Register<ApprovalExpiryDue>("bookings.approval-expiry-due");
            o.Types.Register<QuotaMinutesTaken>("bookings.quota.minutes-taken");
            o.Types.Register<QuotaMinutesReturned>("bookings.quota.minutes-returned");
            o.Types.Register<FreeHoursSet>("bookings.free-hours.set");
            foreach (var (type, name) in WaitlistEventNames.All)
                o.Types.Register(type, name);
            o.Types.Register<SlotReleased>("bookings.slot-released");
            o.Types.Register<WaitlistOfferDue>("bookings.waitlist-offer-due");
            o.Types.Register<WaitlistStartDue>("bookings.waitlist-start-due");

            // Contracts: stable names other modules subscribe by. Never rename one.
            o.Types.Register<Contracts.BookingConfirmed>("bookings.booking-confirmed");
            o.Types.Register<Contracts.BookingChanged>("bookings.booking-changed");
            o.Types.Register<Contracts.BookingCancelled>("bookings.booking-cancelled");
            o.Types.Register<Contracts.BookingCompleted>("bookings.booking-completed");
            o.Types.Register<Contracts.BookingNoShow>("bookings.booking-no-show");
            o.Types.Register<Contracts.BookingNoShowUndone>("bookings.booking-no-show-undone");
            o.Types.Register<Contracts.BookingRejected>("bookings.booking-rejected");
            o.Types.Register<Contracts.WaitlistOfferMade>("bookings.waitlist-offer-made");
            foreach (var (type, name) in SeriesEventNames.All)
                o.Types.Register(type, name);
            foreach (var (type, name) in DeskAssignmentEventNames.All)
                o.Types.Register(type, name);
            foreach (var (type, name) in CalendarFeeds.EventNames)
                o.Types.Register(type, name);
            foreach (var (type, name) in Programme.OfferEventNames.All)
                o.Types.Register(type, name);
            o.Types.Register<Contracts.OfferAttendanceCounted>("bookings.offer-attendance-counted");
            foreach (var (type, name) in Advice.AdviceEventNames.All)
                o.Types.Register(type, name);
            o.Types.Register<Contracts.AppointmentBooked>("bookings.appointment-booked");
            o.Types.Register<Contracts.AppointmentCancelled>("bookings.appointment-cancelled");
            o.Types.Register<Contracts.AppointmentReminderDue>("bookings.appointment-reminder-due");
            o.Types.Register<Contracts.AppointmentOutcomeRecorded>("bookings.appointment-outcome-recorded");
            o.Types.Register<Contracts.DeskAssigned>("bookings.desk-assigned");
            o.Types.Register<Contracts.DeskAssignmentEnded>("bookings.desk-assignment-ended");

            // Funding's allocation contracts under the names Funding gives them (registering the same name twice
            // is harmless), so that the history's copy of allocations is routed whichever module registers first.
            o.Types.Register<Allmende.Funding.Contracts.CostAllocated>("funding.cost-allocated");
            o.Types.Register<Allmende.Funding.Contracts.AllocationReversed>("funding.allocation-reversed");
            o.Types.Register<Allmende.Funding.Contracts.GrantAwardedForPlaces>("funding.grant-awarded-for-places");

            o.AddMigrations(BookingsSchema.Migrations);
            o.AddProjection<SlotGuard>(ProjectionLifecycle.Inline);
            o.AddProjection<BookingsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<DeskAssignmentsProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<FreeHoursProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<WaitlistProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<Programme.ProgrammeProjection>(ProjectionLifecycle.Inline);
            o.AddProjection<Advice.AdviceProjection>(ProjectionLifecycle.Inline);
            o.AddHandlers(typeof(BookingsModule).Assembly);
            Reports.ReportsRegistration.Register(o);
        });
        services.AddOptions<BookingsOptions>().BindConfiguration(BookingsOptions.Section);
        services.AddRateLimiter(o => o.AddPolicy(Programme.ProgrammeApi.SignUpLimit, http =>
        {
            var options = http.RequestServices.GetRequiredService<IOptions<BookingsOptions>>().Value;
            return PublicRateLimit.PerClientAddress(http, options.ProgrammeSignUpsPerWindow, options.ProgrammeSignUpWindow);
        }));
        services.AddValidatorsFrom(typeof(BookingsModule).Assembly);
        return services;
    }

    public static IEndpointRouteBuilder MapBookings(this IEndpointRouteBuilder endpoints)
    {
        var bookings = endpoints.MapGroup("/api/bookings").WithTags("Bookings");
        RequestBooking.Map(bookings);
        ReadBookings.Map(bookings);
        ReadCalendars.Map(bookings);
        CalendarFeeds.Map(bookings);
        ReadAvailability.Map(bookings);
        Approval.Map(bookings);
        Attendance.Map(bookings);
        CancelBooking.Map(bookings);
        RescheduleBooking.Map(bookings);
        BookingHistory.Map(bookings);
        BookSeries.Map(bookings);
        ReadSeries.Map(bookings);
        CancelSeries.Map(bookings);
        AssignDesk.Map(bookings);
        EndDeskAssignment.Map(bookings);
        ReadDeskAssignments.Map(bookings);
        Reports.ReportsRegistration.Map(endpoints);
        FreeHoursApi.Map(bookings);
        ReadQuotas.Map(bookings);
        WaitlistApi.Map(bookings);
        Programme.ProgrammeApi.Map(endpoints);
        Advice.AdviceApi.Map(endpoints);
        return endpoints;
    }

    /// <summary>
    /// A newcomer's name, e-mail and mail language (ADR 19), opened with their key in the caller's transaction (a
    /// mail's delivery); null once forgotten or without an e-mail address.
    /// </summary>
    public static Task<(string Name, string Email, string? Language)?> NewcomerAddressAsync(ProjectionContext db, Guid newcomerId, CancellationToken ct) =>
        Advice.AdviceApi.NewcomerAddressAsync(db, newcomerId, ct);
}
