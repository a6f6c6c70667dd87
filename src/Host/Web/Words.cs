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
}
