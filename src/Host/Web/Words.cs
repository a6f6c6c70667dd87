namespace Allmende.Host.Web;

/// <summary>The API's stable codes in the words a person reads (German).</summary>
internal static class Words
{
    public static readonly IReadOnlyList<(string Code, string Name)> ActionFields =
    [
        ("housing-and-living-environment", "Wohnen und Wohnumfeld"),
        ("social-activities-and-infrastructure", "Soziale Aktivitäten und soziale Infrastruktur"),
        ("living-together", "Zusammenleben unterschiedlicher sozialer und ethnischer Gruppen"),
        ("school-and-education", "Schule und Bildung"),
        ("local-economy", "Lokale Ökonomie"),
        ("neighbourhood-culture", "Stadtteilkultur"),
        ("sport-and-leisure", "Sport und Freizeit"),
        ("health-promotion", "Gesundheitsförderung"),
        ("environment-and-transport", "Umwelt und Verkehr"),
        ("image-and-public-relations", "Image und Öffentlichkeitsarbeit"),
    ];

    public static string ActionField(string? code) => ActionFields.FirstOrDefault(a => a.Code == code).Name ?? code ?? "";

    public static string Status(string status) => status switch
    {
        "pending-approval" => "wartet auf Freigabe",
        "confirmed" => "bestätigt",
        "checked-in" => "eingecheckt",
        "completed" => "abgeschlossen",
        "cancelled" => "storniert",
        "rejected" => "abgelehnt",
        "expired" => "verfallen",
        "no-show" => "nicht erschienen",
        _ => status,
    };

    public static string Role(string role) => role switch
    {
        "admin" => "Raumverwaltung (Admin)",
        "member" => "Mitglied",
        "funder" => "Förderer",
        "auditor" => "Prüfer/in",
        _ => role,
    };

    public static string AccountStatus(string status) => status switch
    {
        "invited" => "eingeladen",
        "active" => "aktiv",
        "locked" => "gesperrt (Fehlversuche)",
        "revoked" => "entzogen",
        _ => status,
    };

    public static readonly IReadOnlyList<(string Code, string Name)> Accessibility =
    [
        ("step-free-access", "Stufenloser Zugang"),
        ("lift", "Aufzug"),
        ("accessible-toilet", "Barrierefreies WC"),
        ("wide-doors", "Breite Türen"),
        ("hearing-loop", "Induktionsschleife"),
        ("accessible-parking", "Behindertenparkplatz"),
        ("tactile-guidance", "Taktiles Leitsystem"),
        ("height-adjustable-tables", "Höhenverstellbare Tische"),
    ];

    public static string Kind(string kind) => kind switch
    {
        "room" => "Raum",
        "event-hall" => "Veranstaltungssaal",
        "fixed-desk" => "Fester Arbeitsplatz",
        "flexible-desk-area" => "Flexible Arbeitsplätze",
        "workshop-slot" => "Werkstatt-Termin",
        _ => kind,
    };

    /// <summary>A refusal's rule (the API's 409 "rule") as a sentence, or null for one without German words yet.</summary>
    public static string? Refusal(string? rule) => rule switch
    {
        "slot-taken" => "Der Raum ist zu dieser Zeit schon belegt.",
        "no-place-free" => "Zu dieser Zeit ist kein Platz mehr frei.",
        "outside-opening-hours" => "Der Standort ist zu dieser Zeit nicht geöffnet.",
        "site-closed" => "Der Standort ist an diesem Tag geschlossen.",
        "starts-in-the-past" => "Der Beginn liegt in der Vergangenheit.",
        "lead-time" => "So kurzfristig kann dieser Raum nicht gebucht werden.",
        "below-minimum-duration" => "Die Buchung ist kürzer als die Mindestdauer des Raums.",
        "above-maximum-duration" => "Die Buchung ist länger als die Höchstdauer des Raums.",
        "over-capacity" => "Der Raum fasst nicht so viele Personen.",
        "space-not-bookable" => "Dieser Raum ist nicht buchbar.",
        "organisation-not-active" => "Die Organisation ist nicht aktiv und kann nicht buchen.",
        "check-in-not-open" => "Einchecken geht erst kurz vor Beginn und nur bis zum Ende der Buchung.",
        "not-confirmed" => "Nur eine bestätigte Buchung kann eingecheckt werden.",
        "not-reschedulable" => "Nur Anfragen und bestätigte Buchungen, die noch nicht begonnen haben, können verlegt werden.",
        "not-cancellable" => "Diese Buchung kann nicht mehr storniert werden.",
        "series-conflicts" => "Keiner der Termine der Serie ist frei.",
        "time-does-not-exist" => "Diese Uhrzeit gibt es an dem Tag nicht (Zeitumstellung).",
        "shift-taken" => "Diesen Dienst hat schon jemand anderes übernommen.",
        "shift-cancelled" => "Dieser Dienst ist abgesagt.",
        "shift-over" => "Dieser Dienst ist schon vorbei.",
        "shift-too-long" => "Ein Dienst dauert höchstens 12 Stunden: bitte in zwei Dienste teilen.",
        "person-on-duty-elsewhere" => "Diese Person hat zu dieser Zeit schon einen anderen Dienst.",
        "space-retired" => "Dieser Raum ist stillgelegt und nimmt keine Änderungen mehr an.",
        "grant-closed" => "Diese Förderung ist abgeschlossen und kann nicht mehr geändert werden.",
        "not-an-extension" => "Eine Verlängerung muss später enden als die Förderung bisher.",
        "organisation-already-suspended" => "Die Organisation ruht schon.",
        "organisation-not-suspended" => "Nur eine ruhende Organisation kann wieder aktiv werden.",
        "floor-cannot-be-removed" => "Eine Etage wird nie entfernt, da Räume auf ihr liegen können; bitte umbenennen.",
        "organisation-ended" => "Die Organisation ist beendet und kann nicht mehr geändert werden.",
        "not-on-duty-rota" => "Diese Person steht nicht auf der Kümmerdienst-Liste dieses Standorts; die Raumverwaltung trägt sie ein.",
        "advisor-taken" => "Die beratende Person hat zu dieser Zeit schon einen anderen Termin.",
        "hours-withdrawn" => "Diese Sprechstunden nehmen keine Termine mehr an.",
        "appointment-cancelled" => "Der Termin ist abgesagt.",
        "appointment-not-cancellable" => "Der Termin ist schon abgesagt oder vorbei.",
        "appointment-not-begun" => "Was aus einem Termin wurde, lässt sich erst ab seinem Beginn erfassen.",
        "newcomer-erased" => "Die Daten dieser Person sind gelöscht: bitte neu aufnehmen.",
        "trial-converted" => "Diese Probezeit ist schon in einen Tarif umgewandelt.",
        "trial-ended" => "Diese Probezeit ist beendet und kann nicht mehr umgewandelt werden.",
        "trial-too-long" => "Eine Probezeit dauert höchstens 92 Tage; länger ist ein Tarif.",
        "trial-periods-overlap" => "Diese Probezeit überschneidet sich mit einer früheren.",
        "plan-periods-overlap" => "Der Zeitraum überschneidet sich mit einem Tarif auf derselben Rechnung.",
        "conversion-outside-trial" => "Der Tarif beginnt nach dem ersten Tag der Probezeit und spätestens am Tag nach ihrem Ende.",
        "end-outside-trial" => "Der letzte Tag muss ein Tag der Probezeit sein.",
        "not-a-company" => "Nur ein Unternehmen zahlt die Tarife seiner Beschäftigten.",
        "no-trial" => "Diese Person hat keine Probezeit.",
        "not-member-or-trial-user" => "Die Umfrage ist für Mitglieder und Probenutzende; die Raumverwaltung nimmt Sie auf.",
        _ => null,
    };

