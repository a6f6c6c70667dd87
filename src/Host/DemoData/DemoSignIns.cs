using System.Net.Http.Json;
using System.Text.Json;

namespace Allmende.Host.DemoData;

/// <summary>
/// Sign-ins for the web app on the demo data's first start: one-time invitation links for a staff
/// person, Mira (member of Initiative Kiezkiosk) and the city's social authority (funder), made
/// through the same API staff use. Opening a link sets a password and signs in.
/// </summary>
internal static class DemoSignIns
{
    public static async Task<List<string>> LinesAsync(HttpClient admin, CancellationToken ct)
    {
        var people = await admin.GetFromJsonAsync<JsonElement>("/api/people?limit=500", ct);
        var funders = await admin.GetFromJsonAsync<JsonElement>("/api/funding/funders?limit=500", ct);
        var mira = people.GetProperty("items").EnumerateArray().First(p => p.GetProperty("name").GetString() == "Mira Beispiel").GetProperty("id").GetGuid();
        var city = funders.GetProperty("items").EnumerateArray().First(f => f.GetProperty("name").GetString() == "Sozialbehörde Musterstadt").GetProperty("id").GetGuid();
        return
        [
            $"Web app: {admin.BaseAddress} – open a link to set a password (each works once, for 7 days):",
            await InviteAsync(admin, "Staff (Raumverwaltung)", new { email = "raumverwaltung@demo.example", role = "admin" }, ct),
            await InviteAsync(admin, "Member (Mira Beispiel, Initiative Kiezkiosk)", new { email = "mira@demo.example", role = "member", personId = mira }, ct),
            await InviteAsync(admin, "Funder (Sozialbehörde Musterstadt)", new { email = "foerderung@demo.example", role = "funder", funderId = city }, ct),
        ];
    }

    private static async Task<string> InviteAsync(HttpClient admin, string who, object invitation, CancellationToken ct)
    {
        using var response = await admin.PostAsJsonAsync("/api/access/accounts", invitation, ct);
        response.EnsureSuccessStatusCode();
        var link = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("link").GetString();
        return $"  {who}: {new Uri(admin.BaseAddress!, link)}";
    }
}
