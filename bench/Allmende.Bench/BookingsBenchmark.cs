using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Allmende.Bench;

/// <summary>
/// `bookings`: booking requests per second through the real host over HTTP (Kestrel on loopback, a
/// child process in Production) at 32 concurrent keep-alive clients, beside pgbench running a
/// booking-shaped transaction on the same server in the same run; then the proof that no slot was
/// booked twice. Most requests book free slots across many spaces and organisations; a share races
/// for the same room and time, where exactly one may win and the others must get 409 slot-taken.
/// </summary>
internal sealed class BookingsBenchmark(BookingsBenchmark.Settings settings)
{
    internal sealed record Settings(
        string? Connection,
        int Clients,
        int Rounds,
        TimeSpan RoundDuration,
        TimeSpan Warmup,
        double ContestedShare,
        int Racers,
        int Sites,
        int Spaces,
        int ContestedSpaces,
        int Organisations,
        string Caller,
        string? HostDll,
        string PgbenchProtocol,
        string[] HostEnvironment,
        int Nice);

    public static Command Command(CommonOptions common)
    {
        var clients = new Option<int>("--clients") { Description = "Concurrent HTTP clients (and pgbench clients).", DefaultValueFactory = _ => 32 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds per contender, taking turns; each is reported by its best round.", DefaultValueFactory = _ => 3 };
        var duration = new Option<int>("--duration") { Description = "Seconds measured per round.", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Seconds of warm-up per contender (not counted in the rates, checked like every request).", DefaultValueFactory = _ => 5 };
        var contested = new Option<double>("--contested")
        {
            Description = "Share of requests (0..1) that race for contested slots (same room, same time).", DefaultValueFactory = _ => 0.08,
        };
        var racers = new Option<int>("--racers") { Description = "Requests per contested slot (one may win).", DefaultValueFactory = _ => 4 };
        var sites = new Option<int>("--sites") { Description = "Sites seeded (always open).", DefaultValueFactory = _ => 4 };
        var spaces = new Option<int>("--spaces") { Description = "Rooms for the free slots, spread over the sites.", DefaultValueFactory = _ => 200 };
        var contestedSpaces = new Option<int>("--contested-spaces") { Description = "Rooms the contested slots are in.", DefaultValueFactory = _ => 8 };
        var organisations = new Option<int>("--organisations") { Description = "Active organisations booking.", DefaultValueFactory = _ => 64 };
        var caller = new Option<string>("--as")
        {
            Description = "Who books: 'member' (each client a member's API key acting for its organisations: the path a member's request runs) or 'admin' (the bootstrap key).",
            DefaultValueFactory = _ => "member",
        };
        caller.AcceptOnlyFromAmong("member", "admin");
        var hostDll = new Option<string?>("--host-dll") { Description = "The host to run (default: src/Host/bin/<this configuration>/net10.0/Allmende.Host.dll)." };
        var protocol = new Option<string>("--pgbench-protocol")
        {
            Description = "pgbench's -M: 'prepared' (default; the host's statements are prepared too), 'extended' or 'simple'.",
            DefaultValueFactory = _ => "prepared",
        };
        protocol.AcceptOnlyFromAmong("prepared", "extended", "simple");
        var hostEnv = new Option<string[]>("--host-env")
        {
            Description = "Extra environment for the host, NAME=VALUE (e.g. DOTNET_PerfMapEnabled=1 to profile it with perf).",
            AllowMultipleArgumentsPerToken = true,
        };
        var nice = new Option<int>("--nice") { Description = "As root: this process, pgbench and the private cluster at this nice value.", DefaultValueFactory = _ => 0 };

        var command = new Command("bookings", "Booking requests per second through HTTP vs. pgbench running a booking-shaped transaction (issue Bookings).")
        {
            clients, rounds, duration, warmup, contested, racers, sites, spaces, contestedSpaces, organisations, caller, hostDll, protocol, hostEnv, nice,
        };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(
                parse.GetValue(common.Connection),
                Math.Max(1, parse.GetValue(clients)),
                Math.Max(1, parse.GetValue(rounds)),
                TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(duration))),
                TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(warmup))),
                Math.Clamp(parse.GetValue(contested), 0, 1),
                Math.Max(2, parse.GetValue(racers)),
                Math.Max(1, parse.GetValue(sites)),
                Math.Max(1, parse.GetValue(spaces)),
                Math.Max(1, parse.GetValue(contestedSpaces)),
                Math.Max(1, parse.GetValue(organisations)),
                parse.GetValue(caller)!,
                parse.GetValue(hostDll),
                parse.GetValue(protocol)!,
                parse.GetValue(hostEnv) ?? [],
                parse.GetValue(nice));
            Console.Out.Write(await new BookingsBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    /// <summary>Far enough ahead that no rule about the past or lead times applies, whole hours in UTC.</summary>
    private static readonly DateTimeOffset FirstSlot = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddDays(30);

    private static readonly TimeSpan SlotLength = TimeSpan.FromHours(1);

    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(5);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        var dll = settings.HostDll ?? HostProcess.DefaultDll(BenchDatabase.RepositoryRoot());
        BenchDatabase.Log($"starting the host {dll} ...");
        await using var host = await HostProcess.StartAsync(dll, database.ConnectionString,
            settings.HostEnvironment.Select(e => e.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : ""), ct);
        BenchDatabase.Log($"  host ready on {host.Address} (pid {host.Pid})");
        await database.RaisePriorityAsync(settings.Nice, ct);
        var facts = (await database.DescribeAsync(ct)).ToList();

        var world = await SeedAsync(database, host, ct);
        await CreatePgbenchTablesAsync(database, ct);

        var contenders = new[] { new Contender(PgbenchName), new Contender(HttpName) };
        var load = new Load(settings, world);
        using var clients = new ClientSet(host, world, settings.Caller == "admin" ? null : world.MemberKeys, settings.Clients);

        BenchDatabase.Log($"warm-up {settings.Warmup.TotalSeconds:0} s each ...");
        await database.SettleAsync(ct);
        await PgbenchRoundAsync(database, host, settings.Warmup, ct);
        await HttpRoundAsync(database, host, clients, load, settings.Warmup, ct);
        for (var round = 1; round <= settings.Rounds; round++)
        {
            BenchDatabase.Log($"round {round} of {settings.Rounds} ({settings.RoundDuration.TotalSeconds:0} s each) ...");
            await database.SettleAsync(ct);
            await database.WaitForQuietAsync(QuietLimit, ct);
            contenders[0].Rounds.Add(await PgbenchRoundAsync(database, host, settings.RoundDuration, ct));
            await database.SettleAsync(ct);
            await database.WaitForQuietAsync(QuietLimit, ct);
            contenders[1].Rounds.Add(await HttpRoundAsync(database, host, clients, load, settings.RoundDuration, ct));
            BenchDatabase.Log($"  pgbench {contenders[0].Rounds[^1].Rate:0} tx/s, http {contenders[1].Rounds[^1].Rate:0} req/s");
        }

        var failures = host.Output.Split('\n').Count(l => l.StartsWith("fail:", StringComparison.Ordinal));
        if (failures > 0)
            BenchDatabase.Log($"the host logged {failures} errors (of the last 64 kB of its output)");
        if (!load.Unexpected.IsEmpty)
        {
            // The answers alone say little (a 500 hides its cause): the host's log has the exception.
            var errors = host.Output.Split('\n').Where(l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).Take(20);
            BenchDatabase.Log("unexpected answers; the host logged:\n" + string.Join('\n', errors));
        }
        BenchDatabase.Log("checking for double bookings ...");
        var check = await CheckAsync(database, load, ct);
        facts.Add(("Host", $"src/Host ({HostProcess.Configuration}) as a child process: `dotnet Allmende.Host.dll`, ASPNETCORE_ENVIRONMENT=Production, Kestrel on {host.Address} (HTTP/1.1), GC {GcMode(dll)}"));
        facts.Add(("Clients", $"{settings.Clients} HttpClients (SocketsHttpHandler, one keep-alive connection each) in the bench process, as {(settings.Caller == "admin" ? "the bootstrap admin key" : $"{world.MemberKeys.Count} members (API keys, `X-Api-Key`)")}"));
        facts.Add(("Load average (1/5/15 min) before / after", $"{loadBefore} / {LoadAverage()}"));
        facts.Add(("Run time of the verb", $"{total.Elapsed.TotalSeconds:0} s"));
        BenchDatabase.Log($"done in {total.Elapsed.TotalSeconds:0} s");
        return Report(facts, world, contenders, load, check);
    }

    // ---- the world: sites, rooms, organisations, members, all through the real API ----

    private sealed record World(IReadOnlyList<Guid> FreeSpaces, IReadOnlyList<Guid> ContestedSpaces, IReadOnlyList<Guid> Organisations,
        IReadOnlyList<string> MemberKeys, IReadOnlyList<IReadOnlyList<Guid>> OrganisationsOf, TimeSpan SeedTime);

    private async Task<World> SeedAsync(BenchDatabase database, HostProcess host, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        BenchDatabase.Log($"seeding {settings.Sites} sites, {settings.Spaces + settings.ContestedSpaces} rooms, {settings.Organisations} organisations, {settings.Clients} members through the API ...");
        using var admin = new HttpClient { BaseAddress = host.Address };
        admin.DefaultRequestHeaders.Add("X-Api-Key", host.AdminKey);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct };
        object[] alwaysOpen = [.. new[] { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday" }
            .Select(day => new { day, opens = "00:00", closes = "24:00" })];

        var sites = new Guid[settings.Sites];
        await Parallel.ForAsync(0, settings.Sites, parallel, async (i, token) =>
            sites[i] = (await CreateAsync(admin, "/api/sites", new
            {
                name = $"Stadtteilhaus {i + 1}",
                address = new { street = $"Werkstattweg {i + 1}", postalCode = "04277", city = "Leipzig" },
                openingHours = alwaysOpen,
            }, null, token)).Id);

        var rooms = new Guid[settings.Spaces + settings.ContestedSpaces];
        await Parallel.ForAsync(0, rooms.Length, parallel, async (i, token) =>
            rooms[i] = (await CreateAsync(admin, "/api/spaces", new
            {
                siteId = sites[i % sites.Length],
                name = $"Raum {i + 1}",
                kind = "room",
                capacity = 20,
                rules = new { leadTimeMinutes = 0, approvalRequired = false },
            }, null, token)).Id);

        var organisations = new Guid[settings.Organisations];
        await Parallel.ForAsync(0, organisations.Length, parallel, async (i, token) =>
        {
            var (id, etag) = await CreateAsync(admin, "/api/organisations", new
            {
                name = $"Initiative {i + 1}",
                kind = "association",
                nonProfit = true,
                address = new { street = "Musterweg 1", postalCode = "12345", city = "Musterstadt" },
                contact = new { email = "kontakt@example.org", phone = "+49 30 1234567" },
            }, null, token);
            await CreateAsync(admin, $"/api/organisations/{id}/activate", new { }, etag, token);
            organisations[i] = id;
        });

        // Member c acts for the organisations j with j % clients == c (and, with fewer organisations
        // than clients, for organisation c % count): every organisation books, and every client has one.
        var organisationsOf = Enumerable.Range(0, settings.Clients).Select(c =>
            (IReadOnlyList<Guid>)organisations.Where((_, j) => j % settings.Clients == c).DefaultIfEmpty(organisations[c % organisations.Length]).ToList()).ToList();
        var keys = new string[settings.Clients];
        if (settings.Caller == "member")
        {
            await Parallel.ForAsync(0, settings.Clients, parallel, async (c, token) =>
            {
                var (person, etag) = await CreateAsync(admin, "/api/people", new { name = $"Bench Mitglied {c + 1}", email = $"mitglied{c + 1}@bench.example", phone = (string?)null }, null, token);
                foreach (var organisation in organisationsOf[c])
                    (_, etag) = await CreateAsync(admin, $"/api/people/{person}/organisations", new { organisationId = organisation, role = "member" }, etag, token);
                using var response = await admin.PostAsJsonAsync("/api/access/keys", new { name = $"bench member {c + 1}", role = "member", personId = person }, token);
                await EnsureAsync(response, token);
                keys[c] = (await response.Content.ReadFromJsonAsync<JsonElement>(token)).GetProperty("key").GetString()!;
            });
        }

        // Bookings and Access keep their own copies, filled by outbox deliveries: wait until they have all of it.
        var actingRows = settings.Caller == "member" ? organisationsOf.Sum(o => o.Count) : 0;
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var known = await database.ScalarAsync<long>($"""
                select (select count(*) from bookings.spaces s join bookings.sites using (site_id) where s.bookable)
                     + (select count(*) from bookings.organisations where status = 'active' and kind is not null)
                     + (select count(*) from access.person_organisations where acting)
                """, ct);
            if (known == rooms.Length + organisations.Length + actingRows)
                break;
            if (waited.Elapsed > TimeSpan.FromSeconds(120))
                throw new TimeoutException($"Bookings and Access did not hear of the seeded data within 120 s ({known} of {rooms.Length + organisations.Length + actingRows}).");
            await Task.Delay(200, ct);
        }
        BenchDatabase.Log($"  seeded in {clock.Elapsed.TotalSeconds:0.0} s");
        return new World(rooms[..settings.Spaces], rooms[settings.Spaces..], organisations,
            settings.Caller == "member" ? keys : [], organisationsOf, clock.Elapsed);
    }

    internal static async Task<(Guid Id, string ETag)> CreateAsync(HttpClient admin, string path, object body, string? ifMatch, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
            request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
        using var response = await admin.SendAsync(request, ct);
        await EnsureAsync(response, ct);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return (json.GetProperty("id").GetGuid(), response.Headers.ETag!.ToString());
    }

    internal static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException(
                $"Seeding: {response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
    }

    // ---- the load: which slot the next request asks for ----

    /// <summary>
    /// Hands out slots. Free slots never overlap (a counter walks the free rooms, then the next hour);
    /// contested slots go to <see cref="Settings.Racers"/> consecutive contested requests each, in rooms
    /// of their own, so that whoever asks next races whoever asked just before.
    /// </summary>
    private sealed class Load(Settings settings, World world)
    {
        private long _free = -1;
        private long _contested = -1;

        public ConcurrentDictionary<long, ContestedSlot> Contested { get; } = new();

        /// <summary>Every answer so far (warm-up included), by kind.</summary>
        public Tally Free { get; } = new();

        public Tally Races { get; } = new();

        public ConcurrentQueue<string> Unexpected { get; } = new();

        public (Guid Space, DateTimeOffset Start, long? Contest) Next(Random random)
        {
            if (random.NextDouble() < settings.ContestedShare)
            {
                var group = Interlocked.Increment(ref _contested) / settings.Racers;
                var rooms = world.ContestedSpaces.Count;
                return (world.ContestedSpaces[(int)(group % rooms)], FirstSlot + SlotLength * (group / rooms), group);
            }
            var n = Interlocked.Increment(ref _free);
            var free = world.FreeSpaces.Count;
            return (world.FreeSpaces[(int)(n % free)], FirstSlot + SlotLength * (n / free), null);
        }
    }

    internal sealed class Tally
    {
        private long _created, _slotTaken, _other;

        public long Created => Interlocked.Read(ref _created);
        public long SlotTaken => Interlocked.Read(ref _slotTaken);
        public long Other => Interlocked.Read(ref _other);

        public void Add(Outcome outcome)
        {
            switch (outcome)
            {
                case Outcome.Created: Interlocked.Increment(ref _created); break;
                case Outcome.SlotTaken: Interlocked.Increment(ref _slotTaken); break;
                default: Interlocked.Increment(ref _other); break;
            }
        }
    }

    internal enum Outcome { Created, SlotTaken, Other }

    /// <summary>The answers one contested slot got, and when each request was in flight.</summary>
    internal sealed class ContestedSlot
    {
        private readonly List<(long Sent, long Answered, Outcome Outcome)> _requests = [];

        public void Add(long sent, long answered, Outcome outcome)
        {
            lock (_requests) _requests.Add((sent, answered, outcome));
        }

        public int Count(Outcome outcome)
        {
            lock (_requests) return _requests.Count(r => r.Outcome == outcome);
        }

        public int Requests
        {
            get { lock (_requests) return _requests.Count; }
        }

        /// <summary>Whether two of its requests were in flight at the same time (a race in the strict sense).</summary>
        public bool Overlapped
        {
            get
            {
                lock (_requests)
                {
                    var byStart = _requests.OrderBy(r => r.Sent).ToList();
                    for (var i = 1; i < byStart.Count; i++)
                        if (byStart.Take(i).Any(earlier => earlier.Answered > byStart[i].Sent)) return true;
                    return false;
                }
            }
        }
    }

    // ---- the HTTP clients ----

    private sealed class ClientSet : IDisposable
    {
        public ClientSet(HostProcess host, World world, IReadOnlyList<string>? memberKeys, int count)
        {
            Clients = Enumerable.Range(0, count).Select(c =>
            {
                var handler = new SocketsHttpHandler
                {
                    MaxConnectionsPerServer = 1,
                    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
                    UseCookies = false,
                    UseProxy = false,
                    AutomaticDecompression = DecompressionMethods.None,
                };
                var http = new HttpClient(handler) { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
                http.DefaultRequestHeaders.Add("X-Api-Key", memberKeys is null ? host.AdminKey : memberKeys[c]);
                return new Client(c, http, world.OrganisationsOf[c]);
            }).ToArray();
        }

        public Client[] Clients { get; }

        public void Dispose()
        {
            foreach (var c in Clients) c.Http.Dispose();
        }
    }

    private sealed class Client(int id, HttpClient http, IReadOnlyList<Guid> organisations)
    {
        public HttpClient Http { get; } = http;
        public Random Random { get; } = new(id + 1);
        public IReadOnlyList<Guid> Organisations { get; } = organisations;
        public int Requests { get; set; }
    }

    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private static ByteArrayContent Body(Guid space, Guid organisation, DateTimeOffset start)
    {
        var json = string.Create(CultureInfo.InvariantCulture,
            $$"""{"spaceId":"{{space}}","organisationId":"{{organisation}}","start":"{{start:yyyy-MM-ddTHH:mm:ssZ}}","end":"{{start + SlotLength:yyyy-MM-ddTHH:mm:ssZ}}","attendees":8,"purpose":"Nachbarschaftscafé","actionField":"neighbourhood-culture"}""");
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = Json;
        return content;
    }

    private sealed record Round(double Rate, double SuccessRate, long Requests, long Created, long SlotTaken, long Other, Latencies Latencies,
        CpuUsage Cpu, double HostSeconds, double ClientSeconds, FollowUp? FollowUp = null);

    /// <summary>
    /// The follow-up work of an HTTP round (Wolverine's due envelopes: Funding's cost, the confirmation mail, ...):
    /// how many still waited when the round's window closed, and how long until none waited. Scheduled ones
    /// (the no-show check) fire later and are not counted.
    /// </summary>
    private sealed record FollowUp(long WaitingAtEnd, double SettledSeconds, long Requests)
    {
        public double Rate => Requests / SettledSeconds;
    }

    private const string DueEnvelopes = "select count(*) from wolverine.wolverine_incoming_envelopes where status = 'Incoming'";

    private sealed class Contender(string name)
    {
        public string Name { get; } = name;
        public List<Round> Rounds { get; } = [];
        public Round Best => Rounds.MaxBy(r => r.Rate)!;
    }

    private const string PgbenchName = "pgbench booking-shaped transaction";
    private const string HttpName = "**POST /api/bookings over HTTP**";

    private static async Task<Round> HttpRoundAsync(BenchDatabase database, HostProcess host, ClientSet set, Load load, TimeSpan duration, CancellationToken ct)
    {
        BenchDatabase.Log($"  HTTP for {duration.TotalSeconds:0} s ...");
        var before = CpuSnapshot.Take(database.PostmasterPid);
        var hostBefore = host.CpuSeconds();
        var clock = Stopwatch.StartNew();
        var perClient = await Task.WhenAll(set.Clients.Select(c => Task.Run(() => RunClientAsync(c, load, clock, duration, ct), ct)));
        var elapsed = clock.Elapsed;
        var cpu = CpuSnapshot.Take(database.PostmasterPid).Since(before);
        var hostSeconds = host.CpuSeconds() - hostBefore;
        // Then until the follow-up work of these requests is done, so that it is charged to them (and not
        // to the next contender's round, which would run beside it).
        var waitingAtEnd = await database.ScalarAsync<long>(DueEnvelopes, ct);
        var waiting = waitingAtEnd;
        while (waiting > 0)
        {
            if (clock.Elapsed - elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"{waiting} envelopes still waited 2 minutes after the HTTP round.");
            await Task.Delay(50, ct);
            waiting = await database.ScalarAsync<long>(DueEnvelopes, ct);
        }
        var settled = waitingAtEnd == 0 ? elapsed : clock.Elapsed;

        var latencies = new Latencies();
        long created = 0, taken = 0, other = 0;
        foreach (var r in perClient)
        {
            latencies.AddRange(r.Latencies);
            created += r.Created;
            taken += r.SlotTaken;
            other += r.Other;
        }
        var requests = created + taken + other;
        return new Round(requests / elapsed.TotalSeconds, created / elapsed.TotalSeconds, requests, created, taken, other, latencies,
            cpu, hostSeconds, cpu.Self, new FollowUp(waitingAtEnd, settled.TotalSeconds, requests));
    }

    private sealed record ClientResult(Latencies Latencies, long Created, long SlotTaken, long Other);

    /// <summary>One client: request after request on its keep-alive connection until the time is up.</summary>
    private static async Task<ClientResult> RunClientAsync(Client client, Load load, Stopwatch clock, TimeSpan duration, CancellationToken ct)
    {
        var latencies = new Latencies();
        long created = 0, taken = 0, other = 0;
        while (clock.Elapsed < duration)
        {
            var (space, start, contest) = load.Next(client.Random);
            var organisation = client.Organisations[client.Requests++ % client.Organisations.Count];
            using var content = Body(space, organisation, start);
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.Http.PostAsync("/api/bookings", content, ct);
            var body = response.StatusCode == HttpStatusCode.Created ? null : await response.Content.ReadAsStringAsync(ct);
            var answered = Stopwatch.GetTimestamp();
            latencies.Add(Stopwatch.GetElapsedTime(sent, answered).TotalMilliseconds);

            var outcome = response.StatusCode switch
            {
                HttpStatusCode.Created => Outcome.Created,
                HttpStatusCode.Conflict when RuleOf(body) == "slot-taken" => Outcome.SlotTaken,
                _ => Outcome.Other,
            };
            switch (outcome)
            {
                case Outcome.Created: created++; break;
                case Outcome.SlotTaken: taken++; break;
                default:
                    other++;
                    if (load.Unexpected.Count < 10)
                        load.Unexpected.Enqueue($"{(int)response.StatusCode} for {(contest is null ? "a free" : "a contested")} slot: {body}");
                    break;
            }
            if (contest is { } group)
            {
                load.Races.Add(outcome);
                load.Contested.GetOrAdd(group, _ => new ContestedSlot()).Add(sent, answered, outcome);
            }
            else
            {
                load.Free.Add(outcome);
            }
        }
        return new ClientResult(latencies, created, taken, other);
    }

    private static string? RuleOf(string? body)
    {
        if (string.IsNullOrEmpty(body)) return null;
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("rule", out var rule) ? rule.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // ---- pgbench ----

    /// <summary>
    /// Tables shaped like the ones a booking writes, in a schema of their own: the slot guard with its
    /// exclusion constraint (LIKE … INCLUDING ALL copies EXCLUDE constraints and indexes), the event
    /// log, the bookings read model and the outbox; no foreign keys.
    /// </summary>
    private static Task CreatePgbenchTablesAsync(BenchDatabase database, CancellationToken ct) => database.ExecuteAsync("""
        create schema benchbook;
        create table benchbook.slots (like bookings.slots including all);
        create table benchbook.events (like marten.mt_events including all);
        create table benchbook.bookings (like bookings.bookings including all);
        -- The shape of our outbox table before Wolverine carried the messages (docs/adr/0015): the baseline's one message insert.
        create table benchbook.outbox (
            message_id uuid primary key, message_type text not null, kind text not null, body jsonb not null,
            correlation_id text, causation_id text, actor text, created_at timestamptz not null, deliver_at timestamptz not null);
        create sequence benchbook.numbers;
        """, ct);

    // One booking: the slot (the overlap check is the exclusion constraint, as in the host), one event,
    // the read model row, one outbox message; in one transaction. Slots never collide: a sequence walks
    // 200 rooms, then the next hour, as the HTTP load's free slots do.
    private const string PgbenchScript = """
        BEGIN;
        insert into benchbook.slots (booking_id, space_id, during, whole_space, places, holds, last_seq)
        select gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad((n % 200)::text, 12, '0'))::uuid,
               tstzrange(timestamptz '2030-01-01 00:00+00' + (n / 200) * interval '1 hour', timestamptz '2030-01-01 00:00+00' + (n / 200 + 1) * interval '1 hour', '[)'),
               true, 1, true, n
        from (select nextval('benchbook.numbers') as n) s
        returning booking_id as id, space_id as space, lower(during) as starts, upper(during) as ends, last_seq as n \gset
        insert into benchbook.events (seq_id, id, stream_id, version, type, data, timestamp, correlation_id, causation_id, user_name)
        values (:n::bigint, gen_random_uuid(), 'booking-' || :id::text, 1, 'bookings.booking.requested',
                jsonb_build_object('bookingId', :id::text, 'spaceId', :space::text, 'siteId', :space::text, 'organisationId', :space::text, 'personId', null,
                    'start', :starts::text, 'end', :ends::text, 'attendees', 8, 'purpose', 'Nachbarschaftscafé', 'actionField', 'neighbourhood-culture',
                    'wholeSpace', true, 'approvalDueBy', null, 'at', now()),
                now(), null, null, 'bench');
        insert into benchbook.bookings (booking_id, space_id, site_id, organisation_id, person_id, starts_at, ends_at, attendees, purpose, action_field, status, version, last_seq)
        values (:id::uuid, :space::uuid, :space::uuid, :space::uuid, null, :starts::timestamptz, :ends::timestamptz, 8, 'Nachbarschaftscafé', 'neighbourhood-culture', 'confirmed', 1, :n::bigint);
        insert into benchbook.outbox (message_id, message_type, kind, body, deliver_at, correlation_id, causation_id, actor, created_at)
        values (gen_random_uuid(), 'bookings.booking-confirmed', 'event',
                jsonb_build_object('bookingId', :id::text, 'spaceId', :space::text, 'start', :starts::text, 'end', :ends::text, 'attendees', 8, 'at', now()),
                now(), null, null, 'bench', now());
        END;
        """;

    private async Task<Round> PgbenchRoundAsync(BenchDatabase database, HostProcess host, TimeSpan duration, CancellationToken ct)
    {
        BenchDatabase.Log($"  pgbench for {duration.TotalSeconds:0} s ...");
        var children = CpuSnapshot.LiveChildren(database.PostmasterPid);
        var before = CpuSnapshot.Take(database.PostmasterPid);
        var hostBefore = host.CpuSeconds();
        var result = await database.PgbenchAsync(PgbenchScript, settings.Clients, duration, null, ct, settings.PgbenchProtocol);
        await CpuSnapshot.WaitForChildrenAsync(database.PostmasterPid, children, ct);
        var cpu = CpuSnapshot.Take(database.PostmasterPid).Since(before);
        return new Round(result.Tps, result.Tps, result.Transactions, result.Transactions, 0, 0, result.Latencies, cpu, host.CpuSeconds() - hostBefore, cpu.Children);
    }

    // ---- after the run: no double booking ----

    private sealed record Check(long OverlappingPairs, long HoldingSlots, long BookingRows, long Created, int ContestedSlots, int ContestedWithOneWinner,
        int ContestedOverlapped, IReadOnlyList<string> ContestedWrong);

    private static async Task<Check> CheckAsync(BenchDatabase database, Load load, CancellationToken ct)
    {
        var pairs = await database.ScalarAsync<long>("""
            select count(*) from bookings.slots a join bookings.slots b
              on a.space_id = b.space_id and a.booking_id < b.booking_id and a.during && b.during
            where a.holds and b.holds and a.whole_space and b.whole_space
            """, ct);
        var holding = await database.ScalarAsync<long>("select count(*) from bookings.slots where holds", ct);
        var rows = await database.ScalarAsync<long>("select count(*) from bookings.bookings", ct);
        var slots = load.Contested.OrderBy(c => c.Key).ToList();
        var wrong = slots.Where(s => s.Value.Count(Outcome.Created) != 1 || s.Value.Count(Outcome.Other) != 0)
            .Select(s => $"contested slot {s.Key}: {s.Value.Count(Outcome.Created)} × 201, {s.Value.Count(Outcome.SlotTaken)} × 409 slot-taken, {s.Value.Count(Outcome.Other)} other")
            .ToList();
        return new Check(pairs, holding, rows, load.Free.Created + load.Races.Created, slots.Count, slots.Count(s => s.Value.Count(Outcome.Created) == 1),
            slots.Count(s => s.Value.Overlapped), wrong);
    }

    // ---- report ----

    private string Report(List<(string Name, string Value)> facts, World world, Contender[] contenders, Load load, Check check)
    {
        var md = new Markdown();
        var args = new List<string>();
        if (settings.Clients != 32) args.Add($"--clients {settings.Clients}");
        if (settings.Rounds != 3) args.Add($"--rounds {settings.Rounds}");
        if (settings.RoundDuration != TimeSpan.FromSeconds(10)) args.Add($"--duration {settings.RoundDuration.TotalSeconds:0}");
        if (settings.Warmup != TimeSpan.FromSeconds(5)) args.Add($"--warmup {settings.Warmup.TotalSeconds:0}");
        if (Math.Abs(settings.ContestedShare - 0.08) > 1e-9) args.Add($"--contested {settings.ContestedShare.ToString(CultureInfo.InvariantCulture)}");
        if (settings.Racers != 4) args.Add($"--racers {settings.Racers}");
        if (settings.Sites != 4) args.Add($"--sites {settings.Sites}");
        if (settings.Spaces != 200) args.Add($"--spaces {settings.Spaces}");
        if (settings.ContestedSpaces != 8) args.Add($"--contested-spaces {settings.ContestedSpaces}");
        if (settings.Organisations != 64) args.Add($"--organisations {settings.Organisations}");
        if (settings.Caller != "member") args.Add($"--as {settings.Caller}");
        if (settings.PgbenchProtocol != "prepared") args.Add($"--pgbench-protocol {settings.PgbenchProtocol}");
        if (settings.HostEnvironment.Length > 0) args.Add($"--host-env {string.Join(' ', settings.HostEnvironment)}");
        if (settings.Nice != 0) args.Add($"--nice {settings.Nice}");
        md.Line("```")
          .Line($"dotnet run -c Release --project bench/Allmende.Bench -- bookings{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
          .Line("```")
          .Line()
          .Facts(facts);

        md.Line($"**Workload.** Seeded through the API with the admin key in {world.SeedTime.TotalSeconds:0} s: {settings.Sites} always-open sites, " +
                $"{world.FreeSpaces.Count} rooms for free slots and {world.ContestedSpaces.Count} for contested ones (capacity 20, no lead time, no approval), " +
                $"{world.Organisations.Count} active organisations" +
                (settings.Caller == "member" ? $", {world.MemberKeys.Count} members each acting for {world.OrganisationsOf.Min(o => o.Count)}–{world.OrganisationsOf.Max(o => o.Count)} of them with an API key of their own" : "") +
                $". {settings.Clients} clients post `POST /api/bookings` back to back (one-hour bookings of 8 people, confirmed at once: 2 events, the slot, the read model row, " +
                "a published `bookings.booking-confirmed`, a scheduled no-show check). " +
                $"{Markdown.Percent(settings.ContestedShare)} of the requests race for contested slots, {settings.Racers} requests per slot (same room, same hour); " +
                "the others take free slots (a counter walks the rooms, then the next hour, so free slots never overlap). " +
                $"Each contender warms up for {settings.Warmup.TotalSeconds:0} s, then they take turns in {settings.Rounds} rounds of {settings.RoundDuration.TotalSeconds:0} s " +
                "(vacuum + checkpoint and a wait for a quiet machine before each), each reported by its best round; latencies are that round's, " +
                "from sending the request to having the whole response.")
          .Line();
        md.Line($"pgbench: `pgbench -n -M {settings.PgbenchProtocol} -f script.sql -c {settings.Clients} -j {settings.Clients} -T {settings.RoundDuration.TotalSeconds:0}`, one transaction per booking: " +
                "`BEGIN`; insert of the slot into `benchbook.slots` (`like bookings.slots including all`: the same gist exclusion constraint, so the insert is the overlap check, " +
                "as in the host) returning the booking's id and range; one event insert into `benchbook.events` (`like marten.mt_events`); one read-model insert into " +
                "`benchbook.bookings` (`like bookings.bookings`); one outbox insert into `benchbook.outbox` (the shape of the outbox table before Wolverine); `END`. No foreign keys, no contention.")
          .Line();

        var pgbench = contenders[0];
        var http = contenders[1];
        md.Table(["Run", "Requests/s", "Bookings/s (201)", "p50", "p99", "max", "vs pgbench"], contenders.Select(c =>
        {
            var b = c.Best;
            return (IReadOnlyList<string>)
            [
                c.Name, Markdown.Number(b.Rate), Markdown.Number(b.SuccessRate), b.Latencies.Format(50), b.Latencies.Format(99), b.Latencies.Format(100),
                Markdown.Percent(b.Rate / pgbench.Best.Rate),
            ];
        }), "lrrrrrr");

        md.Line("**Follow-up work.** After each HTTP round the verb waits until no envelope is due in Wolverine's inbox any more " +
                "(the messages the round's bookings published: Funding's cost, the confirmation mail; the scheduled no-show checks fire later and are not counted), " +
                "so that this work is not done during the next round; the rate over that longer time charges it to the requests:")
          .Line();
        md.Table(["HTTP round", "Envelopes due at the window's end", "Seconds until none is due", "Requests/s in the window", "Requests/s until none is due", "vs pgbench's best round"],
            http.Rounds.Select((r, i) => (IReadOnlyList<string>)
            [
                (i + 1).ToString(CultureInfo.InvariantCulture), Markdown.Number(r.FollowUp?.WaitingAtEnd ?? 0),
                (r.FollowUp?.SettledSeconds ?? 0).ToString("0.00", CultureInfo.InvariantCulture),
                Markdown.Number(r.Rate), Markdown.Number(r.FollowUp?.Rate ?? double.NaN), Markdown.Percent((r.FollowUp?.Rate ?? double.NaN) / pgbench.Best.Rate),
            ]), "rrrrrr");

        md.Line("Every round's rate, and the CPU of the best round per transaction or request, from /proc: PostgreSQL = the postmaster and its children; " +
                "host = the host process; client = the bench process (the HTTP clients) or pgbench; \"Others\" = whatever else ran on the machine meanwhile.")
          .Line();
        md.Table(["Run", "Rounds (/s)", "PostgreSQL CPU", "Host CPU", "Client CPU", "Machine busy", "Others"], contenders.Select(c =>
        {
            var b = c.Best;
            return (IReadOnlyList<string>)
            [
                c.Name, string.Join(" / ", c.Rounds.Select(r => Markdown.Number(r.Rate))),
                Micros(b.Cpu.Known ? CpuUsage.MicrosPer(b.Cpu.Server, b.Requests) : double.NaN),
                Micros(b.Cpu.Known ? CpuUsage.MicrosPer(b.HostSeconds, b.Requests) : double.NaN),
                Micros(b.Cpu.Known ? CpuUsage.MicrosPer(b.ClientSeconds, b.Requests) : double.NaN),
                Markdown.Percent(b.Cpu.BusyShare),
                Markdown.Percent(b.Cpu.Known ? Math.Max(0, b.Cpu.Others - b.HostSeconds) / b.Cpu.MachineTotal : double.NaN),
            ];
        }), "lrrrrrr");
        var disturbed = contenders.Count(c => c.Best.Cpu.Known && Math.Max(0, c.Best.Cpu.Others - c.Best.HostSeconds) / c.Best.Cpu.MachineTotal > 0.10);
        if (disturbed > 0)
            md.Line($"**Warning:** other work took more than 10 % of the machine during {disturbed} of the best rounds above; rerun for clean figures.").Line();

        md.Line("**Answers**, every request of the run (warm-up and all rounds):").Line();
        md.Table(["Slots", "201 Created", "409 slot-taken", "other"],
        [
            ["free", Markdown.Number(load.Free.Created), Markdown.Number(load.Free.SlotTaken), Markdown.Number(load.Free.Other)],
            ["contested", Markdown.Number(load.Races.Created), Markdown.Number(load.Races.SlotTaken), Markdown.Number(load.Races.Other)],
        ], "lrrr");
        foreach (var unexpected in load.Unexpected.Take(5))
            md.Line($"- unexpected: {unexpected}");
        if (!load.Unexpected.IsEmpty) md.Line();

        md.Line($"**No double booking.** Overlapping pairs of holding whole-space slots in `bookings.slots`: **{check.OverlappingPairs}**. " +
                $"201 answers: {Markdown.Number(check.Created)}; holding rows in `bookings.slots`: {Markdown.Number(check.HoldingSlots)}; rows in `bookings.bookings`: {Markdown.Number(check.BookingRows)}. " +
                $"Contested slots: {Markdown.Number(check.ContestedSlots)}, of which {Markdown.Number(check.ContestedWithOneWinner)} got exactly one 201 (the others all 409 slot-taken), " +
                $"and {Markdown.Number(check.ContestedOverlapped)} had requests in flight at the same moment.")
          .Line();
        foreach (var wrong in check.ContestedWrong.Take(10))
            md.Line($"- {wrong}");
        if (check.ContestedWrong.Count > 0) md.Line();

        var ratio = http.Best.Rate / pgbench.Best.Rate;
        var p99 = http.Best.Latencies.Percentile(99);
        var clean = check.OverlappingPairs == 0 && check.Created == check.HoldingSlots && check.Created == check.BookingRows
                    && check.ContestedWrong.Count == 0 && load.Free.SlotTaken == 0;
        md.Line($"Target: at least 50 % of pgbench's rate — {Markdown.Percent(ratio)}, **{(ratio >= 0.5 ? "met" : "not met")}**; " +
                $"p99 at most 25 ms — {Latencies.FormatMs(p99)}, **{(p99 <= 25 ? "met" : "not met")}**; " +
                $"zero double bookings — **{(clean ? "met" : "NOT MET")}**.");
        return md.ToString();

        static string Micros(double us) => double.IsFinite(us) ? $"{Markdown.Number(us)} µs" : "–";
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>Server or workstation GC, as the host's runtimeconfig.json says (the Web SDK's default is server).</summary>
    private static string GcMode(string dll)
    {
        try
        {
            var config = Path.ChangeExtension(dll, ".runtimeconfig.json");
            using var json = JsonDocument.Parse(File.ReadAllText(config));
            return json.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var p)
                   && p.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean()
                ? "server"
                : "workstation";
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return "?";
        }
    }
}
