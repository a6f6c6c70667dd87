using static Allmende.Host.Web.Texts;

namespace Allmende.Host.Web;

/// <summary>The API's stable codes in the words a person reads, in the request's language (German first).</summary>
internal static class Words
{
    /// <summary>A list of codes and their German names, named in the request's language.</summary>
    public static IReadOnlyList<(string Code, string Name)> InLanguage(IEnumerable<(string Code, string Name)> german) =>
        [.. german.Select(c => (c.Code, L(c.Name)))];

    private static readonly (string Code, string Name)[] ActionFieldsInGerman =
    [
        ("housing-and-living-environment", N("Wohnen und Wohnumfeld")),
        ("social-activities-and-infrastructure", N("Soziale Aktivitäten und soziale Infrastruktur")),
        ("living-together", N("Zusammenleben unterschiedlicher sozialer und ethnischer Gruppen")),
        ("school-and-education", N("Schule und Bildung")),
        ("local-economy", N("Lokale Ökonomie")),
        ("neighbourhood-culture", N("Stadtteilkultur")),
        ("sport-and-leisure", N("Sport und Freizeit")),
        ("health-promotion", N("Gesundheitsförderung")),
        ("environment-and-transport", N("Umwelt und Verkehr")),
        ("image-and-public-relations", N("Image und Öffentlichkeitsarbeit")),
    ];

    public static IReadOnlyList<(string Code, string Name)> ActionFields => InLanguage(ActionFieldsInGerman);

    public static string ActionField(string? code) => ActionFields.FirstOrDefault(a => a.Code == code).Name ?? code ?? "";

    public static string Status(string status) => status switch
    {
        "pending-approval" => L("wartet auf Freigabe"),
        "confirmed" => L("bestätigt"),
        "checked-in" => L("eingecheckt"),
        "completed" => L("abgeschlossen"),
        "cancelled" => L("storniert"),
        "rejected" => L("abgelehnt"),
        "expired" => L("verfallen"),
        "no-show" => L("nicht erschienen"),
        _ => status,
    };

    public static string Role(string role) => role switch
    {
        "admin" => L("Raumverwaltung (Admin)"),
        "member" => L("Mitglied"),
        "funder" => L("Förderer"),
        "auditor" => L("Prüfer/in"),
        _ => role,
    };

    public static string AccountStatus(string status) => status switch
    {
        "invited" => L("eingeladen"),
        "active" => L("aktiv"),
        "locked" => L("gesperrt (Fehlversuche)"),
        "revoked" => L("entzogen"),
        _ => status,
    };

    private static readonly (string Code, string Name)[] AccessibilityInGerman =
    [
        ("step-free-access", N("Stufenloser Zugang")),
        ("lift", N("Aufzug")),
        ("accessible-toilet", N("Barrierefreies WC")),
        ("wide-doors", N("Breite Türen")),
        ("hearing-loop", N("Induktionsschleife")),
        ("accessible-parking", N("Behindertenparkplatz")),
        ("tactile-guidance", N("Taktiles Leitsystem")),
        ("height-adjustable-tables", N("Höhenverstellbare Tische")),
    ];

    public static IReadOnlyList<(string Code, string Name)> Accessibility => InLanguage(AccessibilityInGerman);

    public static string Kind(string kind) => kind switch
    {
        "room" => L("Raum"),
        "event-hall" => L("Veranstaltungssaal"),
        "fixed-desk" => L("Fester Arbeitsplatz"),
        "flexible-desk-area" => L("Flexible Arbeitsplätze"),
        "workshop-slot" => L("Werkstatt-Termin"),
        _ => kind,
    };

