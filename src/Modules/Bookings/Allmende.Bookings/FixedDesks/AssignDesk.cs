using Allmende.Bookings.Bookings;
using Allmende.Bookings.House;
using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Npgsql;

namespace Allmende.Bookings.FixedDesks;

/// <summary>A fixed desk for an organisation (optionally one of its people) from one Europe/Berlin date to another, both inclusive.</summary>
internal sealed record AssignDeskRequest(Guid SpaceId, Guid OrganisationId, Guid? PersonId, DateOnly? From, DateOnly? Until);

internal sealed class AssignDeskValidator : AbstractValidator<AssignDeskRequest>
{
    /// <summary>Longer assignments are a typo more often than a plan (the house's lease runs five years).</summary>
    public const int MaxDays = 5 * 366;

    public AssignDeskValidator()
    {
        RuleFor(r => r.SpaceId).NotEmpty();
        RuleFor(r => r.OrganisationId).NotEmpty();
        RuleFor(r => r.From).NotNull();
        RuleFor(r => r.Until).NotNull()
            .Must((r, until) => r.From is not { } from || until is not { } u || u >= from && u.DayNumber - from.DayNumber < MaxDays)
            .WithMessage($"until must be on or after from, at most {MaxDays} days later.");
    }
}

internal static class AssignDesk
{
    public const string FixedDesk = "fixed-desk";
    public const string NotAFixedDesk = "not-a-fixed-desk";

    internal sealed record Command(Guid AssignmentId, Guid SpaceId, Guid OrganisationId, Guid? PersonId, DateOnly From, DateOnly Until);

    /// <summary>
    /// A non-retired fixed desk for an active organisation, from today on, within the site's lease. Opening
    /// hours and closures do not apply (the desk is theirs day and night). Whether the desk is free for all
    /// of it is the database's to say in the same transaction: the assignment's slot in bookings.slots meets
    /// the same exclusion constraint as bookings (<see cref="SlotGuard"/>).
    /// </summary>
    public static IReadOnlyList<object> Decide(DeskAssignment state, Command command, HouseSnapshot house, DateTimeOffset now)
    {
        if (state.Exists)
            throw new DomainException("desk-assignment-exists", $"Assignment {command.AssignmentId} exists already.");
        var space = house.Space ?? throw new BadInputException("spaceId", $"There is no space {command.SpaceId} (or Bookings has not heard of it yet).");
        if (space.Kind != FixedDesk)
            throw new DomainException(NotAFixedDesk, $"Space '{space.Name}' is a {space.Kind}; only fixed desks are assigned.");
        if (!space.Bookable)
            throw new DomainException(BookingRules.SpaceNotBookable, $"Space '{space.Name}' is retired.");
        if (house.Organisation is not { IsActive: true })
            throw new DomainException(BookingRules.OrganisationNotActive, "The organisation is not active: only active organisations get desks.");
        if (command.From < DeskDays.Today(now))
            throw new DomainException(BookingRules.StartsInThePast, "An assignment cannot start before today.");
        if (house.Site is not { } site)
            throw new DomainException(BookingRules.SiteUnknown, "The space's site is not known to Bookings yet; try again in a moment.");
        var (from, to) = (DeskDays.StartOf(command.From), DeskDays.EndOf(command.Until));
        if (site.LeaseStartsAt is { } startsAt && from < startsAt || site.LeaseEndsAt is { } endsAt && to > endsAt)
            throw new DomainException(BookingRules.OutsideLease, "The site can be used only within its lease period.");
        return [new DeskAssigned(command.AssignmentId, command.SpaceId, space.SiteId, command.OrganisationId, command.PersonId, command.From,
            command.Until, now)];
    }

    public static void Map(RouteGroupBuilder bookings) =>
        bookings.MapPost("/desk-assignments", Handle)
            .Validate<AssignDeskRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Assigns a fixed desk to an organisation (optionally a person) from one Berlin date to another, inclusive: the desk is blocked for bookings")
            .Produces<DeskAssignmentResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<IResult> Handle(AssignDeskRequest request, HttpContext http, EventStore store, NpgsqlDataSource db, TimeProvider time,
        CancellationToken ct)
    {
        var (from, until) = (request.From!.Value, request.Until!.Value);
        var house = await HouseSnapshot.LoadAsync(db, request.SpaceId, request.OrganisationId, DeskDays.StartOf(from), DeskDays.EndOf(until), ct);
        var id = Guid.CreateVersion7();
        var events = Decide(DeskAssignment.Initial, new Command(id, request.SpaceId, request.OrganisationId, request.PersonId, from, until), house,
            time.GetUtcNow());

        var uow = store.Begin(http.EventMetadata());
        uow.StartStream("desk-assignment", DeskAssignment.StreamId(id), events);
        DeskAssignmentWrites.Stage(uow, DeskAssignment.Initial, events);
        var stored = await BookingWrites.CommitAsync(uow, ct);

        var version = stored[^1].StreamVersion;
        http.Response.SetETag(version);
        return Results.Created($"/api/bookings/desk-assignments/{id}", DeskAssignmentResponse.Of(DeskAssignment.Initial.Fold(events), version));
    }
}
