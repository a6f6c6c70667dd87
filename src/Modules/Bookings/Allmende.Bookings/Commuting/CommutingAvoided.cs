using System.Globalization;
using Allmende.Bookings.House;
using NodaTime;

namespace Allmende.Bookings.Commuting;

/// <summary>A desk booking of a person that was used or stands (confirmed, checked in, completed), as the report reads it.</summary>
internal sealed record DeskBooking(Guid PersonId, DateTimeOffset StartsAt, DateTimeOffset EndsAt);

/// <summary>A person's surveyed commute: one way, in km, and by which means.</summary>
internal sealed record CommuteSurvey(decimal OneWayKm, string Means);

internal sealed record CommutingByMeans(string Means, int DeskDays, decimal KmAvoided, decimal Co2KgAvoided);

/// <summary>
/// One Berlin month: persons with desk-days who answered the survey, their desk-days, the km and CO2e
/// (kg) not driven; and desk-days of persons without an answer, counted apart since their commute is
/// unknown. Km to one decimal, kg to one decimal, each rounded once from the exact sum.
/// </summary>
internal sealed record CommutingMonth(string Month, int SurveyedPersons, int DeskDays, decimal KmAvoided, decimal Co2KgAvoided,
    int UnsurveyedDeskDays, IReadOnlyList<CommutingByMeans> ByMeans);

/// <summary>
/// The commuting a space avoided (ADR 21). A desk-day is a Europe/Berlin calendar day on which the person
/// held at least one desk booking (a flexible-desk place or a fixed desk) that was confirmed, checked in
/// or completed; a cancelled, rejected, expired or no-show booking never makes one, and two bookings on
/// one day make one desk-day. A booking over midnight counts each Berlin day it touches. Each desk-day
/// avoids the surveyed one-way distance twice (there and back): km = desk-days × one-way km × 2, and
/// CO2e = km × the means' grams per passenger-km (<see cref="EmissionFactors"/>).
/// </summary>
internal static class CommutingAvoided
{
    public static IEnumerable<(Guid PersonId, DateOnly Day)> DeskDays(IEnumerable<DeskBooking> bookings) =>
        bookings.SelectMany(b => DaysOf(b).Select(d => (b.PersonId, d))).Distinct();

    /// <summary>The Berlin dates a booking touches: its start's date to the date of its last instant (the end itself is excluded).</summary>
    public static IEnumerable<DateOnly> DaysOf(DeskBooking booking)
    {
        var first = Local(booking.StartsAt);
        var last = Local(booking.EndsAt.AddTicks(-1));
        for (var day = first; day <= last; day = day.AddDays(1))
            yield return day;
    }

    private static DateOnly Local(DateTimeOffset instant) =>
        Instant.FromDateTimeOffset(instant).InZone(OpeningHours.Berlin).Date.ToDateOnly();

    /// <param name="firstMonth">The first day of the first Berlin month.</param>
    /// <param name="lastMonth">The first day of the last Berlin month (inclusive).</param>
    public static (IReadOnlyList<CommutingMonth> Months, CommutingMonth Total) Compute(DateOnly firstMonth, DateOnly lastMonth,
        IEnumerable<DeskBooking> bookings, IReadOnlyDictionary<Guid, CommuteSurvey> surveys)
    {
        var end = lastMonth.AddMonths(1);
        var days = DeskDays(bookings).Where(d => d.Day >= firstMonth && d.Day < end).ToList();
        var months = new List<CommutingMonth>();
        for (var month = firstMonth; month < end; month = month.AddMonths(1))
        {
            var next = month.AddMonths(1);
            months.Add(Month(month.ToString("yyyy-MM", CultureInfo.InvariantCulture), days.Where(d => d.Day >= month && d.Day < next), surveys));
        }
        return (months, Month("total", days, surveys));
    }

    private static CommutingMonth Month(string label, IEnumerable<(Guid PersonId, DateOnly Day)> days, IReadOnlyDictionary<Guid, CommuteSurvey> surveys)
    {
        var list = days.ToList();
        var surveyed = list.Where(d => surveys.ContainsKey(d.PersonId)).ToList();
        var byMeans = surveyed.GroupBy(d => surveys[d.PersonId].Means, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Sum(g.Key, g, surveys)).ToList();
        var exactKm = surveyed.Sum(d => Km(surveys[d.PersonId]));
        var exactGrams = surveyed.Sum(d => Km(surveys[d.PersonId]) * EmissionFactors.GramsPerKm(surveys[d.PersonId].Means));
        return new CommutingMonth(label, surveyed.Select(d => d.PersonId).Distinct().Count(), surveyed.Count,
            Round(exactKm), Round(exactGrams / 1000m), list.Count - surveyed.Count,
            [.. byMeans.Select(m => m.Item1)]);
    }

    private static (CommutingByMeans, decimal) Sum(string means, IEnumerable<(Guid PersonId, DateOnly Day)> days, IReadOnlyDictionary<Guid, CommuteSurvey> surveys)
    {
        var list = days.ToList();
        var km = list.Sum(d => Km(surveys[d.PersonId]));
        return (new CommutingByMeans(means, list.Count, Round(km), Round(km * EmissionFactors.GramsPerKm(means) / 1000m)), km);
    }

    /// <summary>There and back.</summary>
    private static decimal Km(CommuteSurvey survey) => survey.OneWayKm * 2;

    // Adding 0.0m gives every figure one decimal (60.0, not 60), the same in JSON and CSV.
    private static decimal Round(decimal value) => Math.Round(value, 1, MidpointRounding.AwayFromZero) + 0.0m;
}