    /// <summary>A refusal's rule (the API's 409 "rule") as a sentence, or null for one without words yet.</summary>
    public static string? Refusal(string? rule) => rule switch
    {
        "slot-taken" => L("Der Raum ist zu dieser Zeit schon belegt."),
        "no-place-free" => L("Zu dieser Zeit ist kein Platz mehr frei."),
        "outside-opening-hours" => L("Der Standort ist zu dieser Zeit nicht geöffnet."),
        "site-closed" => L("Der Standort ist an diesem Tag geschlossen."),
        "starts-in-the-past" => L("Der Beginn liegt in der Vergangenheit."),
        "lead-time" => L("So kurzfristig kann dieser Raum nicht gebucht werden."),
        "below-minimum-duration" => L("Die Buchung ist kürzer als die Mindestdauer des Raums."),
        "above-maximum-duration" => L("Die Buchung ist länger als die Höchstdauer des Raums."),
        "over-capacity" => L("Der Raum fasst nicht so viele Personen."),
        "space-not-bookable" => L("Dieser Raum ist nicht buchbar."),
        "organisation-not-active" => L("Die Organisation ist nicht aktiv und kann nicht buchen."),
        "check-in-not-open" => L("Einchecken geht erst kurz vor Beginn und nur bis zum Ende der Buchung."),
        "not-confirmed" => L("Nur eine bestätigte Buchung kann eingecheckt werden."),
        "not-reschedulable" => L("Nur Anfragen und bestätigte Buchungen, die noch nicht begonnen haben, können verlegt werden."),
        "not-cancellable" => L("Diese Buchung kann nicht mehr storniert werden."),
        "series-conflicts" => L("Keiner der Termine der Serie ist frei."),
        "time-does-not-exist" => L("Diese Uhrzeit gibt es an dem Tag nicht (Zeitumstellung)."),
        "shift-taken" => L("Diesen Dienst hat schon jemand anderes übernommen."),
        "shift-cancelled" => L("Dieser Dienst ist abgesagt."),
        "shift-over" => L("Dieser Dienst ist schon vorbei."),
        "shift-too-long" => L("Ein Dienst dauert höchstens 12 Stunden: bitte in zwei Dienste teilen."),
        "person-on-duty-elsewhere" => L("Diese Person hat zu dieser Zeit schon einen anderen Dienst."),
        "space-retired" => L("Dieser Raum ist stillgelegt und nimmt keine Änderungen mehr an."),
        "grant-closed" => L("Diese Förderung ist abgeschlossen und kann nicht mehr geändert werden."),
        "not-an-extension" => L("Eine Verlängerung muss später enden als die Förderung bisher."),
        "organisation-already-suspended" => L("Die Organisation ruht schon."),
        "organisation-not-suspended" => L("Nur eine ruhende Organisation kann wieder aktiv werden."),
        "floor-cannot-be-removed" => L("Eine Etage wird nie entfernt, da Räume auf ihr liegen können; bitte umbenennen."),
        "organisation-ended" => L("Die Organisation ist beendet und kann nicht mehr geändert werden."),
        "not-on-duty-rota" => L("Diese Person steht nicht auf der Kümmerdienst-Liste dieses Standorts; die Raumverwaltung trägt sie ein."),
        "advisor-taken" => L("Die beratende Person hat zu dieser Zeit schon einen anderen Termin."),
        "hours-withdrawn" => L("Diese Sprechstunden nehmen keine Termine mehr an."),
        "appointment-cancelled" => L("Der Termin ist abgesagt."),
        "appointment-not-cancellable" => L("Der Termin ist schon abgesagt oder vorbei."),
        "appointment-not-begun" => L("Was aus einem Termin wurde, lässt sich erst ab seinem Beginn erfassen."),
        "newcomer-erased" => L("Die Daten dieser Person sind gelöscht: bitte neu aufnehmen."),
        "trial-converted" => L("Diese Probezeit ist schon in einen Tarif umgewandelt."),
        "trial-ended" => L("Diese Probezeit ist beendet und kann nicht mehr umgewandelt werden."),
        "trial-too-long" => L("Eine Probezeit dauert höchstens 92 Tage; länger ist ein Tarif."),
        "trial-periods-overlap" => L("Diese Probezeit überschneidet sich mit einer früheren."),
        "plan-periods-overlap" => L("Der Zeitraum überschneidet sich mit einem Tarif auf derselben Rechnung."),
        "conversion-outside-trial" => L("Der Tarif beginnt nach dem ersten Tag der Probezeit und spätestens am Tag nach ihrem Ende."),
        "end-outside-trial" => L("Der letzte Tag muss ein Tag der Probezeit sein."),
        "not-a-company" => L("Nur ein Unternehmen zahlt die Tarife seiner Beschäftigten."),
        "no-trial" => L("Diese Person hat keine Probezeit."),
        "not-member-or-trial-user" => L("Die Umfrage ist für Mitglieder und Probenutzende; die Raumverwaltung nimmt Sie auf."),
        _ => null,
    };

