using Allmende.Eventing.Streams;

namespace Allmende.Funding.Funders;

// The private events of a funder's stream "funder-<id>". Stored names "funding.funder.<kebab>"; never rename one.

/// <summary>
/// How to reach the funder: an office or functional address (e.g. "Referat Engagement",
/// engagement@stadt.example), not a private person's data.
/// </summary>
internal sealed record FunderContact(string? Office, string? Email, string? Phone);

internal sealed record FunderRegistered(Guid FunderId, string Name, string Kind, FunderContact Contact, string ReportingPeriod, DateTimeOffset At);

/// <summary>The funder's details as they are now (never a diff).</summary>
internal sealed record FunderChanged(Guid FunderId, string Name, string Kind, FunderContact Contact, string ReportingPeriod, DateTimeOffset At);

/// <summary>Stable codes of funders' kinds and reporting periods.</summary>
internal static class FunderCodes
{
    public static IReadOnlyList<string> Kinds { get; } = ["public-authority", "programme", "foundation", "business-sponsor"];

    public static IReadOnlyList<string> ReportingPeriods { get; } = ["monthly", "quarterly", "half-yearly", "yearly"];
}

internal sealed record Funder(Guid Id, string Name, string Kind, FunderContact Contact, string ReportingPeriod) : IEventSourced<Funder>
{
    public static string StreamId(Guid id) => $"funder-{id:D}";

    public static Funder Initial { get; } = new(Guid.Empty, "", "", new FunderContact(null, null, null), "");

    public bool Exists => Id != Guid.Empty;

    public static Funder Evolve(Funder state, object @event) => @event switch
    {
        FunderRegistered e => new Funder(e.FunderId, e.Name, e.Kind, e.Contact, e.ReportingPeriod),
        FunderChanged e => state with { Name = e.Name, Kind = e.Kind, Contact = e.Contact, ReportingPeriod = e.ReportingPeriod },
        _ => state,
    };

    /// <summary>Changing to what is already recorded changes nothing.</summary>
    public static IReadOnlyList<object> Change(Funder state, string name, string kind, FunderContact contact, string period, DateTimeOffset now) =>
        state.Name == name && state.Kind == kind && state.Contact == contact && state.ReportingPeriod == period
            ? []
            : [new FunderChanged(state.Id, name, kind, contact, period, now)];
}
