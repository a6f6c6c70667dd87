namespace Allmende.Bookings.Commuting;

/// <summary>One means of transport's greenhouse-gas emissions per passenger-km, in grams CO2 equivalent.</summary>
internal sealed record EmissionFactor(string Means, int GramsCo2ePerPassengerKm, string Basis);

/// <summary>
/// The emission factors of the commuting report (ADR 21 names the source and what must be checked):
/// Umweltbundesamt, "Vergleich der durchschnittlichen Emissionen einzelner Verkehrsmittel im
/// Personenverkehr in Deutschland", TREMOD, reference year 2019 (the last year before the pandemic
/// distorted occupancy). Bike and foot emit nothing in use; "other" counts nothing, so the report never
/// claims more than it knows. A change of factors is a change of this table and of ADR 21.
/// </summary>
internal static class EmissionFactors
{
    public const string Source =
        "Umweltbundesamt: Vergleich der durchschnittlichen Emissionen einzelner Verkehrsmittel im Personenverkehr in Deutschland, " +
        "TREMOD, Bezugsjahr 2019 (g CO2-Äquivalente je Personenkilometer)";

    public static IReadOnlyList<EmissionFactor> All { get; } =
    [
        new("car", 154, "Pkw"),
        new("car-pool", 154, "Pkw (UBA's average occupancy already shares the car)"),
        new("bus", 83, "Linienbus, Nahverkehr"),
        new("train", 57, "Eisenbahn, Nahverkehr"),
        new("motorbike", 0, "not in the table used: counted as nothing"),
        new("bike", 0, "Fahrrad: no emissions in use"),
        new("foot", 0, "zu Fuß: no emissions"),
        new("other", 0, "unknown means: counted as nothing"),
    ];

    private static readonly Dictionary<string, int> GramsByMeans = All.ToDictionary(f => f.Means, f => f.GramsCo2ePerPassengerKm, StringComparer.Ordinal);

    /// <summary>Grams CO2e per passenger-km; a means this table does not know counts as nothing.</summary>
    public static int GramsPerKm(string means) => GramsByMeans.GetValueOrDefault(means);
}
