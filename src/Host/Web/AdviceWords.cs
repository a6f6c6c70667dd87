using Allmende.Host.Web.Api;

using static Allmende.Host.Web.Texts;

namespace Allmende.Host.Web;

/// <summary>Appointments (ADR 19) in the words a person reads: status, outcomes, hours.</summary>
internal static class AdviceWords
{
    /// <summary>The outcome codes in the order the advisor's form asks them, with the grant report's German names (in the request's language).</summary>
    private static readonly (string Code, string Name)[] OutcomesInGerman =
    [
        ("follow-up-agreed", N("Folgetermin vereinbart")), ("business-plan-drafted", N("Geschäftsplan entworfen")),
        ("business-registered", N("Gewerbe angemeldet")), ("funding-applied", N("Förderung beantragt")), ("referred-elsewhere", N("Weitervermittelt")),
        ("other", N("Sonstiges")),
    ];

    public static IReadOnlyList<(string Code, string Name)> Outcomes => Words.InLanguage(OutcomesInGerman);

    public static string Outcome(string code) => Outcomes.FirstOrDefault(o => o.Code == code).Name ?? code;

    public static string Status(AppointmentItem a) => a switch
    {
        { Status: "cancelled", CancelledBy: "client" } => L("abgesagt (von der beratenen Person)"),
        { Status: "cancelled" } => L("abgesagt (von der Beratung)"),
        { Held: true } => L("stattgefunden"),
        { Held: false } => L("nicht stattgefunden"),
        _ => L("gebucht"),
    };

    public static string Result(AppointmentItem a) =>
        a.Held != true ? "" : !a.Consent ? L("ohne Einwilligung, keine Ergebnisse erfasst")
        : a.Outcomes.Count == 0 ? L("keine Ergebnisse") : string.Join(", ", a.Outcomes.Select(o => $"{Outcome(o.Kind)}: {o.Count}"));

    public static string Hours(HoursItem h) =>
        (h.Weekly ? L("{0}s, {1} bis {2}", Formats.DayName(h.FirstDate.DayOfWeek), Formats.Date(h.FirstDate), Formats.Date(h.LastDate))
            : Formats.Weekday(h.FirstDate)) + L(", {0}–{1} Uhr, je {2} Minuten", h.From, h.Until, h.SlotMinutes);
}

/// <summary>Trials of the rural pilot (ADR 21) in the request's language.</summary>
internal static class TrialWords
{
    private static readonly (string Code, string Name)[] KindsInGerman =
        [("self-employed", N("Selbstständig")), ("freelancer", N("Freiberuflich")), ("founder", N("Gründend")), ("employee", N("Angestellt"))];

    public static IReadOnlyList<(string Code, string Name)> Kinds => Words.InLanguage(KindsInGerman);

    public static string Kind(string code) => Kinds.FirstOrDefault(k => k.Code == code).Name ?? code;

    public static string Outcome(string outcome) => outcome switch
    {
        "running" => L("läuft"),
        "converted" => L("in einen Tarif umgewandelt"),
        "ended" => L("beendet"),
        _ => outcome,
    };
}
