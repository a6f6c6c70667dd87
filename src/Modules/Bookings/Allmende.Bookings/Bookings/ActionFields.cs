namespace Allmende.Bookings.Bookings;

/// <summary>
/// The action fields (Handlungsfelder) of the federal "Soziale Stadt" programme, by which funders
/// report. A fixed list with stable codes: new ones are added at the end, none is renamed or removed.
/// </summary>
internal static class ActionFields
{
    public static IReadOnlyList<string> All { get; } =
    [
        "housing-and-living-environment",       // Wohnen und Wohnumfeld
        "social-activities-and-infrastructure", // soziale Aktivitäten und soziale Infrastruktur
        "living-together",                      // Zusammenleben unterschiedlicher sozialer und ethnischer Gruppen
        "school-and-education",                 // Schule und Bildung
        "local-economy",                        // lokale Ökonomie
        "neighbourhood-culture",                // Stadtteilkultur
        "sport-and-leisure",                    // Sport und Freizeit
        "health-promotion",                     // Gesundheitsförderung
        "environment-and-transport",            // Umwelt und Verkehr
        "image-and-public-relations",           // Image und Öffentlichkeitsarbeit
    ];

    public static bool IsValid(string? code) => code is not null && All.Contains(code, StringComparer.Ordinal);
}
