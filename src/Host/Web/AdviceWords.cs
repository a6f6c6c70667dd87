using Allmende.Host.Web.Api;

namespace Allmende.Host.Web;

/// <summary>Appointments (ADR 19) in the words a person reads: status, outcomes, hours.</summary>
internal static class AdviceWords
{
    /// <summary>The outcome codes in the order the advisor's form asks them, with the grant report's German names.</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> Outcomes =
    [
        ("follow-up-agreed", "Folgetermin vereinbart"), ("business-plan-drafted", "Geschäftsplan entworfen"),
        ("business-registered", "Gewerbe angemeldet"), ("funding-applied", "Förderung beantragt"), ("referred-elsewhere", "Weitervermittelt"),
        ("other", "Sonstiges"),
    ];

    public static string Outcome(string code) => Outcomes.FirstOrDefault(o => o.Code == code).Name ?? code;

    public static string Status(AppointmentItem a) => a switch
    {
        { Status: "cancelled", CancelledBy: "client" } => "abgesagt (von der beratenen Person)",
        { Status: "cancelled" } => "abgesagt (von der Beratung)",
        { Held: true } => "stattgefunden",
        { Held: false } => "nicht stattgefunden",
        _ => "gebucht",
    };

    public static string Result(AppointmentItem a) =>
        a.Held != true ? "" : !a.Consent ? "ohne Einwilligung, keine Ergebnisse erfasst"
        : a.Outcomes.Count == 0 ? "keine Ergebnisse" : string.Join(", ", a.Outcomes.Select(o => $"{Outcome(o.Kind)}: {o.Count}"));

    public static string Hours(HoursItem h) =>
        (h.Weekly ? $"{Formats.German.DateTimeFormat.GetDayName(h.FirstDate.DayOfWeek)}s, {Formats.Date(h.FirstDate)} bis {Formats.Date(h.LastDate)}"
            : Formats.Weekday(h.FirstDate)) + $", {h.From}–{h.Until} Uhr, je {h.SlotMinutes} Minuten";
}

/// <summary>Trials of the rural pilot (ADR 21) in German.</summary>
internal static class TrialWords
{
    public static readonly IReadOnlyList<(string Code, string Name)> Kinds =
        [("self-employed", "Selbstständig"), ("freelancer", "Freiberuflich"), ("founder", "Gründend"), ("employee", "Angestellt")];

    public static string Kind(string code) => Kinds.FirstOrDefault(k => k.Code == code).Name ?? code;

    public static string Outcome(string outcome) => outcome switch
    {
        "running" => "läuft",
        "converted" => "in einen Tarif umgewandelt",
        "ended" => "beendet",
        _ => outcome,
    };
}
