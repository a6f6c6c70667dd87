using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Allmende.Host.DemoData;

public sealed record DemoSummary(int Sites, int Spaces, int Organisations, int People, int Bookings, string? MemberKey);

/// <summary>
/// The places and people of the domain brief, created through the real API with an admin client,
/// so that `dotnet run` leads straight to a house with rooms, initiatives and a funded floor. Runs
/// once: a database that has sites already is left alone.
/// </summary>
internal static class DemoData
{
    private static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];

    public static Task<DemoSummary?> SeedAsync(HttpClient admin, CancellationToken ct = default) => SeedAsync(admin, TimeProvider.System, ct);

    /// <param name="time">Where "the coming weeks" of the demo bookings begin; a <see cref="SeedingClock"/> also gives the kiosk pilot its past.</param>
    public static async Task<DemoSummary?> SeedAsync(HttpClient admin, TimeProvider time, CancellationToken ct = default)
    {
        try
        {
            return await SeedCoreAsync(admin, time, ct);
        }
        finally
        {
            // Whatever failed on the way: the host goes on in real time.
            if (time is SeedingClock seeding)
                await seeding.ResumeAsync();
        }
    }

    private static async Task<DemoSummary?> SeedCoreAsync(HttpClient admin, TimeProvider time, CancellationToken ct)
    {
        var existing = await admin.GetFromJsonAsync<JsonElement>("/api/sites?limit=1", ct);
        if (existing.GetProperty("total").GetInt64() > 0)
            return null;

        var seeder = new Seeder(admin, ct);
        // A host that seeds the demo itself has a seeding clock (SeedingClock): then the house opens a few days before the kiosk
        // pilot's first Tuesday, five weeks before the coming ones, and the pilot's past weeks happen in order (Seeder.AdviceAsync);
        // from its coming weeks on, the clock is real time again.
        var monday = NextMondayButOne(time);
        var clock = time as SeedingClock;
        if (clock is not null)
            await clock.SetBackToAsync(Seeder.At(Seeder.PilotStart(monday, clock).AddDays(-3), "08:00"));

        // 3. The neighbourhood association: a house with many rooms, and other addresses.
        var house = await seeder.SiteAsync("Nachbarschaftshaus Lindenstraße", "Lindenstraße 12", ["Erdgeschoss", "1. Obergeschoss", "2. Obergeschoss", "Keller"],
            Hours(Weekdays, "08:00", "21:00").Append(Interval("saturday", "10:00", "16:00")));
        var seminarRoom = await seeder.SpaceAsync(house, "1. Obergeschoss", "Seminarraum", "room", 20, rateCents: 2500, accessibility: ["step-free-access", "lift", "hearing-loop"], equipment: ["Beamer", "Flipchart"]);
        var meetingRoom = await seeder.SpaceAsync(house, "Erdgeschoss", "Bewegungs- und Begegnungsraum", "room", 25, rateCents: 2000, accessibility: ["step-free-access", "accessible-toilet"]);
        var coachingRoom = await seeder.SpaceAsync(house, "2. Obergeschoss", "Coaching- und Ruheraum", "room", 4, rateCents: 1000, accessibility: ["lift"]);
        await seeder.SpaceAsync(house, "2. Obergeschoss", "Kreativraum für Künstler:innen", "room", 8, rateCents: 1200, equipment: ["Staffeleien", "Waschbecken"]);
        await seeder.SpaceAsync(house, "1. Obergeschoss", "Coworking-Raum", "flexible-desk-area", 6, places: 6, rateCents: 300, deskFeeCents: 9000);
        await seeder.SpaceAsync(house, "Erdgeschoss", "Kommunikationsraum", "room", 12, rateCents: 1500, accessibility: ["step-free-access"]);
        await seeder.SpaceAsync(house, "2. Obergeschoss", "Büro für neue Selbstständige", "fixed-desk", 1, rateCents: 0, deskFeeCents: 15000);
        await seeder.SpaceAsync(house, "Keller", "Content-Creation-Raum", "room", 4, rateCents: 1500, equipment: ["Kamera", "Licht", "Greenscreen"]);
        await seeder.SpaceAsync(house, "Erdgeschoss", "Küche", "not-bookable", 10);
        await seeder.SpaceAsync(house, "Erdgeschoss", "Toiletten", "not-bookable", 0);

        var workshop = await seeder.SiteAsync("Werkstatt Gartenstraße", "Gartenstraße 3", [], Hours(Weekdays, "09:00", "18:00"));
        await seeder.SpaceAsync(workshop, null, "Holzwerkstatt (Einzeltermin)", "workshop-slot", 1, rateCents: 800, minMinutes: 60, maxMinutes: 240);

        var interim = await seeder.SiteAsync("Zwischennutzung Alte Post", "Postplatz 1", [], Hours(Weekdays, "09:00", "22:00"),
            lease: new { from = "2019-08-01", until = "2020-07-31" });
        await seeder.SpaceAsync(interim, null, "Foyer", "event-hall", 80, rateCents: 4000);
        await seeder.SpaceAsync(interim, null, "VIP-Raum", "room", 10, rateCents: 2000);
        await seeder.SpaceAsync(interim, null, "Konferenzraum", "room", 30, rateCents: 3000);
        await seeder.SpaceAsync(interim, null, "Bewegungsraum", "room", 20, rateCents: 1500);

        var arcade = await seeder.SiteAsync("Ladenlokal Passage", "Passage am Markt, Laden 7", [], Hours(Weekdays, "10:00", "19:00"));
        await seeder.SpaceAsync(arcade, null, "Coworking im Laden", "flexible-desk-area", 8, places: 8, rateCents: 300, deskFeeCents: 8000);

        var centre = await seeder.SiteAsync("Quartierszentrum am Markt", "Marktplatz 5", ["Erdgeschoss", "1. Obergeschoss"],
            Hours(Weekdays, "08:00", "22:00").Append(Interval("saturday", "09:00", "18:00")));
        await seeder.SpaceAsync(centre, "Erdgeschoss", "Foyer", "not-bookable", 60);
        await seeder.SpaceAsync(centre, "Erdgeschoss", "Infotheke", "not-bookable", 2);
        await seeder.SpaceAsync(centre, "1. Obergeschoss", "Besprechungsraum", "room", 10, rateCents: 1500);
        await seeder.SpaceAsync(centre, "1. Obergeschoss", "Vereinsraum", "room", 15, rateCents: 1500);
        await seeder.SpaceAsync(centre, "1. Obergeschoss", "Arbeitsgruppenraum", "room", 8, rateCents: 1000);
        await seeder.SpaceAsync(centre, "Erdgeschoss", "Veranstaltungssaal mit Bühne", "event-hall", 150, rateCents: 6000, accessibility: ["step-free-access", "accessible-toilet", "hearing-loop"],
            approval: true, minMinutes: 120);

        // 1. The funded engagement floor of a cooperative coworking house.
        var cooperativeHouse = await seeder.SiteAsync("Genossenschaftshaus Kreativquartier", "Hafenstraße 40", ["3. Obergeschoss – Engagement-Etage"],
            Hours(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"], "07:00", "23:00"));
        const string Floor = "3. Obergeschoss – Engagement-Etage";
        var floorSpaces = new List<Guid>
        {
            await seeder.SpaceAsync(cooperativeHouse, Floor, "Flexible Arbeitsplätze Engagement-Etage", "flexible-desk-area", 50, places: 50, rateCents: 250,
                deskFeeCents: 12000, accessibility: ["step-free-access", "lift", "accessible-toilet"], kinds: ["initiative", "association", "social-enterprise"]),
        };
        var groupRooms = new List<Guid>();
        for (var i = 1; i <= 3; i++)
            groupRooms.Add(await seeder.SpaceAsync(cooperativeHouse, Floor, $"Gruppenraum {i}", "room", 10, rateCents: 1500, accessibility: ["step-free-access", "lift"]));
        floorSpaces.AddRange(groupRooms);
        floorSpaces.Add(await seeder.SpaceAsync(cooperativeHouse, Floor, "Versammlungsraum", "event-hall", 60, rateCents: 4500, approval: true));

        // 4. The rural inter-municipal coworking pilot.
        var rural = await seeder.SiteAsync("Coworking Landmitte", "Bahnhofstraße 2, Landmitte", [], Hours(Weekdays, "07:00", "19:00"));
        var ruralDesks = await seeder.SpaceAsync(rural, null, "Flex-Desks", "flexible-desk-area", 12, places: 12, rateCents: 200, deskFeeCents: 7500);
        for (var i = 1; i <= 3; i++)
            await seeder.SpaceAsync(rural, null, $"Fester Schreibtisch {i}", "fixed-desk", 1, rateCents: 0, deskFeeCents: 16000);
        await seeder.SpaceAsync(rural, null, "Besprechungsraum", "room", 8, rateCents: 1200);

        // Organisations of the brief.
        var city = await seeder.OrganisationAsync("Stadt – Amt für Soziales", "public-body", nonProfit: true);
        var association = await seeder.OrganisationAsync("Nachbarschaftsverein Lindenviertel e.V.", "association", nonProfit: true);
        var kiosk = await seeder.OrganisationAsync("Initiative Kiezkiosk", "initiative", nonProfit: true);
        var freelancers = await seeder.OrganisationAsync("Genossenschaft freier Beraterinnen eG", "cooperative", nonProfit: false);
        var network = await seeder.OrganisationAsync("Landesnetzwerk Bürgerschaftliches Engagement e.V.", "association", nonProfit: true);
        var sponsor = await seeder.OrganisationAsync("Wohnbau Lindenviertel GmbH", "company", nonProfit: false);
        _ = sponsor;
        // The city's social authority funds the engagement floor for five years: its monthly usage fee (a usage agreement
        // the city pays), the rooms and desks on it; and, from a budget line of its own, the city's cooperative shares.
        await seeder.FundingAsync(cooperativeHouse, city, floorSpaces);
        // The city authority joins the cooperative house and pays its shares.
        await seeder.PostAsync($"/api/organisations/{city}/shares/subscription", new { shares = 20, centsPerShare = 50_000 }, $"/api/organisations/{city}");
        await seeder.PostAsync($"/api/organisations/{city}/shares/payments", new { date = "2026-01-15", amountCents = 1_000_000 }, $"/api/organisations/{city}");

        // A few people (made up) acting for them.
        var mira = await seeder.PersonAsync("Mira Beispiel", "mira.beispiel@example.org", kiosk, "representative", "civil-society");
        await seeder.PersonAsync("Jonas Muster", "jonas.muster@example.org", association, "representative", "civil-society");
        await seeder.PersonAsync("Ayşe Probe", "ayse.probe@example.org", network, "member", "flexible-desk");
        var lena = await seeder.PersonAsync("Lena Vorlage", "lena.vorlage@example.org", freelancers, "member", "cooperative-member");

        var key = await seeder.MemberKeyAsync(mira, "Demo: Mira Beispiel (Initiative Kiezkiosk)");

        // Issue 17 (ADR 19): the kiosk pilot (situation 2): the cooperative's advisor Lena advises newcomers in the association's
        // coaching room on Tuesdays, paid by the city innovation fund. Its past weeks first: the clock is real time after them.
        await seeder.AdviceAsync(freelancers, lena, coachingRoom, house, mira, monday, clock);

        // Weekly bookings for the next four weeks, from the Monday after next (Berlin time), so that calendars,
        // the grant's allocations and the reports have something to show: three on the funded floor, one in the house.
        for (var week = 0; week < 4; week++)
        {
            var day = monday.AddDays(7 * week);
            await seeder.BookingAsync(groupRooms[0], kiosk, day, "18:00", "20:00", 9, "Offenes Kieztreffen", "neighbourhood-culture");
            await seeder.BookingAsync(groupRooms[1], network, day.AddDays(2), "10:00", "13:00", 8, "Fortbildung für Ehrenamtliche", "school-and-education");
            await seeder.BookingAsync(groupRooms[2], association, day.AddDays(3), "14:00", "16:00", 6, "Mieterberatung", "housing-and-living-environment");
            await seeder.BookingAsync(seminarRoom, association, day.AddDays(1), "17:00", "19:00", 15, "Vorstandssitzung", "social-activities-and-infrastructure");
        }

        // Issue 17 (ADR 20): the association's open programme (situation 3), a weekly open evening and a flea market in the
        // house, public at /programm/organisation/{id}; and a housing company sponsoring the prize of a photo contest (situation 5).
        await seeder.ProgrammeAsync(association, meetingRoom, monday);
        await seeder.SponsorAsync(association, time);
        // Issue 17 (ADR 21): the rural pilot (situation 4): trial users, a company paying its employee's plan, the needs
        // survey, desk bookings in the coming weeks and the region's grant, whose funder reads the commuting avoided.
        await seeder.RuralPilotAsync(rural, ruralDesks, monday, time);
        return new DemoSummary(seeder.Sites, seeder.Spaces, seeder.Organisations, seeder.People, seeder.Bookings, key);
    }

    private static DateOnly NextMondayButOne(TimeProvider time)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Berlin).DateTime);
        var untilMonday = ((int)DayOfWeek.Monday - (int)today.DayOfWeek + 7) % 7;
        return today.AddDays((untilMonday == 0 ? 7 : untilMonday) + 7);
    }

    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static object Interval(string day, string opens, string closes) => new { day, opens, closes };

    private static IEnumerable<object> Hours(IEnumerable<string> days, string opens, string closes) => days.Select(d => Interval(d, opens, closes));

    private sealed class Seeder(HttpClient admin, CancellationToken ct)
    {
        private readonly Dictionary<Guid, Dictionary<string, Guid>> _floors = [];

        public int Sites { get; private set; }
        public int Spaces { get; private set; }
        public int Organisations { get; private set; }
        public int People { get; private set; }

        public async Task<Guid> SiteAsync(string name, string street, string[] floors, IEnumerable<object> hours, object? lease = null)
        {
            var site = await CreateAsync("/api/sites", new
            {
                name,
                address = new { street, postalCode = "12345", city = "Musterstadt" },
                floors,
                openingHours = hours.ToArray(),
                lease,
            });
            var id = site.GetProperty("id").GetGuid();
            _floors[id] = site.GetProperty("floors").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("id").GetGuid());
            Sites++;
            return id;
        }

        public int Bookings { get; private set; }

        public async Task<Guid> SpaceAsync(Guid site, string? floor, string name, string kind, int capacity, int? places = null, long rateCents = 0, long deskFeeCents = 0,
            string[]? accessibility = null, string[]? equipment = null, bool approval = false, int? minMinutes = null, int? maxMinutes = null, string[]? kinds = null)
        {
            var space = await CreateAsync("/api/spaces", new
            {
                siteId = site,
                floorId = floor is null ? (Guid?)null : _floors[site][floor],
                name,
                kind,
                capacity,
                places,
                accessibility = accessibility ?? [],
                equipment = equipment ?? [],
                rates = new { hourlyRateCents = rateCents, monthlyDeskFeeCents = deskFeeCents },
                rules = new { minDurationMinutes = minMinutes, maxDurationMinutes = maxMinutes, leadTimeMinutes = 0, approvalRequired = approval, organisationKinds = kinds },
            });
            Spaces++;
            return space.GetProperty("id").GetGuid();
        }

        /// <summary>
        /// Books on a Berlin day from one wall-clock time to another. Bookings learns of new spaces and
        /// organisations through the outbox, a moment after they were made: until then a request is 404, so ask again.
        /// </summary>
        public async Task BookingAsync(Guid spaceId, Guid organisationId, DateOnly day, string from, string until, int attendees, string purpose, string actionField,
            Guid? personId = null)
        {
            var body = new { spaceId, organisationId, personId, start = At(day, from), end = At(day, until), attendees, purpose, actionField };
            for (var attempt = 1; ; attempt++)
            {
                var response = await admin.PostAsJsonAsync("/api/bookings", body, ct);
                if (response.StatusCode != HttpStatusCode.NotFound || attempt == 40)
                {
                    await EnsureAsync(response);
                    Bookings++;
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }

        /// <summary>The Monday the kiosk pilot's grant begins: the week before its first Tuesday, five weeks back with a seeding clock.</summary>
        public static DateOnly PilotStart(DateOnly monday, SeedingClock? clock) => monday.AddDays(clock is null ? -7 : -42);

        public static DateTimeOffset At(DateOnly day, string time)
        {
            var local = day.ToDateTime(TimeOnly.Parse(time, CultureInfo.InvariantCulture));
            return new DateTimeOffset(local, Berlin.GetUtcOffset(local));
        }

        public async Task<Guid> OrganisationAsync(string name, string kind, bool nonProfit)
        {
            var organisation = await CreateAsync("/api/organisations", new
            {
                name,
                kind,
                nonProfit,
                address = new { street = "Musterweg 1", postalCode = "12345", city = "Musterstadt" },
                contact = new { email = "kontakt@example.org", phone = "+49 30 1234567" },
            });
            var id = organisation.GetProperty("id").GetGuid();
            await PostAsync($"/api/organisations/{id}/activate", new { }, $"/api/organisations/{id}");
            Organisations++;
            return id;
        }

        public async Task<Guid> PersonAsync(string name, string email, Guid organisation, string role, string plan)
        {
            var person = await CreateAsync("/api/people", new { name, email, phone = (string?)null });
            var id = person.GetProperty("id").GetGuid();
            await PostAsync($"/api/people/{id}/organisations", new { organisationId = organisation, role }, $"/api/people/{id}");
            await PostAsync($"/api/people/{id}/plans", new { plan, organisationId = organisation, validFrom = "2026-01-01" }, $"/api/people/{id}");
            People++;
            return id;
        }

        /// <summary>
        /// The city's social authority as a funder; its five-year grant for the engagement floor (the floor's monthly
        /// usage fee, rooms, desks), limited to the house; a second grant for the city's own cooperative shares, which
        /// have no place and so are never paid by a grant limited to a house (ADR 12); and the usage agreement by which
        /// the city pays the floor's monthly fee (6.000 € for about 300 m², charged in arrears from January 2026).
        /// </summary>
        public async Task FundingAsync(Guid engagementSite, Guid city, IReadOnlyList<Guid> floorSpaces)
        {
            var funder = await CreateAsync("/api/funding/funders", new
            {
                name = "Sozialbehörde Musterstadt", kind = "public-authority",
                contact = new { office = "Referat Bürgerschaftliches Engagement", email = "engagement@musterstadt.example" }, reportingPeriod = "quarterly",
            });
            await CreateAsync("/api/funding/grants", new
            {
                funderId = funder.GetProperty("id").GetGuid(), name = "Engagement-Etage Kreativquartier", reference = "SOZ-ENG-2026-01",
                budgetCents = 50_000_000, startsOn = "2026-01-01", endsOn = "2030-12-31", priority = 1,
                coverage = new
                {
                    siteIds = new[] { engagementSite }, nonProfitOnly = true,
                    costTypes = new[] { "room-hours", "event-hall-hours", "desk-fees", "usage-fees" },
                },
            });
            await CreateAsync("/api/funding/grants", new
            {
                funderId = funder.GetProperty("id").GetGuid(), name = "Genossenschaftsanteile Kreativquartier", reference = "SOZ-ENG-2026-02",
                budgetCents = 1_000_000, startsOn = "2026-01-01", endsOn = "2030-12-31", priority = 2,
                coverage = new { organisationIds = new[] { city }, costTypes = new[] { "cooperative-shares" } },
            });
            // Funding learns of the floor's spaces and the city through the outbox, a moment after they were made: until then a 400, so ask again.
            var agreement = new { organisationId = city, name = "Engagement-Etage (3. OG)", spaceIds = floorSpaces, from = "2026-01-01", monthlyFeeCents = 600_000 };
            for (var attempt = 1; ; attempt++)
            {
                using var response = await admin.PostAsJsonAsync("/api/funding/usage-agreements", agreement, ct);
                if (response.StatusCode != HttpStatusCode.BadRequest || attempt == 40)
                {
                    await EnsureAsync(response);
                    return;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }

        /// <summary>
        /// The association's open evening every Thursday for four weeks (a weekly series, 18–21 Uhr, sign-up for 20) and a flea
        /// market on the Saturday after the first (10–16 Uhr, no sign-up), both booked through the normal booking path first.
        /// </summary>
        public async Task ProgrammeAsync(Guid association, Guid room, DateOnly monday)
        {
            var thursday = monday.AddDays(3);
            var series = await RetriedAsync("/api/bookings/series", new
            {
                spaceId = room, organisationId = association, start = At(thursday, "18:00"), end = At(thursday, "21:00"), attendees = 20,
                purpose = "Offener Abend", actionField = "living-together", repeat = new { frequency = "weekly", count = 4 }, conflicts = "book-none",
            }, HttpStatusCode.NotFound);
            var saturday = monday.AddDays(5);
            var market = await RetriedAsync("/api/bookings", new
            {
                spaceId = room, organisationId = association, start = At(saturday, "10:00"), end = At(saturday, "16:00"), attendees = 25,
                purpose = "Flohmarkt", actionField = "neighbourhood-culture",
            }, HttpStatusCode.NotFound);
            Bookings += 5;
            await CreateAsync("/api/programme/offers", new
            {
                organisationId = association, seriesId = series.GetProperty("id").GetGuid(), kind = "open-evening", title = "Offener Abend im Lindenviertel",
                description = "Tee, Gespräche und Nachbarschaft – jeden Donnerstag. Bitte kurz anmelden, damit genug Stühle da sind.", capacity = 20,
                registration = true,
            });
            await CreateAsync("/api/programme/offers", new
            {
                organisationId = association, bookingId = market.GetProperty("id").GetGuid(), kind = "flea-market", title = "Hofflohmarkt",
                description = "Stöbern, tauschen, verkaufen. Ohne Anmeldung.", capacity = 200, registration = false,
            });
        }

        /// <summary>
        /// A housing company funds the 500 € prize of the association's photo contest: a business sponsor, a grant for that
        /// purpose only (this year and next), and the prize money paid today against it.
        /// </summary>
        public async Task SponsorAsync(Guid association, TimeProvider time)
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Berlin).DateTime);
            var funder = await CreateAsync("/api/funding/funders", new
            {
                name = "Wohnbau Lindenviertel GmbH", kind = "business-sponsor", contact = new { office = "Quartiersmanagement" }, reportingPeriod = "yearly",
            });
            var grant = await CreateAsync("/api/funding/grants", new
            {
                funderId = funder.GetProperty("id").GetGuid(), name = "Preis des Fotowettbewerbs »Unser Lindenviertel«", reference = "WBL-FOTO-01",
                budgetCents = 50_000, startsOn = $"{today.Year}-01-01", endsOn = $"{today.Year + 1}-12-31",
                coverage = new { organisationIds = new[] { association }, costTypes = new[] { "purpose-payments" } },
            });
            // Funding learns of the association through the outbox: until then a 400 on organisationId, so ask again.
            await RetriedAsync($"/api/funding/grants/{grant.GetProperty("id").GetGuid()}/purpose-payments", new
            {
                organisationId = association, paidOn = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), amountCents = 50_000,
                whatFor = "Preisgeld Fotowettbewerb, 1. bis 3. Platz", receiptReference = "Quittung FW-01",
            }, HttpStatusCode.BadRequest);
        }

        /// <summary>
        /// The city innovation fund's one-year grant for the kiosk pilot (room hours of the cooperative in the association's house);
        /// the advisor's weekly consultation hours (Tuesdays 10–13 Uhr, 45-minute slots); two newcomers (made up) admitted with
        /// consent; appointments for them and for Mira in the coming weeks. With a <see cref="SeedingClock"/> (a host that seeds
        /// the demo itself) the pilot began five weeks before the coming Tuesdays, and its three past Tuesdays happen in order on
        /// that clock: hours offered and newcomers admitted the week before, five appointments booked ahead, and from each one's
        /// start on the advisor records whether it was held and what came of it (PUT /api/advice/appointments/{id}/outcome), so
        /// that the fund's report has people advised, appointments held and outcomes. Without one, the pilot begins with the
        /// coming Tuesdays and nothing has come of it yet.
        /// </summary>
        public async Task AdviceAsync(Guid cooperative, Guid advisor, Guid room, Guid site, Guid member, DateOnly monday, SeedingClock? clock)
        {
            var tuesday = monday.AddDays(1);
            var pilotStart = PilotStart(monday, clock);
            var firstTuesday = pilotStart.AddDays(8);
            if (clock is not null)
            await clock.SetBackToAsync(At(pilotStart, "09:00"));
            try
            {
                var funder = await CreateAsync("/api/funding/funders", new
                {
                    name = "Innovationsfonds der Stadt Musterstadt", kind = "programme", contact = new { office = "Geschäftsstelle Innovationsfonds" },
                    reportingPeriod = "quarterly",
                });
                await CreateAsync("/api/funding/grants", new
                {
                    funderId = funder.GetProperty("id").GetGuid(), name = "Pilot Kiezkiosk: Gründungsberatung für Neuangekommene", reference = "IF-2026-07",
                    budgetCents = 2_000_000, startsOn = Day(pilotStart), endsOn = Day(pilotStart.AddYears(1)), priority = 1,
                    coverage = new { siteIds = new[] { site }, organisationIds = new[] { cooperative }, costTypes = new[] { "room-hours" } },
                });
                var hours = await RetriedAsync("/api/advice/hours", new
                {
                    advisorId = advisor, organisationId = cooperative, spaceId = room, title = "Gründungsberatung für Neuangekommene", actionField = "local-economy",
                    weekly = true, firstDate = Day(firstTuesday), lastDate = Day(tuesday.AddDays(7 * 7)), from = "10:00", until = "13:00", slotMinutes = 45,
                }, HttpStatusCode.BadRequest);
                _hoursId = hours.GetProperty("id").GetGuid();
                async Task<Guid> NewcomerAsync(string name, string? email, string? phone) => (await CreateAsync("/api/advice/newcomers", new
                {
                    organisationId = cooperative, name, email, phone, consentVersion = "kiezkiosk-beratung-2026-01",
                })).GetProperty("id").GetGuid();
                _amina = await NewcomerAsync("Amina Beispiel", "amina.beispiel@example.org", null);
                _tomasz = await NewcomerAsync("Tomasz Muster", null, "+49 30 7654321");
                if (clock is not null)
                    await PastWeeksAsync(clock, firstTuesday, member);
            }
            finally
            {
                if (clock is not null)
                    await clock.ResumeAsync();
            }

            (int Week, string Time, Guid? Newcomer, Guid? Person)[] appointments =
                [(0, "10:00", _amina, null), (0, "10:45", _tomasz, null), (1, "10:00", null, member), (2, "10:00", _amina, null)];
            foreach (var (week, time, newcomer, person) in appointments)
                await AppointmentAsync(tuesday.AddDays(7 * week), time, newcomer, person);
        }

        private Guid _hoursId;
        private Guid _amina;
        private Guid _tomasz;

        /// <summary>
        /// The pilot's first three Tuesdays: five appointments booked ahead, then, each from its start, what came of
        /// it: Amina drafted a business plan and agreed a follow-up, Tomasz was referred to the chamber's start-up desk, Mira
        /// applied for funding, Amina registered her business, and Tomasz did not come to his second appointment.
        /// </summary>
        private async Task PastWeeksAsync(SeedingClock clock, DateOnly firstTuesday, Guid member)
        {
            (int Week, string Time, Guid? Newcomer, Guid? Person, bool Held, (string Kind, int Count)[] Outcomes)[] past =
            [
                (0, "10:00", _amina, null, true, [("business-plan-drafted", 1), ("follow-up-agreed", 1)]),
                (0, "10:45", _tomasz, null, true, [("referred-elsewhere", 1)]),
                (1, "10:00", null, member, true, [("funding-applied", 1)]),
                (2, "10:00", _amina, null, true, [("business-registered", 1)]),
                (2, "10:45", _tomasz, null, false, []),
            ];
            var booked = new List<(Guid Id, DateTimeOffset Start)>();
            foreach (var (week, time, newcomer, person, _, _) in past)
                booked.Add(await AppointmentAsync(firstTuesday.AddDays(7 * week), time, newcomer, person));
            foreach (var ((id, start), (_, _, _, _, held, outcomes)) in booked.Zip(past))
            {
                // Ten minutes in: held is recorded while the room is in use, which checks it in before the no-show check (15 minutes) comes.
                await clock.SetBackToAsync(start.AddMinutes(10));
                await SendAsync(HttpMethod.Put, $"/api/advice/appointments/{id}/outcome", new
                {
                    held, consent = held, outcomes = outcomes.Select(o => new { kind = o.Kind, count = o.Count }).ToArray(),
                }, resource: null);
            }
        }

        private async Task<(Guid Id, DateTimeOffset Start)> AppointmentAsync(DateOnly day, string time, Guid? newcomer, Guid? person)
        {
            // Bookings may not know the cooperative as active yet (it learns through the outbox): then a 409, so ask again.
            var appointment = await RetriedAsync($"/api/advice/hours/{_hoursId}/appointments",
                new { start = At(day, time), newcomerId = newcomer, personId = person }, HttpStatusCode.Conflict);
            Bookings++;
            return (appointment.GetProperty("id").GetGuid(), appointment.GetProperty("start").GetDateTimeOffset());
        }

        /// <summary>
        /// The rural pilot: the space's operating cooperative, for which trial users act; Tarek (founder) whose trial became a
        /// flexible-desk plan this month, Lena (freelancer) on a running trial; a company paying its employee Jan's plan; their
        /// survey answers; a desk day a week each for four weeks; and the region's grant for the site (not for companies).
        /// </summary>
        public async Task RuralPilotAsync(Guid rural, Guid desks, DateOnly monday, TimeProvider time)
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time.GetUtcNow(), Berlin).DateTime);
            var thisMonth = new DateOnly(today.Year, today.Month, 1);
            var operators = await OrganisationAsync("Coworking Landmitte eG", "cooperative", nonProfit: true);
            var company = await OrganisationAsync("Landtechnik Sommer GmbH", "company", nonProfit: false);

            var tarek = await PilotPersonAsync("Tarek Gründer", "tarek.gruender@example.org", operators);
            await PostAsync($"/api/people/{tarek}/trials", new { kind = "founder", organisationId = operators, from = Day(thisMonth.AddMonths(-1)),
                until = Day(thisMonth.AddMonths(-1).AddDays(59)) }, $"/api/people/{tarek}");
            await PostAsync($"/api/people/{tarek}/trials/convert", new { plan = "flexible-desk", planFrom = Day(thisMonth) }, $"/api/people/{tarek}");
            var lena = await PilotPersonAsync("Lena Landauf", "lena.landauf@example.org", operators);
            await PostAsync($"/api/people/{lena}/trials", new { kind = "freelancer", organisationId = operators, from = Day(today), until = Day(today.AddDays(61)) },
                $"/api/people/{lena}");
            var jan = await CreateAsync("/api/people", new { name = "Jan Sommerfeld", email = "jan.sommerfeld@example.org", phone = (string?)null });
            var janId = jan.GetProperty("id").GetGuid();
            People++;
            await CreateAsync($"/api/organisations/{company}/employee-plans", new { personId = janId, plan = "flexible-desk", validFrom = Day(thisMonth),
                validUntil = Day(thisMonth.AddMonths(6).AddDays(-1)) });

            await SendAsync(HttpMethod.Put, $"/api/people/{tarek}/survey", new { oneWayKm = 28.0m, means = "car", commutingDaysPerWeek = 5,
                needs = "Schnelles Internet und ein Raum für Kundengespräche" }, $"/api/people/{tarek}");
            await SendAsync(HttpMethod.Put, $"/api/people/{lena}/survey", new { oneWayKm = 17.5m, means = "bus", commutingDaysPerWeek = 3 }, $"/api/people/{lena}");
            await SendAsync(HttpMethod.Put, $"/api/people/{janId}/survey", new { oneWayKm = 42.0m, means = "car-pool", commutingDaysPerWeek = 4,
                needs = "Ein fester Platz an zwei Tagen" }, $"/api/people/{janId}");

            for (var week = 0; week < 4; week++)
            {
                var day = monday.AddDays(7 * week);
                await BookingAsync(desks, operators, day, "08:00", "17:00", 1, "Arbeiten im Coworking", "local-economy", tarek);
                await BookingAsync(desks, operators, day.AddDays(1), "09:00", "15:00", 1, "Arbeiten im Coworking", "local-economy", lena);
                await BookingAsync(desks, company, day.AddDays(2), "07:30", "16:30", 1, "Arbeitstag am Wohnort", "local-economy", janId);
            }

            var region = await CreateAsync("/api/funding/funders", new
            {
                name = "Region Landmitte – Amt für Regionalentwicklung", kind = "public-authority",
                contact = new { office = "Regionalmanagement", email = "region@landmitte.example" }, reportingPeriod = "quarterly",
            });
            await CreateAsync("/api/funding/grants", new
            {
                funderId = region.GetProperty("id").GetGuid(), name = "Coworking-Pilot Landmitte", reference = "REG-COWORK-01",
                budgetCents = 2_000_000, startsOn = Day(thisMonth.AddMonths(-1)), endsOn = Day(thisMonth.AddYears(2).AddDays(-1)), priority = 5,
                coverage = new
                {
                    siteIds = new[] { rural }, organisationKinds = new[] { "initiative", "association", "social-enterprise", "cooperative", "public-body" },
                    costTypes = new[] { "room-hours" },
                },
            });
        }

        private async Task<Guid> PilotPersonAsync(string name, string email, Guid organisation)
        {
            var person = await CreateAsync("/api/people", new { name, email, phone = (string?)null });
            var id = person.GetProperty("id").GetGuid();
            await PostAsync($"/api/people/{id}/organisations", new { organisationId = organisation, role = "member" }, $"/api/people/{id}");
            People++;
            return id;
        }

        private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        private async Task<JsonElement> RetriedAsync(string path, object body, HttpStatusCode notYet)
        {
            for (var attempt = 1; ; attempt++)
            {
                using var response = await admin.PostAsJsonAsync(path, body, ct);
                if (response.StatusCode != notYet || attempt == 40)
                {
                    await EnsureAsync(response);
                    return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
            }
        }

        public async Task<string> MemberKeyAsync(Guid person, string name)
        {
            var issued = await CreateAsync("/api/access/keys", new { name, role = "member", personId = person });
            return issued.GetProperty("key").GetString()!;
        }

        /// <summary>Posts with the If-Match of the resource's current version.</summary>
        public Task PostAsync(string path, object body, string resource) => SendAsync(HttpMethod.Post, path, body, resource);

        /// <summary>Sends with the If-Match of <paramref name="resource"/>'s current version, or none where the API asks for none.</summary>
        private async Task SendAsync(HttpMethod method, string path, object body, string? resource)
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            if (resource is not null)
            {
                using var current = await admin.GetAsync(resource, ct);
                await EnsureAsync(current);
                request.Headers.IfMatch.Add(new EntityTagHeaderValue(current.Headers.ETag!.Tag));
            }
            using var response = await admin.SendAsync(request, ct);
            await EnsureAsync(response);
        }

        private async Task<JsonElement> CreateAsync(string path, object body)
        {
            using var response = await admin.PostAsJsonAsync(path, body, ct);
            await EnsureAsync(response);
            return await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        }

        private async Task EnsureAsync(HttpResponseMessage response)
        {
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException(
                    $"Demo data: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
    }
}
