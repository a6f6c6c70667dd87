using Allmende.Eventing.Api;
using Allmende.Eventing.Streams;
using Allmende.Spaces.Common;
using Allmende.Spaces.Contracts;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Allmende.Spaces.Sites;

/// <summary>
/// A closure (holiday, renovation) as whole local days, firstDay to lastDay inclusive, or as
/// instants, from to to (end exclusive): one of the two.
/// </summary>
internal sealed record AddClosureRequest(DateOnly? FirstDay, DateOnly? LastDay, DateTimeOffset? From, DateTimeOffset? To, string Reason);

internal sealed class AddClosureValidator : AbstractValidator<AddClosureRequest>
{
    public AddClosureValidator()
    {
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(500);
        When(r => r.FirstDay is not null || r.LastDay is not null, () =>
        {
            RuleFor(r => r.FirstDay).NotNull().WithMessage("firstDay is required with lastDay.");
            RuleFor(r => r.LastDay).NotNull().WithMessage("lastDay is required with firstDay.");
            RuleFor(r => r.LastDay).GreaterThanOrEqualTo(r => r.FirstDay).When(r => r.FirstDay is not null && r.LastDay is not null)
                .WithMessage("lastDay must not be before firstDay.");
            RuleFor(r => r.FirstDay).Must(Berlin.IsSupported).WithMessage("firstDay " + Berlin.SupportedRange);
            RuleFor(r => r.LastDay).Must(Berlin.IsSupported).WithMessage("lastDay " + Berlin.SupportedRange);
            RuleFor(r => r.From).Null().WithMessage("Give either firstDay/lastDay or from/to, not both.");
            RuleFor(r => r.To).Null().WithMessage("Give either firstDay/lastDay or from/to, not both.");
        }).Otherwise(() =>
        {
            RuleFor(r => r.From).NotNull().WithMessage("Give firstDay/lastDay (local days) or from/to (instants).");
            RuleFor(r => r.To).NotNull().WithMessage("Give firstDay/lastDay (local days) or from/to (instants).");
            RuleFor(r => r.To).GreaterThan(r => r.From).When(r => r.From is not null && r.To is not null)
                .WithMessage("to must be after from.");
        });
    }
}

internal static class AddClosure
{
    internal sealed record Command(Guid ClosureId, DateOnly? FirstDay, DateOnly? LastDay, DateTimeOffset? From, DateTimeOffset? To, string Reason);

    public static IReadOnlyList<object> Decide(Site state, Command command)
    {
        var closure = command.FirstDay is { } first && command.LastDay is { } last
            ? new Closure(command.ClosureId, Berlin.StartOfDay(first), Berlin.EndOfDay(last), first, last, command.Reason)
            : new Closure(command.ClosureId, command.From!.Value.ToUniversalTime(), command.To!.Value.ToUniversalTime(), null, null, command.Reason);
        if (closure.To <= closure.From)
            throw new ArgumentException("A closure must end after it starts.", nameof(command));
        return [new ClosureAdded(state.Id, closure)];
    }

    public static void Map(RouteGroupBuilder sites) =>
        sites.MapPost("/{id:guid}/closures", Handle)
            .Validate<AddClosureRequest>()
            .RequireAuthorization(Policies.Staff)
            .WithSummary("Closes a site for days or a period: holidays, renovation (If-Match required)")
            .Produces<ClosureResponse>(StatusCodes.Status201Created)
            .ProducesUpdateProblems();

    private static async Task<IResult> Handle(Guid id, AddClosureRequest request, HttpContext http, EventStore store, CancellationToken ct)
    {
        var current = await store.LoadForUpdateAsync<Site>(http.Request, "site", id, Site.StreamId(id), ct);
        var command = new Command(Guid.CreateVersion7(), request.FirstDay, request.LastDay, request.From, request.To, request.Reason.Trim());
        var events = Decide(current.State, command);
        var closure = ((ClosureAdded)events[0]).Closure;
        await store.AppendAsync(http, current, events,
            [new SiteClosureAdded(id, closure.ClosureId, closure.From, closure.To, closure.FirstDay, closure.LastDay, closure.Reason)], ct);
        return Results.Created($"/api/sites/{id}/closures/{closure.ClosureId}", SiteMapping.ToResponse(closure));
    }
}
