using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Host.DemoData;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Host;

/// <summary>A host that may seed the demo (Allmende:DemoData=true), as a Development host is: its clock is the seeding clock.</summary>
public sealed class DemoHost : AllmendeApp
{
    public DemoHost() => With("Allmende:DemoData", "true");
}

public sealed class DemoDataTests(DemoHost app) : IClassFixture<DemoHost>
{
    [Fact]
    public async Task The_demo_data_builds_the_places_of_the_domain_brief_once_and_gives_a_working_member_key()
    {
        using var admin = app.AdminClient();
        // The host's own clock, as DemoDataOnStart passes it (the test server listens on no socket, so that seeds nothing itself).
        var clock = app.Services.GetRequiredService<TimeProvider>().ShouldBeOfType<SeedingClock>();
        var summary = await DemoData.SeedAsync(admin, clock);

        summary.ShouldNotBeNull();
        summary.ShouldBe(summary with { Sites = 7, Organisations = 8, People = 7, Bookings = 42 });
        // Back on real time once seeded.
        (clock.GetUtcNow() - DateTimeOffset.UtcNow).Duration().ShouldBeLessThan(TimeSpan.FromMinutes(1));
        var sites = await admin.GetFromJsonAsync<JsonElement>("/api/sites?limit=100");
        sites.GetProperty("total").GetInt64().ShouldBe(7);
        var interim = sites.GetProperty("items").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "Zwischennutzung Alte Post");
        interim.GetProperty("lease").GetProperty("from").GetString().ShouldBe("2019-08-01");
        interim.GetProperty("lease").GetProperty("until").GetString().ShouldBe("2020-07-31");
        var desks = await admin.GetFromJsonAsync<JsonElement>("/api/spaces?kind=flexible-desk-area&limit=100");
        desks.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("places").GetInt32()).ShouldContain(50);
        (await admin.GetFromJsonAsync<JsonElement>("/api/spaces?limit=1")).GetProperty("total").GetInt64().ShouldBe(summary.Spaces);

        // The member key acts for the initiative only, once Membership's event has reached Access.
        using var member = app.CreateClient();
        member.DefaultRequestHeaders.Add("X-Api-Key", summary.MemberKey);
        await Eventually.ReachedAsync(async () =>
            (await member.GetFromJsonAsync<JsonElement>("/api/organisations")).GetProperty("total").GetInt64() == 1, "the member sees their organisation");
        var visible = await member.GetFromJsonAsync<JsonElement>("/api/organisations");
        visible.GetProperty("items")[0].GetProperty("name").GetString().ShouldBe("Initiative Kiezkiosk");

        // The weekly bookings: twelve on the funded floor, which the city's grant pays in full, four in the house, which it does not;
        // the association's programme: four open evenings and a flea market; the rooms of nine appointments with the advisor (five
        // past, four coming); and twelve desk days of the rural pilot.
        var bookings = await admin.GetFromJsonAsync<JsonElement>("/api/bookings?limit=100");
        bookings.GetProperty("total").GetInt64().ShouldBe(42);
        var grant = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants")).GetProperty("items")[0].GetProperty("id").GetGuid();
        await Eventually.ReachedAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/funding/allocations?grantId={grant}&limit=100"))
            .GetProperty("items").EnumerateArray().Count(a => a.GetProperty("sourceKind").GetString() == "booking") == 12, "the grant pays the floor's bookings");
        // The floor's monthly usage fee (the city's usage agreement) on the same grant, for every month since January 2026 that has ended;
        // the city's cooperative shares on the grant for them, never on the one limited to the house.
        var agreement = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/usage-agreements")).GetProperty("items")[0];
        (agreement.GetProperty("name").GetString(), agreement.GetProperty("monthlyFeeCents").GetInt64(), agreement.GetProperty("spaceIds").GetArrayLength())
            .ShouldBe(("Engagement-Etage (3. OG)", 600_000L, 5));
        await Eventually.ReachedAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/funding/allocations?grantId={grant}&limit=100"))
            .GetProperty("items").EnumerateArray().Any(a => a.GetProperty("costType").GetString() == "usage-fees" && a.GetProperty("amountCents").GetInt64() == 600_000),
            "the grant pays the floor's usage fee");
        var shares = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants")).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("reference").GetString() == "SOZ-ENG-2026-02").GetProperty("id").GetGuid();
        await Eventually.ReachedAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/funding/allocations?grantId={shares}"))
            .GetProperty("items").EnumerateArray().Any(a => a.GetProperty("costType").GetString() == "cooperative-shares" && a.GetProperty("amountCents").GetInt64() == 1_000_000),
            "the share grant pays the city's shares");
        (await admin.GetFromJsonAsync<JsonElement>($"/api/funding/allocations?grantId={grant}&limit=100")).GetProperty("items").EnumerateArray()
            .ShouldNotContain(a => a.GetProperty("costType").GetString() == "cooperative-shares");

        // The association's open programme, public; the housing company's prize on its own grant (issue 17, ADR 20).
        var association = (await admin.GetFromJsonAsync<JsonElement>("/api/organisations?limit=100")).GetProperty("items").EnumerateArray()
            .Single(o => o.GetProperty("name").GetString() == "Nachbarschaftsverein Lindenviertel e.V.").GetProperty("id").GetGuid();
        using var anonymous = app.CreateClient();
        var programme = await anonymous.GetFromJsonAsync<JsonElement>($"/api/programme/public/organisations/{association}");
        programme.GetProperty("dates").EnumerateArray().Select(d => d.GetProperty("title").GetString()).Distinct().Order()
            .ShouldBe(["Hofflohmarkt", "Offener Abend im Lindenviertel"]);
        programme.GetProperty("dates").GetArrayLength().ShouldBe(5);
        var prize = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants")).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("reference").GetString() == "WBL-FOTO-01");
        (prize.GetProperty("budgetCents").GetInt64(), prize.GetProperty("remainingCents").GetInt64()).ShouldBe((50_000L, 0L));

        // The kiosk pilot (ADR 19): the advisor's weekly hours, five past appointments and four coming, whose rooms the city innovation
        // fund's grant pays.
        var fund = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants")).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("reference").GetString() == "IF-2026-07").GetProperty("id").GetGuid();
        await Eventually.ReachedAsync(async () => (await admin.GetFromJsonAsync<JsonElement>($"/api/funding/allocations?grantId={fund}&limit=100"))
            .GetProperty("items").EnumerateArray().Count(a => a.GetProperty("amountCents").GetInt64() == 750) == 9, "the fund pays the appointments' room hours");
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from bookings.appointments where status = 'booked'")).ShouldBe(9);
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(distinct client_id) from bookings.appointments")).ShouldBe(3);
        // The past ones happened: four held (their rooms checked in when the advisor recorded it), Tomasz's second one not, a no-show
        // once its fifteen minutes had passed on the real clock.
        await Eventually.ReachedAsync(async () => await TestPostgres.ScalarAsync(app.ConnectionString, """
            select count(*) from bookings.appointments a join bookings.bookings b using (booking_id) where b.status = 'no-show'
            """) == 1, "Tomasz's missed appointment is released as a no-show");
        // "How many newcomers did the kiosk advise, how often, and how many registered a business?", as the README's tour asks it.
        var report = $"/api/funding/reports/grants/{fund}?period=custom&from=2026-01-01&to=2027-12-31";
        await Eventually.ReachedAsync(async () => (await admin.GetFromJsonAsync<JsonElement>(report)).GetProperty("advice").GetProperty("appointmentsHeld").GetInt32() == 4,
            "Funding has the advisor's records");
        var advice = (await admin.GetFromJsonAsync<JsonElement>(report)).GetProperty("advice");
        (advice.GetProperty("appointmentsHeld").GetInt32(), advice.GetProperty("appointmentsNotHeld").GetInt32(), advice.GetProperty("peopleAdvised").GetInt32())
            .ShouldBe((4, 1, 3));
        advice.GetProperty("outcomes").EnumerateArray().Select(o => (o.GetProperty("kind").GetString(), o.GetProperty("count").GetInt64())).ToArray().ShouldBe(
            [("business-plan-drafted", 1L), ("business-registered", 1L), ("follow-up-agreed", 1L), ("funding-applied", 1L), ("referred-elsewhere", 1L)]);

        // The rural pilot (ADR 21): the region's funder reads the commuting its site avoids, from the desk bookings of the coming weeks.
        var region = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants?limit=100")).GetProperty("items").EnumerateArray()
            .Single(g => g.GetProperty("reference").GetString() == "REG-COWORK-01");
        using var regionClient = await app.ClientAsync(Allmende.Eventing.Api.Roles.Funder, funderId: region.GetProperty("funderId").GetGuid());
        var first = DateTime.UtcNow.AddMonths(-1);
        var url = $"/api/reports/grants/{region.GetProperty("id").GetGuid()}/commuting-avoided?from={first:yyyy-MM}&to={first.AddMonths(3):yyyy-MM}";
        await Eventually.ReachedAsync(async () => (await regionClient.GetFromJsonAsync<JsonElement>(url)).GetProperty("total").GetProperty("deskDays").GetInt32() == 12,
            "Bookings has the survey figures and the grant's site");
        var commuting = (await regionClient.GetFromJsonAsync<JsonElement>(url)).GetProperty("total");
        // Four weeks: Tarek 4 × 56 km by car, Lena 4 × 35 km by bus, Jan 4 × 84 km car-pool.
        (commuting.GetProperty("surveyedPersons").GetInt32(), commuting.GetProperty("kmAvoided").GetDecimal(), commuting.GetProperty("co2KgAvoided").GetDecimal())
            .ShouldBe((3, 700.0m, 97.9m));

        (await DemoData.SeedAsync(admin)).ShouldBeNull();
        (await admin.GetFromJsonAsync<JsonElement>("/api/sites?limit=1")).GetProperty("total").GetInt64().ShouldBe(7);
    }
}
