namespace Allmende.Funding.Reports;

/// <summary>
/// The action fields (Handlungsfelder) of the federal "Soziale Stadt" programme as a report shows them:
/// the stable code Bookings records (Allmende.Bookings.Contracts), its German label (what a German
/// authority reads) and its English one. The one list of labels; a code not in it is shown as it is.
/// </summary>
internal static class ActionFieldLabels
{
    public static IReadOnlyList<(string Code, string German, string English)> All { get; } =
    [
        ("housing-and-living-environment", "Wohnen und Wohnumfeld", "Housing and living environment"),
        ("social-activities-and-infrastructure", "Soziale Aktivitäten und soziale Infrastruktur", "Social activities and social infrastructure"),
        ("living-together", "Zusammenleben unterschiedlicher sozialer und ethnischer Gruppen", "Living together of social and ethnic groups"),
        ("school-and-education", "Schule und Bildung", "School and education"),
        ("local-economy", "Lokale Ökonomie", "Local economy"),
        ("neighbourhood-culture", "Stadtteilkultur", "Neighbourhood culture"),
        ("sport-and-leisure", "Sport und Freizeit", "Sport and leisure"),
        ("health-promotion", "Gesundheitsförderung", "Health promotion"),
        ("environment-and-transport", "Umwelt und Verkehr", "Environment and transport"),
        ("image-and-public-relations", "Image und Öffentlichkeitsarbeit", "Image and public relations"),
    ];

    private static readonly Dictionary<string, string> German = All.ToDictionary(f => f.Code, f => f.German, StringComparer.Ordinal);

    public static string GermanOf(string code) => German.GetValueOrDefault(code) ?? code;
}