    /// <summary>
    /// A 409 without a rule after If-Match: the record changed since the page showed it (the host's
    /// ProblemMapping says so in English for API clients).
    /// </summary>
    public static string ChangedMeanwhile => L("Inzwischen hat jemand anderes hier etwas geändert: Die Seite zeigt jetzt den neuen Stand, bitte noch einmal versuchen.");

    public static string CostType(string type) => type switch
    {
        "room-hours" => L("Raumstunden"),
        "event-hall-hours" => L("Saalstunden"),
        "desk-fees" => L("Arbeitsplatz"),
        "cooperative-shares" => L("Genossenschaftsanteile"),
        "usage-fees" => L("Nutzungsentgelt"),
        _ => type,
    };

    /// <summary>Why Bookings flagged or held a booking (its English reason text, "site closed: Wasserschaden") in the request's language.</summary>
    public static string Flag(string flag)
    {
        foreach (var (prefix, german) in FlagPrefixes)
        {
            if (flag == prefix)
                return L(german);
            if (flag.StartsWith(prefix + ": ", StringComparison.Ordinal))
                return $"{L(german)}: {flag[(prefix.Length + 2)..]}";
        }
        const string hours = "outside opening hours after the change of ";
        return flag.StartsWith(hours, StringComparison.Ordinal) && DateOnly.TryParseExact(flag[hours.Length..], "yyyy-MM-dd", out var changed)
            ? L("außerhalb der Öffnungszeiten seit deren Änderung am {0}", Formats.Date(changed))
            : flag;
    }

    private static readonly (string Prefix, string German)[] FlagPrefixes =
    [
        ("site closed", N("Standort geschlossen")),
        ("space retired", N("Raum stillgelegt")),
        ("organisation suspended", N("Organisation ruht")),
        ("organisation ended", N("Organisation beendet")),
        ("person forgotten", N("Person gelöscht")),
    ];

    private static readonly (string Code, string Name)[] OrganisationKindsInGerman =
    [
        ("initiative", N("Initiative")),
        ("association", N("Verein")),
        ("social-enterprise", N("Sozialunternehmen")),
        ("cooperative", N("Genossenschaft")),
        ("company", N("Unternehmen")),
        ("public-body", N("Öffentliche Einrichtung")),
    ];

    public static IReadOnlyList<(string Code, string Name)> OrganisationKinds => InLanguage(OrganisationKindsInGerman);

    public static string OrganisationKind(string kind) => OrganisationKinds.FirstOrDefault(k => k.Code == kind).Name ?? kind;

    public static string OrganisationStatus(string status) => status switch
    {
        "applied" => L("beantragt"),
        "active" => L("aktiv"),
        "suspended" => L("ruht"),
        "ended" => L("beendet"),
        _ => status,
    };

    private static readonly (string Code, string Name)[] PlansInGerman =
    [
        ("civil-society", N("Zivilgesellschaft (frei)")),
        ("flexible-desk", N("Flexibler Arbeitsplatz")),
        ("fixed-desk", N("Fester Arbeitsplatz")),
        ("cooperative-member", N("Genossenschaftsmitglied")),
    ];

    public static IReadOnlyList<(string Code, string Name)> Plans => InLanguage(PlansInGerman);

    public static string Plan(string plan) => Plans.FirstOrDefault(p => p.Code == plan).Name ?? plan;

    public static string ActingRole(string role) => role switch
    {
        "representative" => L("vertritt"),
        "member" => L("Mitglied"),
        _ => role,
    };
}
