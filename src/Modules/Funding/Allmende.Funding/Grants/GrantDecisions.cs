using Allmende.Eventing.Api;

namespace Allmende.Funding.Grants;

/// <summary>The terms of a new grant, checked for shape by the validator.</summary>
internal sealed record GrantTerms(Guid FunderId, string Name, string Reference, long BudgetCents, DateOnly StartsOn, DateOnly EndsOn, Coverage Coverage,
    int ShareBasisPoints, int Priority, long? CapPerOrganisationMonthCents);

/// <summary>Pure decisions on a grant's stream. Rules (the "rule" of a 409): grant-exists, grant-closed, not-an-extension.</summary>
internal static class GrantDecisions
{
    public const string Closed = "grant-closed";
    public const string NotAnExtension = "not-an-extension";

    public static IReadOnlyList<object> Award(Grant state, Guid grantId, GrantTerms t, DateTimeOffset now)
    {
        if (state.Exists)
            throw new DomainException("grant-exists", $"Grant {grantId} exists already.");
        return [new GrantAwarded(grantId, t.FunderId, t.Name, t.Reference, t.BudgetCents, t.StartsOn, t.EndsOn, t.Coverage, t.ShareBasisPoints, t.Priority,
            t.CapPerOrganisationMonthCents, now)];
    }

    /// <summary>More budget (an amendment): allowed while open; costs that fell through before are not re-allocated.</summary>
    public static IReadOnlyList<object> IncreaseBudget(Grant state, long increaseCents, string reason, DateTimeOffset now)
    {
        EnsureOpen(state);
        return [new GrantBudgetIncreased(state.Id, increaseCents, state.BudgetCents + increaseCents, reason, now)];
    }

    /// <summary>A later end; never an earlier one (costs were allocated on the period).</summary>
    public static IReadOnlyList<object> Extend(Grant state, DateOnly endsOn, string reason, DateTimeOffset now)
    {
        EnsureOpen(state);
        if (endsOn <= state.EndsOn)
            throw new DomainException(NotAnExtension, $"The grant ends on {state.EndsOn:yyyy-MM-dd}; an extension must end later than that.");
        return [new GrantExtended(state.Id, endsOn, state.EndsOn, reason, now)];
    }

    public static IReadOnlyList<object> Close(Grant state, string reason, DateTimeOffset now)
    {
        EnsureOpen(state);
        return [new GrantClosed(state.Id, reason, now)];
    }

    private static void EnsureOpen(Grant state)
    {
        if (state.Closed)
            throw new DomainException(Closed, $"Grant {state.Id} is closed.");
    }
}