    /// <summary>
    /// A 409 without a rule after If-Match: the record changed since the page showed it (the host's
    /// ProblemMapping says so in English for API clients).
    /// </summary>
    public const string ChangedMeanwhile = "Inzwischen hat jemand anderes hier etwas geändert: Die Seite zeigt jetzt den neuen Stand, bitte noch einmal versuchen.";

    public static string CostType(string type) => type switch
    {
        "room-hours" => "Raumstunden",
        "event-hall-hours" => "Saalstunden",
        "desk-fees" => "Arbeitsplatz",
        "cooperative-shares" => "Genossenschaftsanteile",
        "usage-fees" => "Nutzungsentgelt",
        _ => type,
    };

    /// <summary>Why Bookings flagged or held a booking (its English reason text, "site closed: Wasserschaden") in German.</summary>
    public static string Flag(string flag)
    {
        foreach (var (prefix, german) in FlagPrefixes)
        {
            if (flag == prefix)
                return german;
            if (flag.StartsWith(prefix + ": ", StringComparison.Ordinal))
                return $"{german}: {flag[(prefix.Length + 2)..]}";
        }
        const string hours = "outside opening hours after the change of ";
        return flag.StartsWith(hours, StringComparison.Ordinal) && DateOnly.TryParseExact(flag[hours.Length..], "yyyy-MM-dd", out var changed)
            ? $"außerhalb der Öffnungszeiten seit deren Änderung am {Formats.Date(changed)}"
            : flag;
    }

    private static readonly (string Prefix, string German)[] FlagPrefixes =
    [
        ("site closed", "Standort geschlossen"),
        ("space retired", "Raum stillgelegt"),
        ("organisation suspended", "Organisation ruht"),
        ("organisation ended", "Organisation beendet"),
        ("person forgotten", "Person gelöscht"),
    ];

    public static readonly IReadOnlyList<(string Code, string Name)> OrganisationKinds =
    [
        ("initiative", "Initiative"),
        ("association", "Verein"),
        ("social-enterprise", "Sozialunternehmen"),
        ("cooperative", "Genossenschaft"),
        ("company", "Unternehmen"),
        ("public-body", "Öffentliche Einrichtung"),
    ];

    public static string OrganisationKind(string kind) => OrganisationKinds.FirstOrDefault(k => k.Code == kind).Name ?? kind;

    public static string OrganisationStatus(string status) => status switch
    {
        "applied" => "beantragt",
        "active" => "aktiv",
        "suspended" => "ruht",
        "ended" => "beendet",
        _ => status,
    };

    public static readonly IReadOnlyList<(string Code, string Name)> Plans =
    [
        ("civil-society", "Zivilgesellschaft (frei)"),
        ("flexible-desk", "Flexibler Arbeitsplatz"),
        ("fixed-desk", "Fester Arbeitsplatz"),
        ("cooperative-member", "Genossenschaftsmitglied"),
    ];

    public static string Plan(string plan) => Plans.FirstOrDefault(p => p.Code == plan).Name ?? plan;

    public static string ActingRole(string role) => role switch
    {
        "representative" => "vertritt",
        "member" => "Mitglied",
        _ => role,
    };
}
