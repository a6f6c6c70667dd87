namespace Allmende.Host.Web.Api;

// The advice API's JSON (ADR 19) as the appointment pages read it.

internal sealed record HoursItem(Guid Id, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId, string Title, string ActionField, bool Weekly,
    DateOnly FirstDate, DateOnly LastDate, string From, string Until, int SlotMinutes, bool Withdrawn);

internal sealed record SlotItem(DateTimeOffset Start, DateTimeOffset End, bool Free);

internal sealed record OutcomeItem(string Kind, int Count);

internal sealed record AppointmentItem(Guid Id, Guid HoursId, Guid BookingId, Guid AdvisorId, Guid OrganisationId, Guid SiteId, Guid SpaceId,
    string ClientKind, Guid ClientId, DateTimeOffset Start, DateTimeOffset End, string Status, string? CancelledBy, string BookingStatus, bool? Held,
    bool Consent, IReadOnlyList<OutcomeItem> Outcomes);

/// <summary>A newcomer as the advising side reads them; the name null once forgotten.</summary>
internal sealed record NewcomerItem(Guid Id, string? Name, bool Erased)
{
    public override string ToString() => $"NewcomerItem {{ Id = {Id}, (personal data) }}";
}

// The rural pilot's commuting report (ADR 21) and a sponsor's purpose payments (ADR 20), as the funder's dashboard reads them.

internal sealed record CommutingMeansItem(string Means, int DeskDays, decimal KmAvoided, decimal Co2KgAvoided);

internal sealed record CommutingMonthItem(string Month, int SurveyedPersons, int DeskDays, decimal KmAvoided, decimal Co2KgAvoided, int UnsurveyedDeskDays,
    IReadOnlyList<CommutingMeansItem> ByMeans);

internal sealed record EmissionFactorItem(string Means, int GramsCo2ePerPassengerKm, string Basis);

internal sealed record CommutingReport(string From, string To, IReadOnlyList<CommutingMonthItem> Months, CommutingMonthItem Total, string FactorSource,
    IReadOnlyList<EmissionFactorItem> Factors);

internal sealed record PurposePaymentItem(Guid Id, DateOnly PaidOn, long AmountCents, string WhatFor, string ReceiptReference, string Status,
    string? ReversalReason);

/// <summary>A person's answer to the rural pilot's needs survey (ADR 21); needs are personal data, shown only to the person and staff.</summary>
internal sealed record SurveyAnswerItem(decimal OneWayKm, string Means, int CommutingDaysPerWeek, string? Needs, DateTimeOffset AnsweredAt)
{
    public override string ToString() => "SurveyAnswerItem { (personal data) }";
}

internal sealed record SurveyMeansItem(string Means, int Answers, decimal AverageOneWayKm, decimal AverageCommutingDaysPerWeek);

internal sealed record SurveySummaryItem(int Answers, decimal AverageOneWayKm, decimal AverageCommutingDaysPerWeek, IReadOnlyList<SurveyMeansItem> ByMeans);

/// <summary>A trial (ADR 21): kind, on whose account, its days, and running, converted or ended.</summary>
internal sealed record TrialItem(string Kind, Guid? OrganisationId, DateOnly From, DateOnly Until, string Outcome);

internal sealed record CoverageView(IReadOnlyList<string> CostTypes);

/// <summary>What a grant pays for (its cost types), as the dashboard decides whether to show the commuting its places avoided.</summary>
internal sealed record GrantCoverageView(CoverageView Coverage);
