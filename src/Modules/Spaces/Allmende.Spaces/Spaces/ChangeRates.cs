using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Spaces;

/// <summary>New rates in EUR cents from effectiveFrom (a local date, today or later; default today) on.</summary>
internal sealed record ChangeRatesRequest(long HourlyRateCents, long MonthlyDeskFeeCents, DateOnly? EffectiveFrom);

internal sealed class ChangeRatesValidator : AbstractValidator<ChangeRatesRequest>
{
    public ChangeRatesValidator()
    {
        RuleFor(r => r.HourlyRateCents).InclusiveBetween(0, RatesValidator.MaxCents);
        RuleFor(r => r.MonthlyDeskFeeCents).InclusiveBetween(0, RatesValidator.MaxCents);
        RuleFor(r => r.EffectiveFrom).Must(Berlin.IsSupported).WithMessage("effectiveFrom " + Berlin.SupportedRange);
    }
}

internal static class ChangeRates
{
    /// <summary>
    /// Rates change from today or a later day, never for the past (funding was costed on them), and
    /// never before a change already scheduled; a change for the day of a scheduled one replaces it.
    /// </summary>
    public static IReadOnlyList<object> Decide(Space state, long hourlyRateCents, long monthlyDeskFeeCents, DateOnly? effectiveFrom, DateTimeOffset now)
    {
        state.EnsureNotRetired();
        var today = Berlin.DateOf(now);
        var rate = new Rate(hourlyRateCents, monthlyDeskFeeCents, effectiveFrom ?? today);
        if (rate.EffectiveFrom < today)
            throw new DomainException("rates-not-retroactive",
                $"Rates cannot change for the past: {rate.EffectiveFrom:yyyy-MM-dd} is before today, {today:yyyy-MM-dd}.");
        var latest = state.Rates[^1];
        if (rate.EffectiveFrom < latest.EffectiveFrom)
            throw new DomainException("rates-before-scheduled",
                $"A rate change is already scheduled for {latest.EffectiveFrom:yyyy-MM-dd}; change from that day or later.");
        // The same amounts as those in force on that day change nothing, whatever date was given.
        var inForce = state.Rates.LastOrDefault(r => r.EffectiveFrom <= rate.EffectiveFrom);
        return inForce is not null && inForce.HourlyRateCents == rate.HourlyRateCents && inForce.MonthlyDeskFeeCents == rate.MonthlyDeskFeeCents
            ? []
            : [new SpaceRatesChanged(state.Id, rate)];
    }

    public static void Map(RouteGroupBuilder spaces) =>
        spaces.MapPut("/{id:guid}/rates", Handle)
            .Validate<ChangeRatesRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Changes a space's hourly rate and monthly desk fee from a day on (If-Match required)")
            .Produces<SpaceResponse>()
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, ChangeRatesRequest request, HttpContext http, EventStore store, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var current = await store.LoadForUpdateAsync<Space>(http.Request, "space", id, Space.StreamId(id), ct);
        var events = Decide(current.State, request.HourlyRateCents, request.MonthlyDeskFeeCents, request.EffectiveFrom, now);
        var after = current.State.Fold(events);
        var published = events.OfType<SpaceRatesChanged>()
            .Select(e => new Contracts.SpaceRatesChanged(id, after.SiteId, e.Rate.HourlyRateCents, e.Rate.MonthlyDeskFeeCents, e.Rate.EffectiveFrom));
        var version = await store.AppendAsync(http, current, events, published, ct);
        return Results.Ok(SpaceResponse.From(after, version, Berlin.DateOf(now)));
    }
}
