namespace Allmende.Funding;

/// <summary>Funding's house rules, bound from the configuration section "Funding".</summary>
internal sealed class FundingOptions
{
    public const string Section = "Funding";

    /// <summary>Whether a late cancellation (after Bookings' deadline) keeps its cost; otherwise it is reversed like any cancellation.</summary>
    public bool ChargeLateCancellations { get; set; } = true;

    /// <summary>Whether a no-show keeps its cost.</summary>
    public bool ChargeNoShows { get; set; } = true;

    /// <summary>
    /// Whether a no-show that Bookings' staff undid (the booking was used after all) is charged like a
    /// completed booking; false waives it (its allocations are reversed).
    /// </summary>
    public bool ChargeUndoneNoShows { get; set; } = true;

    /// <summary>Percentages of a grant's budget at which a warning is recorded (e.g. 80 and 100).</summary>
    public int[] BudgetWarningThresholds { get; set; } = [80, 100];

    /// <summary>
    /// The monthly fee of a flexible-desk plan, in EUR cents, when staff have set no price in Funding's
    /// price list for that month (0: such plans cost nothing unless a price is set).
    /// </summary>
    public long FlexibleDeskMonthlyFeeCents { get; set; }

    public IReadOnlyList<int> Thresholds => [.. BudgetWarningThresholds.Where(t => t is > 0 and <= 100).Distinct().Order()];
}
