using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Bookings;
using Allmende.Bookings.Bookings;
using Allmende.Eventing;
using Allmende.Eventing.Streams;
using Allmende.Funding;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Allmende.Bench;

/// <summary>
/// `reports` (issue 7): one year of activity generated through the real host (structure and bookings
/// over its API, Funding's costs and allocations by its own message handlers, report tables, knowledge
/// horizon and audit chain by its projections); the lifecycle steps that need the year's time to pass
/// (check-in and completion, no-shows, late cancellations) appended with Bookings' own decisions and
/// writes. Then p50/p99/max of every report endpoint over HTTP, the chain verification rate, and
/// pgbench running the main query of two reports on the same database.
/// </summary>
internal sealed class ReportsBenchmark(ReportsBenchmark.Settings settings)
{
    internal sealed record Settings(string? Connection, int Year, double Density, int Clients, int Requests, int Warmup, int Writers, string? HostDll,
        TimeSpan PgbenchDuration);

    public static Command Command(CommonOptions common)
    {
        var year = new Option<int>("--year") { Description = "The year of activity (must lie in the future: the API refuses bookings in the past).", DefaultValueFactory = _ => DateTime.UtcNow.Year + 1 };
        var density = new Option<double>("--density")
        {
            Description = "Probability (0..1) that a bookable slot of the day is booked (rooms and halls: 7 two-hour slots a day; flexible-desk areas: 3 × 3 bookings). 0.45 gives about 100,000 bookings and 1,000,000 events.",
            DefaultValueFactory = _ => 0.45,
        };
        var clients = new Option<int>("--clients") { Description = "Concurrent keep-alive HTTP clients while measuring the reports.", DefaultValueFactory = _ => 4 };
        var requests = new Option<int>("--requests") { Description = "Measured requests per report variant (after the warm-up).", DefaultValueFactory = _ => 200 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up requests per report variant (not measured).", DefaultValueFactory = _ => 20 };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers while generating (HTTP requests in flight; lifecycle units of work).", DefaultValueFactory = _ => 16 };
        var hostDll = new Option<string?>("--host-dll") { Description = "The host to run (default: src/Host/bin/<this configuration>/net10.0/Allmende.Host.dll)." };
        var pgbench = new Option<int>("--pgbench-duration") { Description = "Seconds per pgbench baseline query.", DefaultValueFactory = _ => 10 };
        var command = new Command("reports", "One year of activity (~1,000,000 events), then p50/p99/max of every report endpoint, the chain verification rate, and pgbench on two reports' main queries (issue 7).")
        {
            year, density, clients, requests, warmup, writers, hostDll, pgbench,
        };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(parse.GetValue(common.Connection), parse.GetValue(year), Math.Clamp(parse.GetValue(density), 0.01, 1),
                Math.Max(1, parse.GetValue(clients)), Math.Max(10, parse.GetValue(requests)), Math.Max(0, parse.GetValue(warmup)),
                Math.Max(1, parse.GetValue(writers)), parse.GetValue(hostDll), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(pgbench))));
            Console.Out.Write(await new ReportsBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly string[] ActionFields =
    [
        "housing-and-living-environment", "social-activities-and-infrastructure", "living-together", "school-and-education", "local-economy",
        "neighbourhood-culture", "sport-and-leisure", "health-promotion", "environment-and-transport", "image-and-public-relations",
    ];

    private static readonly string[] AllCostTypes = ["room-hours", "event-hall-hours", "desk-fees"];

    private static readonly string[] OrganisationKinds = ["initiative", "association", "social-enterprise", "cooperative", "company", "public-body"];

    internal sealed record Phase(string What, string Count, TimeSpan Elapsed);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        var dll = settings.HostDll ?? HostProcess.DefaultDll(BenchDatabase.RepositoryRoot());
        BenchDatabase.Log($"starting the host {dll} ...");
        await using var host = await HostProcess.StartAsync(dll, database.ConnectionString, new Dictionary<string, string>(), ct);
        BenchDatabase.Log($"  host ready on {host.Address} (pid {host.Pid})");
        var facts = (await database.DescribeAsync(ct)).ToList();
        var (world, booked, asOf, phases, contents) = await GenerateYearAsync(database, host, ct);

        var variants = Variants(world, booked, asOf);
        var results = new List<(Variant Variant, Measured Result)>();
        var clients = Enumerable.Range(0, settings.Clients).Select(_ => Http(host, 1)).ToArray();
        try
        {
            foreach (var variant in variants)
            {
                await database.WaitForQuietAsync(TimeSpan.FromSeconds(3), ct);
                BenchDatabase.Log($"measuring {variant.Endpoint} {variant.Name} ...");
                var measured = await MeasureAsync(clients, variant, ct);
                BenchDatabase.Log($"  p50 {measured.Latencies.Format(50)}, p99 {measured.Latencies.Format(99)}, max {measured.Latencies.Format(100)}");
                results.Add((variant, measured));
            }
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
        }

        BenchDatabase.Log("verifying the chain (GET /api/audit/verify) ...");
        var verify = await VerifyAsync(host, ct);
        BenchDatabase.Log($"  {verify.Events:#,0} events in {verify.Elapsed.TotalSeconds:0.0} s");

        var baselines = new List<(string Name, string Query, PgbenchResult Result)>();
        foreach (var (name, query) in PgbenchQueries(world, settings.Year))
        {
            await database.WaitForQuietAsync(TimeSpan.FromSeconds(3), ct);
            BenchDatabase.Log($"pgbench: {name} ...");
            baselines.Add((name, query, await database.PgbenchAsync(query + ";\n", settings.Clients, settings.PgbenchDuration, null, ct, "prepared")));
        }

        facts.Add(("Host", $"src/Host ({HostProcess.Configuration}) as a child process: `dotnet Allmende.Host.dll`, ASPNETCORE_ENVIRONMENT=Production, Kestrel on {host.Address} (HTTP/1.1)"));
        facts.Add(("Run time of the verb", $"{total.Elapsed.TotalSeconds:0} s"));
        BenchDatabase.Log($"done in {total.Elapsed.TotalSeconds:0} s");
        return Report(facts, world, phases, contents, results, verify, baselines);
    }

    /// <summary>The year, generated through the host (also the page benchmark's data, `pages`).</summary>
    internal sealed record GeneratedYear(World World, List<Booked> Booked, DateTimeOffset AsOf, List<Phase> Phases, Contents Contents);

    internal async Task<GeneratedYear> GenerateYearAsync(BenchDatabase database, HostProcess host, CancellationToken ct)
    {
        var phases = new List<Phase>();
        using var http = Http(host, settings.Writers);
        var clock = Stopwatch.StartNew();
        var world = await SeedAsync(database, http, ct);
        phases.Add(new("Structure through the API (sites, spaces, organisations, members, funders, grants, desk assignments), until Bookings and Funding know it",
            $"{world.Requests:#,0} requests", clock.Elapsed));

        var plan = Plan(world);
        clock.Restart();
        var booked = await BookAsync(http, plan, ct);
        phases.Add(new($"Bookings through the API (`POST /api/bookings`, {settings.Writers} in flight; `POST …/cancel` in time for {Markdown.Percent(CancelShare)})",
            $"{booked.Count:#,0} bookings", clock.Elapsed));
        var asOf = await database.ScalarAsync<DateTime>("select now()", ct);

        clock.Restart();
        var lifecycle = await RunLifecycleAsync(database, booked, ct);
        phases.Add(new("Lifecycle with Bookings' own decisions and writes (check-in + completion, no-show, late cancellation), in the bench process", $"{lifecycle:#,0} units of work", clock.Elapsed));

        clock.Restart();
        await WaitForCatchUpAsync(database, ct);
        phases.Add(new("Until the host caught up: Funding's deliveries (costs, allocations), knowledge horizon, audit chain", "", clock.Elapsed));
        clock.Restart();
        await database.SettleAsync(ct);
        phases.Add(new("`vacuum (analyze)` and `checkpoint`", "", clock.Elapsed));
        var contents = await ContentsAsync(database, ct);
        BenchDatabase.Log($"  {contents.Events:#,0} events in marten.mt_events");

        return new GeneratedYear(world, booked, new DateTimeOffset(DateTime.SpecifyKind(asOf, DateTimeKind.Utc)), phases, contents);
    }

    internal static HttpClient Http(HostProcess host, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        var client = new HttpClient(handler) { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Add("X-Api-Key", host.AdminKey);
        return client;
    }

    // ---- the structure, through the API ----

    internal sealed record SpaceInfo(Guid Id, Guid SiteId, string Kind);

    internal sealed record World(IReadOnlyList<Guid> Sites, IReadOnlyList<SpaceInfo> Spaces, IReadOnlyList<Guid> Organisations, IReadOnlyList<Guid> Grants,
        int Funders, int Members, int DeskAssignments, int Requests)
    {
        public IReadOnlyList<Guid> FunderIds { get; init; } = [];

        /// <summary>Each member person with the organisation they belong to (every second organisation has one).</summary>
        public IReadOnlyList<(Guid Person, Guid Organisation)> MemberPeople { get; init; } = [];
    }

    private async Task<World> SeedAsync(BenchDatabase database, HttpClient admin, CancellationToken ct)
    {
        BenchDatabase.Log("seeding 5 sites, 100 spaces, 200 organisations and their members, 4 funders with 12 grants through the API ...");
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct };
        var requests = 0;
        async Task<(Guid Id, string ETag)> Create(string path, object body, string? ifMatch, CancellationToken token)
        {
            Interlocked.Increment(ref requests);
            return await BookingsBenchmark.CreateAsync(admin, path, body, ifMatch, token);
        }

        // Open 08:00–22:00 every day: occupancy is measured against opening hours.
        object[] hours = [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }
            .Select(day => new { day, opens = "08:00", closes = "22:00" })];
        var sites = new Guid[5];
        await Parallel.ForAsync(0, sites.Length, parallel, async (i, token) =>
            sites[i] = (await Create("/api/sites", new
            {
                name = $"Nachbarschaftshaus {i + 1}",
                address = new { street = $"Werkstattweg {i + 1}", postalCode = "04277", city = "Leipzig" },
                openingHours = hours,
            }, null, token)).Id);

        // 20 per site: 10 rooms, 2 event halls, 4 fixed desks, 4 flexible-desk areas of 10 places.
        var spaces = new SpaceInfo[100];
        await Parallel.ForAsync(0, spaces.Length, parallel, async (i, token) =>
        {
            var site = sites[i / 20];
            var n = i % 20;
            var (kind, capacity, places, hourly, monthly) = n switch
            {
                < 10 => ("room", 20, (int?)null, 1_200L + 100 * n, 0L),
                < 12 => ("event-hall", 100, null, 4_500L, 0L),
                < 16 => ("fixed-desk", 1, null, 0L, 18_000L),
                _ => ("flexible-desk-area", 10, 10, 250L, 9_000L),
            };
            var (id, _) = await Create("/api/spaces", new
            {
                siteId = site,
                name = $"{kind} {n + 1}",
                kind,
                capacity,
                places,
                rates = new { hourlyRateCents = hourly, monthlyDeskFeeCents = monthly },
                rules = new { leadTimeMinutes = 0, approvalRequired = false },
            }, null, token);
            spaces[i] = new SpaceInfo(id, site, kind);
        });

        var organisations = new Guid[200];
        var members = 0;
        var memberPeople = new ConcurrentBag<(Guid, Guid)>();
        await Parallel.ForAsync(0, organisations.Length, parallel, async (i, token) =>
        {
            var kind = OrganisationKinds[i % OrganisationKinds.Length];
            var (id, etag) = await Create("/api/organisations", new
            {
                name = $"{kind} {i + 1}",
                kind,
                nonProfit = kind != "company",
                address = new { street = "Musterweg 1", postalCode = "12345", city = "Musterstadt" },
                contact = new { email = $"kontakt{i + 1}@example.org", phone = "+49 30 1234567" },
            }, null, token);
            await Create($"/api/organisations/{id}/activate", new { }, etag, token);
            // A member for every second organisation: people are part of the world, bookings are made by staff.
            if (i % 2 == 0)
            {
                var (person, personTag) = await Create("/api/people", new { name = $"Mitglied {i + 1}", email = $"mitglied{i + 1}@bench.example", phone = (string?)null }, null, token);
                await Create($"/api/people/{person}/organisations", new { organisationId = id, role = "member" }, personTag, token);
                Interlocked.Increment(ref members);
                memberPeople.Add((person, id));
            }
            organisations[i] = id;
        });

        // Funders with several grants each, with overlapping coverage, shares below 100 % and priorities,
        // so that a booking's cost is split over grants and the organisation's own share.
        string[] funderKinds = ["public-authority", "programme", "foundation", "business-sponsor"];
        var funders = new Guid[funderKinds.Length];
        await Parallel.ForAsync(0, funders.Length, parallel, async (f, token) =>
            funders[f] = (await Create("/api/funding/funders", new
            {
                name = $"Fördergeber {f + 1}",
                kind = funderKinds[f],
                contact = new { office = "Referat Engagement", email = $"foerderung{f + 1}@example.org", phone = "+49 341 123456" },
                reportingPeriod = "quarterly",
            }, null, token)).Id);
        // Per quarter three grants from three different funders (each funder three grants in the year): two
        // sites' room and hall hours at 50 %, non-profit initiatives and associations anywhere at 70 %, one
        // site at 100 % with a monthly cap per organisation. Quarterly grants keep Funding's work per cost
        // small: it loads every grant open on the cost's date (see docs/benchmarks.md).
        var grantSpecs = new List<object>();
        for (var q = 0; q < 4; q++)
        {
            var (starts, ends) = (new DateOnly(settings.Year, 3 * q + 1, 1), new DateOnly(settings.Year, 3 * q + 1, 1).AddMonths(3).AddDays(-1));
            grantSpecs.Add(Grant(funders[q % 4], $"Standortförderung Q{q + 1}", 10, 5_000, null, starts, ends,
                new { siteIds = new[] { sites[q % 5], sites[(q + 1) % 5] }, costTypes = new[] { "room-hours", "event-hall-hours" } }));
            grantSpecs.Add(Grant(funders[(q + 1) % 4], $"Engagementprogramm Q{q + 1}", 20, 7_000, null, starts, ends,
                new { organisationKinds = new[] { "initiative", "association" }, nonProfitOnly = true, costTypes = AllCostTypes }));
            grantSpecs.Add(Grant(funders[(q + 2) % 4], $"Hausfonds Q{q + 1}", 30, 10_000, 20_000L, starts, ends,
                new { siteIds = new[] { sites[(q + 2) % 5] }, costTypes = AllCostTypes }));
        }
        var grants = new Guid[grantSpecs.Count];
        await Parallel.ForAsync(0, grants.Length, parallel, async (g, token) => grants[g] = (await Create("/api/funding/grants", grantSpecs[g], null, token)).Id);

        // Bookings and Funding keep their own copies, filled by outbox deliveries: wait until they have all of it.
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var known = await database.ScalarAsync<long>("""
                select (select count(*) from bookings.spaces s join bookings.sites using (site_id) where s.bookable)
                     + (select count(*) from bookings.organisations where status = 'active' and kind is not null)
                     + (select count(*) from funding.spaces) + (select count(*) from funding.organisations)
                """, ct);
            if (known >= 2 * (spaces.Length + organisations.Length))
                break;
            if (waited.Elapsed > TimeSpan.FromSeconds(180))
                throw new TimeoutException($"Bookings and Funding did not hear of the seeded data within 180 s ({known}).");
            await Task.Delay(250, ct);
        }
        // Fixed desks: a year's assignment each for some organisations (once Bookings knows them active).
        var desks = spaces.Where(s => s.Kind == "fixed-desk").ToList();
        await Parallel.ForAsync(0, desks.Count, parallel, async (d, token) =>
            await Create("/api/bookings/desk-assignments", new
            {
                spaceId = desks[d].Id,
                organisationId = organisations[(d * 7) % organisations.Length],
                personId = (Guid?)null,
                from = $"{settings.Year}-01-01",
                until = $"{settings.Year}-12-31",
            }, null, token));

        return new World(sites, spaces, organisations, grants, funders.Length, members, desks.Count, requests)
        {
            FunderIds = funders,
            MemberPeople = [.. memberPeople.OrderBy(m => m.Item2)],
        };

        object Grant(Guid funder, string name, int priority, int share, long? cap, DateOnly starts, DateOnly ends, object coverage) => new
        {
            funderId = funder,
            name,
            reference = $"AZ-{settings.Year}-{name}",
            budgetCents = 20_000_000L,
            startsOn = starts.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            endsOn = ends.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            coverage,
            shareBasisPoints = share,
            priority,
            capPerOrganisationMonthCents = cap,
        };
    }

    // ---- the year's bookings ----

    internal enum Fate { Completed, NoShow, LateCancelled, Cancelled, Confirmed }

    private const double CancelShare = 0.06;

    internal sealed record PlannedBooking(SpaceInfo Space, Guid Organisation, DateTimeOffset Start, DateTimeOffset End, int Attendees, string ActionField, Fate Fate);

    internal sealed record Booked(Guid Id, PlannedBooking Plan);

    /// <summary>
    /// The year's bookings, fixed by a seed: rooms and halls in two-hour slots 08:00–22:00 Berlin time,
    /// flexible-desk areas in morning, afternoon and evening slots of up to three bookings of 1–3 places
    /// (never more than the 10 places). Fates: 80 % completed, 6 % cancelled in time, 4 % late, 5 %
    /// no-shows, 5 % left confirmed.
    /// </summary>
    private List<PlannedBooking> Plan(World world)
    {
        var random = new Random(7);
        var plan = new List<PlannedBooking>();
        for (var day = new DateOnly(settings.Year, 1, 1); day.Year == settings.Year; day = day.AddDays(1))
        {
            foreach (var space in world.Spaces)
            {
                switch (space.Kind)
                {
                    case "room" or "event-hall":
                        for (var hour = 8; hour < 22; hour += 2)
                        {
                            if (random.NextDouble() < settings.Density)
                            {
                                var attendees = space.Kind == "room" ? random.Next(3, 21) : random.Next(20, 101);
                                plan.Add(Booking(space, day, hour, hour + 2, attendees));
                            }
                        }
                        break;
                    case "flexible-desk-area":
                        foreach (var (from, to) in new[] { (8, 13), (13, 18), (18, 22) })
                        {
                            for (var k = 0; k < 3; k++)
                            {
                                if (random.NextDouble() < settings.Density)
                                    plan.Add(Booking(space, day, from, to, random.Next(1, 4)));
                            }
                        }
                        break;
                }
            }
        }
        return plan;

        PlannedBooking Booking(SpaceInfo space, DateOnly day, int from, int to, int attendees)
        {
            var fate = random.NextDouble() switch
            {
                < CancelShare => Fate.Cancelled,
                < 0.10 => Fate.LateCancelled,
                < 0.15 => Fate.NoShow,
                < 0.20 => Fate.Confirmed,
                _ => Fate.Completed,
            };
            return new PlannedBooking(space, world.Organisations[random.Next(world.Organisations.Count)], Local(day, from), Local(day, to), attendees,
                ActionFields[random.Next(ActionFields.Length)], fate);
        }
    }

    private static DateTimeOffset Local(DateOnly day, int hour)
    {
        var local = day.ToDateTime(new TimeOnly(hour, 0));
        return new DateTimeOffset(local, Berlin.GetUtcOffset(local)).ToUniversalTime();
    }

    private async Task<List<Booked>> BookAsync(HttpClient admin, List<PlannedBooking> plan, CancellationToken ct)
    {
        BenchDatabase.Log($"booking {plan.Count:#,0} bookings of {settings.Year} through the API ({settings.Writers} in flight) ...");
        var booked = new ConcurrentBag<Booked>();
        var done = 0;
        var progress = Stopwatch.StartNew();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = settings.Writers, CancellationToken = ct }, async (b, token) =>
        {
            var (id, etag) = await BookingsBenchmark.CreateAsync(admin, "/api/bookings", new
            {
                spaceId = b.Space.Id,
                organisationId = b.Organisation,
                start = b.Start.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                end = b.End.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                attendees = b.Attendees,
                purpose = "Treffen",
                actionField = b.ActionField,
            }, null, token);
            if (b.Fate == Fate.Cancelled)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/bookings/{id}/cancel") { Content = JsonContent.Create(new { reason = "Termin entfällt" }) };
                request.Headers.IfMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Parse(etag));
                using var response = await admin.SendAsync(request, token);
                await BookingsBenchmark.EnsureAsync(response, token);
            }
            booked.Add(new Booked(id, b));
            var n = Interlocked.Increment(ref done);
            if (n % 10_000 == 0)
                BenchDatabase.Log($"  {n:#,0} of {plan.Count:#,0} ({n / progress.Elapsed.TotalSeconds:0}/s)");
        });
        return [.. booked];
    }

    // ---- the lifecycle the year's time would bring ----

    /// <summary>
    /// Check-in and completion, no-shows and late cancellations need the booking's time to have come,
    /// which a future year's bookings cannot wait for. They are decided here with Bookings' own pure
    /// decisions at the instant they would happen (<see cref="Attendance"/>, <see cref="CancelBooking"/>),
    /// and written as Bookings writes them: appended at the version loaded, with its inline projections and
    /// the contracts and messages of <see cref="BookingWrites.Stage"/> in the same transaction, so that the
    /// host's Funding settles or reverses the costs through its own deliveries. Recorded now (the store's
    /// clock): the log says when it was learnt, the events when it happened.
    /// </summary>
    private async Task<int> RunLifecycleAsync(BenchDatabase database, List<Booked> booked, CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        // Delivery and projections off: the host does that; this process only writes, routed to the same handlers.
        services.AddEventing(database.ConnectionString, o =>
        {
            o.RunProjections = false;
            o.RunDelivery = false;
        });
        services.AddBookings().AddFunding();
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<EventStore>();
        var policy = provider.GetRequiredService<IOptions<BookingsOptions>>().Value.ToPolicy();

        var work = booked.Where(b => b.Plan.Fate is Fate.Completed or Fate.NoShow or Fate.LateCancelled).ToList();
        BenchDatabase.Log($"lifecycle of {work.Count:#,0} bookings (completed, no-shows, late cancellations) ...");
        var done = 0;
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Min(settings.Writers, 8), CancellationToken = ct }, async (b, token) =>
        {
            var current = await store.LoadAsync<Booking>(Booking.StreamId(b.Id), ct: token)
                          ?? throw new InvalidOperationException($"booking {b.Id} not found");
            var state = current.State;
            IReadOnlyList<object> events = b.Plan.Fate switch
            {
                Fate.Completed => Completed(state),
                Fate.NoShow => Attendance.MarkNoShow(state, state.Start, state.Start + policy.NoShowReleaseDelay),
                _ => CancelBooking.Decide(state, "kurzfristig abgesagt", policy, state.Start - TimeSpan.FromHours(3)),
            };
            var uow = store.Begin(new EventMetadata("staff:reports-bench"));
            uow.Append(current.StreamId, current.Version, events);
            BookingWrites.Stage(uow, state, events, policy);
            await BookingWrites.CommitAsync(uow, token);
            var n = Interlocked.Increment(ref done);
            if (n % 20_000 == 0)
                BenchDatabase.Log($"  {n:#,0} of {work.Count:#,0}");
        });
        return done;

        IReadOnlyList<object> Completed(Booking state)
        {
            var checkedIn = Attendance.CheckIn(state, policy, state.Start + TimeSpan.FromMinutes(5));
            return [.. checkedIn, .. Attendance.Complete(state.Fold(checkedIn), state.End)];
        }
    }

    /// <summary>Until every delivery due now is done and every async projection has reached the end of the log.</summary>
    private static async Task WaitForCatchUpAsync(BenchDatabase database, CancellationToken ct)
    {
        BenchDatabase.Log("waiting for the host's deliveries and async projections ...");
        var waited = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        while (true)
        {
            await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(ct);
            await using var command = new Npgsql.NpgsqlCommand("""
                select (select count(*) from wolverine.wolverine_incoming_envelopes
                        where status = 'Incoming' or (status = 'Scheduled' and execution_time <= now())),
                       (select count(*) from wolverine.wolverine_dead_letters where archived_at is null),
                       coalesce((select max(seq_id) from marten.mt_events), 0),
                       coalesce((select min(position) from eventing.projection_checkpoints), 0)
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            var (pending, dead, last, slowest) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            if (dead > 0)
            {
                var error = await database.ScalarAsync<string>(
                    "select received_at || ': ' || coalesce(exception_message, '') from wolverine.wolverine_dead_letters where archived_at is null limit 1", ct);
                throw new InvalidOperationException($"{dead} deliveries died; the first: {error}");
            }
            if (pending == 0 && slowest >= last)
            {
                BenchDatabase.Log($"  caught up at seq {last:#,0} after {waited.Elapsed.TotalSeconds:0} s");
                return;
            }
            if (waited.Elapsed - lastLog > TimeSpan.FromSeconds(15))
            {
                lastLog = waited.Elapsed;
                BenchDatabase.Log($"  {pending:#,0} deliveries due, projections at {slowest:#,0} of {last:#,0}");
            }
            if (waited.Elapsed > TimeSpan.FromMinutes(45))
                throw new TimeoutException($"The host did not catch up within 45 minutes ({pending} deliveries due, projections at {slowest} of {last}).");
            await Task.Delay(1000, ct);
        }
    }

    internal sealed record Contents(long Events, IReadOnlyList<(string Module, long Events)> ByModule, IReadOnlyList<(string Status, long Bookings)> ByStatus,
        long Allocations, long ReportBookings, long ReportAllocations, long Chain, string Size);

    private static async Task<Contents> ContentsAsync(BenchDatabase database, CancellationToken ct)
    {
        await using var connection = new Npgsql.NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        async Task<List<(string, long)>> Rows(string sql)
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<(string, long)>();
            while (await reader.ReadAsync(ct))
                rows.Add((reader.GetString(0), reader.GetInt64(1)));
            return rows;
        }
        var byModule = await Rows("select split_part(type, '.', 1), count(*) from marten.mt_events group by 1 order by 2 desc");
        var byStatus = await Rows("select status, count(*) from bookings.bookings group by 1 order by 2 desc");
        var counts = await Rows("""
            select 'allocations', count(*) from funding.allocations
            union all select 'report_bookings', count(*) from bookings.report_bookings
            union all select 'report_allocations', count(*) from funding.report_allocations
            union all select 'chain', count(*) from eventing.audit_chain
            """);
        var size = await database.ScalarAsync<string>("select pg_size_pretty(pg_database_size(current_database()))", ct);
        // By name: the order of a union's rows is not guaranteed.
        long Count(string name) => counts.Single(c => c.Item1 == name).Item2;
        return new Contents(byModule.Sum(r => r.Item2), byModule, byStatus, Count("allocations"), Count("report_bookings"), Count("report_allocations"),
            Count("chain"), size);
    }

    // ---- the reports, measured ----

    private sealed record Variant(string Endpoint, string Name, Func<Random, string> Path);

    private List<Variant> Variants(World world, List<Booked> booked, DateTimeOffset asOf)
    {
        var y = settings.Year;
        var stamp = Uri.EscapeDataString(asOf.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture));
        string Site(Random r) => world.Sites[r.Next(world.Sites.Count)].ToString();
        string Grant(Random r) => world.Grants[r.Next(world.Grants.Count)].ToString();
        string Organisation(Random r) => world.Organisations[r.Next(world.Organisations.Count)].ToString();
        var ids = booked.Select(b => b.Id).ToArray();
        const string occupancy = "GET /api/reports/occupancy";
        const string grant = "GET /api/funding/reports/grants/{id}";
        const string organisation = "GET /api/funding/reports/organisations/{id}";
        return
        [
            new(occupancy, "a week by day", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-06-07&to={y}-06-13&by=day"),
            new(occupancy, "a month by day", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-06-01&to={y}-06-30&by=day"),
            new(occupancy, "a quarter by week", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-04-01&to={y}-06-30&by=week"),
            new(occupancy, "the year by month", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-01-01&to={y}-12-31&by=month"),
            new(occupancy, "the year by month, CSV", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-01-01&to={y}-12-31&by=month&format=csv"),
            new(occupancy, "the year by hour of day", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-01-01&to={y}-12-31&by=hour-of-day"),
            new(occupancy, "the year by weekday", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-01-01&to={y}-12-31&by=weekday"),
            new(occupancy, "the year by month, asOf (before the lifecycle)", r => $"/api/reports/occupancy?siteId={Site(r)}&from={y}-01-01&to={y}-12-31&by=month&asOf={stamp}"),
            new(grant, "a quarter, JSON (a second-quarter grant)", r => $"/api/funding/reports/grants/{world.Grants[3 + r.Next(3)]}?period=quarter&from={y}-04-01"),
            new(grant, "the year, JSON", r => $"/api/funding/reports/grants/{Grant(r)}?period=year&from={y}-01-01"),
            new(grant, "the year, CSV", r => $"/api/funding/reports/grants/{Grant(r)}?period=year&from={y}-01-01&format=csv"),
            new(grant, "the year, HTML", r => $"/api/funding/reports/grants/{Grant(r)}?period=year&from={y}-01-01&format=html"),
            new(grant, "the year, asOf (before the lifecycle)", r => $"/api/funding/reports/grants/{Grant(r)}?period=year&from={y}-01-01&asOf={stamp}"),
            new(organisation, "the year, JSON", r => $"/api/funding/reports/organisations/{Organisation(r)}?from={y}-01-01&to={y}-12-31"),
            new(organisation, "the year, CSV", r => $"/api/funding/reports/organisations/{Organisation(r)}?from={y}-01-01&to={y}-12-31&format=csv"),
            new(organisation, "the year, asOf (before the lifecycle)", r => $"/api/funding/reports/organisations/{Organisation(r)}?from={y}-01-01&to={y}-12-31&asOf={stamp}"),
            new("GET /api/bookings/{id}/history", "a random booking", r => $"/api/bookings/{ids[r.Next(ids.Length)]}/history"),
            new("GET /api/funding/statements/{organisationId}", "a month", r => $"/api/funding/statements/{Organisation(r)}?month={y}-06"),
        ];
    }

    private sealed record Measured(Latencies Latencies, double Rate, long Bytes, int Failures, string? FirstFailure);

    /// <summary>Warm-up, then the clients send the variant's requests back to back (each a random site, grant, organisation or booking).</summary>
    private async Task<Measured> MeasureAsync(HttpClient[] clients, Variant variant, CancellationToken ct)
    {
        var failures = 0;
        string? firstFailure = null;
        long bytes = 0;
        var latencies = new ConcurrentBag<double>();
        async Task Run(int count, bool measure)
        {
            var next = -1;
            await Task.WhenAll(clients.Select((client, c) => Task.Run(async () =>
            {
                var random = new Random(variant.Name.GetHashCode(StringComparison.Ordinal) ^ (c * 7919) ^ (measure ? 1 : 2));
                while (Interlocked.Increment(ref next) < count)
                {
                    var path = variant.Path(random);
                    var sent = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead, ct);
                    var body = await response.Content.ReadAsByteArrayAsync(ct);
                    var elapsed = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    if (!measure) continue;
                    latencies.Add(elapsed);
                    Interlocked.Add(ref bytes, body.Length);
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref failures);
                        Interlocked.CompareExchange(ref firstFailure, $"{(int)response.StatusCode} for {path}: {System.Text.Encoding.UTF8.GetString(body)[..Math.Min(300, body.Length)]}", null);
                    }
                }
            }, ct)));
        }
        await Run(settings.Warmup, measure: false);
        var clock = Stopwatch.StartNew();
        await Run(settings.Requests, measure: true);
        var elapsed = clock.Elapsed;
        var result = new Latencies();
        foreach (var l in latencies) result.Add(l);
        return new Measured(result, settings.Requests / elapsed.TotalSeconds, bytes / Math.Max(1, settings.Requests), failures, firstFailure);
    }

    private sealed record Verification(long Events, TimeSpan Elapsed, bool Ok);

    private static async Task<Verification> VerifyAsync(HostProcess host, CancellationToken ct)
    {
        using var client = Http(host, 1);
        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/api/audit/verify", ct);
        await BookingsBenchmark.EnsureAsync(response, ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        var elapsed = clock.Elapsed;
        return new Verification(json.GetProperty("verifiedEvents").GetInt64(), elapsed, json.GetProperty("ok").GetBoolean());
    }

    // ---- pgbench: the reports' main queries, with fixed parameters ----

    /// <summary>
    /// The statements the endpoints run, copied from ReadOccupancy.LoadAsync (the bookings of a site in
    /// the year) and ReadFundingReports.Grant (a grant's allocations in the year), current (the position
    /// long.MaxValue, as the endpoints pass it), with one site's and one grant's ids as literals.
    /// </summary>
    private static IEnumerable<(string Name, string Query)> PgbenchQueries(World world, int year)
    {
        var from = Local(new DateOnly(year, 1, 1), 0).ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture);
        var to = Local(new DateOnly(year + 1, 1, 1), 0).ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture);
        const long current = long.MaxValue;
        yield return ("occupancy, the year: a site's bookings", $"""
            select space_id, lower(during), upper(during), status, whole_space, attendees from bookings.report_bookings b
            where site_id = '{world.Sites[0]}' and during && tstzrange('{from}', '{to}', '[)') and status in ('confirmed', 'checked-in', 'completed', 'no-show')
              and b.known_from_seq <= {current} and (b.known_until_seq is null or b.known_until_seq > {current})
            """);
        yield return ("funder report, the year: a grant's allocations", $"""
            select cost_id, source_kind, cost_type, organisation_id, site_id, space_id, action_field, cost_date, minutes, attendees, desk_days, amount_cents
            from funding.report_allocations a
            where grant_id = '{world.Grants[0]}' and cost_date between '{year}-01-01' and '{year}-12-31'
              and a.known_from_seq <= {current} and (a.known_until_seq is null or a.known_until_seq > {current})
            order by cost_date, cost_id, allocation_id
            """);
    }

    // ---- report ----

    /// <summary>The year's paragraphs: what was generated, how, and what the database holds (the reports and the pages verbs print them alike).</summary>
    internal void DescribeYear(Markdown md, World world, List<Phase> phases, Contents contents)
    {
        md.Line($"**The year {settings.Year}.** {world.Sites.Count} sites open 08:00–22:00 every day; {world.Spaces.Count} spaces " +
                $"({string.Join(", ", world.Spaces.GroupBy(s => s.Kind).Select(g => $"{g.Count()} {g.Key}"))}) with hourly rates and desk fees; " +
                $"{world.Organisations.Count} active organisations of six kinds, {world.Members} members; {world.Funders} funders with {world.Grants.Count} grants " +
                "(quarterly; per quarter three from three funders: two sites' room and hall hours at 50 %, non-profit initiatives and associations anywhere at 70 %, " +
                $"one site at 100 % with a monthly cap per organisation; priorities, so costs split over grants and own shares); {world.DeskAssignments} fixed desks assigned for the year. " +
                "Bookings: rooms and halls in two-hour slots, flexible-desk areas in three daily slots of up to three bookings of 1–3 places, " +
                $"each slot booked with probability {settings.Density.ToString(CultureInfo.InvariantCulture)}; ten action fields; fates 80 % completed, 6 % cancelled in time, " +
                "4 % cancelled late, 5 % no-shows, 5 % left confirmed.")
          .Line();
        md.Line("**Route.** Structure and bookings through the host's API (the year lies in the future: the API refuses bookings in the past). " +
                "Check-in, completion, no-show and late cancellation need the booking's time to have come; the bench decides them with Bookings' own " +
                "functions at the instant they would happen and writes them as Bookings does (append at the version loaded, inline projections, " +
                "contracts and scheduled messages in the same transaction). Everything else the host did itself: Funding's costs, allocations and grant " +
                "charges by its deliveries, the report tables by inline projections, knowledge horizon and audit chain by async projections.")
          .Line();
        md.Table(["Generation", "Count", "Seconds"], phases.Select(p => (IReadOnlyList<string>)[p.What, p.Count, p.Elapsed.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)]), "lrr");
        md.Line($"**{Markdown.Number(contents.Events)} events** in `marten.mt_events` ({string.Join(", ", contents.ByModule.Select(m => $"{m.Module} {Markdown.Number(m.Events)}"))}); " +
                $"bookings by status: {string.Join(", ", contents.ByStatus.Select(s => $"{s.Status} {Markdown.Number(s.Bookings)}"))}; " +
                $"{Markdown.Number(contents.Allocations)} allocations; report rows: {Markdown.Number(contents.ReportBookings)} in `bookings.report_bookings`, " +
                $"{Markdown.Number(contents.ReportAllocations)} in `funding.report_allocations`; {Markdown.Number(contents.Chain)} chain entries; database {contents.Size}.")
          .Line();
    }

    private string Report(List<(string Name, string Value)> facts, World world, List<Phase> phases, Contents contents,
        List<(Variant Variant, Measured Result)> results, Verification verify, List<(string Name, string Query, PgbenchResult Result)> baselines)
    {
        var args = new List<string>();
        if (settings.Year != DateTime.UtcNow.Year + 1) args.Add($"--year {settings.Year}");
        if (Math.Abs(settings.Density - 0.45) > 1e-9) args.Add($"--density {settings.Density.ToString(CultureInfo.InvariantCulture)}");
        if (settings.Clients != 4) args.Add($"--clients {settings.Clients}");
        if (settings.Requests != 200) args.Add($"--requests {settings.Requests}");
        if (settings.Warmup != 20) args.Add($"--warmup {settings.Warmup}");
        if (settings.Writers != 16) args.Add($"--writers {settings.Writers}");
        if (settings.PgbenchDuration != TimeSpan.FromSeconds(10)) args.Add($"--pgbench-duration {settings.PgbenchDuration.TotalSeconds:0}");
        var md = new Markdown()
            .Line("```")
            .Line($"dotnet run -c Release --project bench/Allmende.Bench -- reports{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
            .Line("```")
            .Line()
            .Facts(facts);

        DescribeYear(md, world, phases, contents);

        md.Line($"**Reports over HTTP**: {settings.Clients} keep-alive clients (admin key), per variant {settings.Warmup} warm-up requests, then {settings.Requests} measured, " +
                "each for a random site, grant, organisation or booking; latency from sending the request to having the whole body. asOf: the instant after " +
                "the bookings were made and before the lifecycle was written.")
          .Line();
        md.Table(["Endpoint", "Variant", "p50", "p99", "max", "req/s", "Body", "p99 ≤ 100 ms"], results.Select(r => (IReadOnlyList<string>)
        [
            $"`{r.Variant.Endpoint}`", r.Variant.Name, r.Result.Latencies.Format(50), r.Result.Latencies.Format(99), r.Result.Latencies.Format(100),
            Markdown.Number(r.Result.Rate), $"{r.Result.Bytes / 1024.0:0.0} KiB",
            r.Result.Failures > 0 ? $"{r.Result.Failures} failed" : r.Result.Latencies.Percentile(99) <= 100 ? "yes" : "**no**",
        ]), "llrrrrrl");
        foreach (var failed in results.Where(r => r.Result.FirstFailure is not null))
            md.Line($"- {failed.Variant.Endpoint} {failed.Variant.Name}: {failed.Result.FirstFailure}");

        md.Line($"pgbench baseline: `pgbench -n -M prepared -c {settings.Clients} -j {settings.Clients} -T {settings.PgbenchDuration.TotalSeconds:0}`, one statement per " +
                "transaction: the report's main query as the endpoint runs it (current position, fixed ids), without the endpoint's other reads, " +
                "its computation and serialisation, and HTTP.")
          .Line();
        md.Table(["Query", "tx/s", "p50", "p99", "max", "the endpoint's p50 / p99"], baselines.Select(b =>
        {
            var endpoint = b.Name.StartsWith("occupancy", StringComparison.Ordinal)
                ? results.First(r => r.Variant.Name == "the year by month").Result
                : results.First(r => r.Variant.Endpoint.Contains("grants", StringComparison.Ordinal) && r.Variant.Name == "the year, JSON").Result;
            return (IReadOnlyList<string>)
            [
                b.Name, Markdown.Number(b.Result.Tps), b.Result.Latencies.Format(50), b.Result.Latencies.Format(99), b.Result.Latencies.Format(100),
                $"{endpoint.Latencies.Format(50)} / {endpoint.Latencies.Format(99)}",
            ];
        }), "lrrrrr");

        md.Line($"**Chain verification** (`GET /api/audit/verify`, the whole log, one request): {Markdown.Number(verify.Events)} events in " +
                $"{verify.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s, **{Markdown.Number(verify.Events / verify.Elapsed.TotalSeconds)} events/s**" +
                $"{(verify.Ok ? "" : " — **the chain did not verify**")}.")
          .Line();
        var missed = results.Where(r => r.Result.Failures > 0 || r.Result.Latencies.Percentile(99) > 100).ToList();
        md.Line($"Target: every report p99 at most 100 ms — **{(missed.Count == 0 ? "met" : $"not met by {missed.Count} of {results.Count} variants")}**.");
        return md.ToString();
    }
}
