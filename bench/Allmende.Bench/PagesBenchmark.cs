using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Allmende.Bench;

/// <summary>
/// `pages` (issue 14, item 7): the reports benchmark's year generated through the real host, then a
/// staff person, a member and a funder invited through the API, each setting a password through the
/// invitation page and signing in through the sign-in form (a session cookie, as a browser does), and
/// every main page of the web app requested many times by one client per person, one request at a
/// time. Per page: the host's own time (its Server-Timing header, switched on for this run), the
/// in-process API calls inside it, and the client's time over 127.0.0.1 for comparison.
/// </summary>
internal sealed partial class PagesBenchmark(PagesBenchmark.Settings settings)
{
    internal sealed record Settings(string? Connection, int Year, double Density, int Requests, int Warmup, int Writers, string? HostDll);

    public static Command Command(CommonOptions common)
    {
        var year = new Option<int>("--year") { Description = "The year of activity (must lie in the future: the API refuses bookings in the past).", DefaultValueFactory = _ => DateTime.UtcNow.Year + 1 };
        var density = new Option<double>("--density")
        {
            Description = "The reports benchmark's booking density (0..1); 0.08 gives about 17,500 bookings and 146,000 events.",
            DefaultValueFactory = _ => 0.08,
        };
        var requests = new Option<int>("--requests") { Description = "Measured requests per page (after the warm-up).", DefaultValueFactory = _ => 100 };
        var warmup = new Option<int>("--warmup") { Description = "Warm-up requests per page (not measured).", DefaultValueFactory = _ => 10 };
        var writers = new Option<int>("--writers") { Description = "Concurrent writers while generating the year.", DefaultValueFactory = _ => 16 };
        var hostDll = new Option<string?>("--host-dll") { Description = "The host to run (default: src/Host/bin/<this configuration>/net10.0/Allmende.Host.dll)." };
        var command = new Command("pages", "The reports benchmark's year, then every main page of the web app as staff, member and funder (signed in by cookie): p50/p95/p99 of the host's time per page (issue 14).")
        {
            year, density, requests, warmup, writers, hostDll,
        };
        command.SetAction(async (parse, ct) =>
        {
            var s = new Settings(parse.GetValue(common.Connection), parse.GetValue(year), Math.Clamp(parse.GetValue(density), 0.01, 1),
                Math.Max(10, parse.GetValue(requests)), Math.Max(0, parse.GetValue(warmup)), Math.Max(1, parse.GetValue(writers)), parse.GetValue(hostDll));
            Console.Out.Write(await new PagesBenchmark(s).RunAsync(ct));
            return 0;
        });
        return command;
    }

    private const double TargetMs = 300;

    private sealed record PageVisit(string Person, string Page, string Path);

    private sealed record Measured(Latencies Server, Latencies Api, Latencies Client, double ApiCalls, long Bytes, int Failures, string? FirstFailure);

    public async Task<string> RunAsync(CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        await using var database = await BenchDatabase.CreateAsync(settings.Connection, ct);
        var dll = settings.HostDll ?? HostProcess.DefaultDll(BenchDatabase.RepositoryRoot());
        BenchDatabase.Log($"starting the host {dll} ...");
        await using var host = await HostProcess.StartAsync(dll, database.ConnectionString,
            new Dictionary<string, string> { ["Web__ServerTiming"] = "true" }, ct);
        BenchDatabase.Log($"  host ready on {host.Address} (pid {host.Pid})");
        var facts = (await database.DescribeAsync(ct)).ToList();

        var reports = new ReportsBenchmark(new ReportsBenchmark.Settings(settings.Connection, settings.Year, settings.Density, 1, 10, 0, settings.Writers,
            settings.HostDll, TimeSpan.FromSeconds(1)));
        var year = await reports.GenerateYearAsync(database, host, ct);

        BenchDatabase.Log("inviting a staff person, a member and a funder, and signing them in ...");
        var world = year.World;
        var (memberPerson, memberOrganisation) = world.MemberPeople[0];
        var funder = world.FunderIds[0];
        using var admin = ReportsBenchmark.Http(host, 1);
        using var staff = await SignInAsync(host, admin, new { email = "verwaltung@bench.example", role = "admin" }, "verwaltung@bench.example", ct);
        using var member = await SignInAsync(host, admin, new { email = "mitglied@bench.example", role = "member", personId = memberPerson }, "mitglied@bench.example", ct);
        using var funderPerson = await SignInAsync(host, admin, new { email = "foerderer@bench.example", role = "funder", funderId = funder }, "foerderer@bench.example", ct);

        var visits = Visits(year, memberPerson, memberOrganisation);
        var clients = new Dictionary<string, HttpClient> { ["staff"] = staff, ["member"] = member, ["funder"] = funderPerson };
        var results = new List<(PageVisit Visit, Measured Result)>();
        foreach (var visit in visits)
        {
            await database.WaitForQuietAsync(TimeSpan.FromSeconds(3), ct);
            BenchDatabase.Log($"measuring {visit.Person} {visit.Path} ...");
            var measured = await MeasureAsync(clients[visit.Person], visit, ct);
            BenchDatabase.Log($"  server p50 {measured.Server.Format(50)}, p95 {measured.Server.Format(95)}, p99 {measured.Server.Format(99)}; " +
                              $"{measured.ApiCalls:0.#} API calls; client p95 {measured.Client.Format(95)}{(measured.Failures > 0 ? $"; {measured.Failures} failed: {measured.FirstFailure}" : "")}");
            results.Add((visit, measured));
        }

        facts.Add(("Host", $"src/Host ({HostProcess.Configuration}) as a child process: `dotnet Allmende.Host.dll`, ASPNETCORE_ENVIRONMENT=Production, Web__ServerTiming=true, Kestrel on {host.Address} (HTTP/1.1)"));
        facts.Add(("Run time of the verb", $"{total.Elapsed.TotalSeconds:0} s"));
        BenchDatabase.Log($"done in {total.Elapsed.TotalSeconds:0} s");
        return Report(facts, reports, year, results);
    }

    /// <summary>
    /// The main pages each audience opens, with ids from the year: the member's organisation and one of
    /// its bookings still to come, the funder's first grant and a booking it paid part of, the busiest
    /// week of the year on the calendar.
    /// </summary>
    private List<PageVisit> Visits(ReportsBenchmark.GeneratedYear year, Guid memberPerson, Guid memberOrganisation)
    {
        var world = year.World;
        var y = settings.Year;
        var site = world.Sites[0];
        var room = world.Spaces.First(s => s.SiteId == site && s.Kind == "room").Id;
        var upcoming = year.Booked.First(b => b.Plan.Organisation == memberOrganisation && b.Plan.Fate == ReportsBenchmark.Fate.Confirmed).Id;
        // The first funder's first grant: the first quarter's site grant (rooms and halls of the first two sites).
        var grant = world.Grants[0];
        var paid = year.Booked.First(b => b.Plan.Fate == ReportsBenchmark.Fate.Completed && b.Plan.Space.Kind == "room"
            && (b.Plan.Space.SiteId == world.Sites[0] || b.Plan.Space.SiteId == world.Sites[1]) && b.Plan.Start.Month <= 3).Id;
        return
        [
            new("staff", "Start", "/"),
            new("staff", "Kalender, Tag", $"/verwaltung/kalender?standort={site}&datum=15.06.{y}"),
            new("staff", "Kalender, Woche", $"/verwaltung/kalender?standort={site}&datum=15.06.{y}&ansicht=woche"),
            new("staff", "Freigaben", "/verwaltung/freigaben"),
            new("staff", "Auffällige Buchungen", "/verwaltung/auffaellig"),
            new("staff", "Heute (Kümmerdienst)", $"/verwaltung/heute?standort={site}&datum=15.06.{y}"),
            new("staff", "Organisationen", "/verwaltung/organisationen"),
            new("staff", "Personen", "/verwaltung/personen"),
            new("staff", "Person", $"/verwaltung/personen/{memberPerson}"),
            new("staff", "Mitgliedsanträge", "/verwaltung/antraege"),
            new("staff", "Zugänge", "/verwaltung/zugaenge"),
            new("staff", "Standorte", "/verwaltung/standorte"),
            new("staff", "Standort", $"/verwaltung/standort/{site}"),
            new("staff", "Raum", $"/verwaltung/raum/{room}"),
            new("staff", "Förderer und Förderungen", "/verwaltung/foerderer"),
            new("staff", "Betrieb", "/verwaltung/betrieb"),
            new("staff", "Prüfung", "/pruefung"),
            new("member", "Start", "/"),
            new("member", "Raum finden", "/mitglied/buchen"),
            new("member", "Raum finden, gesucht", $"/mitglied/buchen?standort={site}&datum=15.06.{y}&beginn=18:00&dauer=120&personen=4"),
            new("member", "Meine Buchungen", "/mitglied/buchungen"),
            new("member", "Verlegen", $"/mitglied/buchungen/{upcoming}/verlegen"),
            new("member", "Organisation (Monat)", $"/mitglied/organisation/{memberOrganisation}?monat={y}-06"),
            new("member", "Kümmerdienst", "/mitglied/kuemmerdienst"),
            new("funder", "Start", "/"),
            new("funder", "Förderungen", "/foerderung"),
            new("funder", "Dashboard", $"/foerderung/{grant}"),
            new("funder", "Bericht", $"/foerderung/{grant}/bericht?jahr={y}"),
            new("funder", "Buchung", $"/foerderung/{grant}/buchung/{paid}"),
            new("funder", "So prüfen Sie die Echtheit", "/foerderung/echtheit"),
            new("funder", "Programm eines Standorts", $"/programm/standort/{site}"),
            new("funder", "Programm einer Organisation", $"/programm/organisation/{memberOrganisation}"),
        ];
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    /// <summary>
    /// Staff invite the person (the admin key, as an integration would), the person sets a password on
    /// the invitation page, then signs in afresh through the sign-in form: the client that comes back
    /// holds nothing but that session's cookies.
    /// </summary>
    private static async Task<HttpClient> SignInAsync(HostProcess host, HttpClient admin, object invitation, string email, CancellationToken ct)
    {
        using var invited = await admin.PostAsJsonAsync("/api/access/accounts", invitation, ct);
        await BookingsBenchmark.EnsureAsync(invited, ct);
        var link = (await invited.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("link").GetString()!;
        const string password = "ein langes Bench-Passwort 2027";
        using (var accepting = Browser(host))
        {
            await PostFormAsync(accepting, link, new() { ["Password"] = password, ["Confirm"] = password }, ct);
        }
        var browser = Browser(host);
        try
        {
            await PostFormAsync(browser, "/anmelden", new() { ["Email"] = email, ["Password"] = password }, ct);
            return browser;
        }
        catch
        {
            browser.Dispose();
            throw;
        }
    }

    /// <summary>One keep-alive connection with its own cookies, redirects not followed (a redirect is the sign-in's success).</summary>
    private static HttpClient Browser(HostProcess host) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(30),
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
            UseProxy = false,
        })
        { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>GET the form (its antiforgery field and cookie), POST it back; a redirect is success, the form again is a refusal.</summary>
    private static async Task PostFormAsync(HttpClient browser, string path, Dictionary<string, string> fields, CancellationToken ct)
    {
        var form = await browser.GetStringAsync(path, ct);
        var token = AntiforgeryField().Match(form);
        if (!token.Success)
            throw new InvalidOperationException($"{path} has no antiforgery field.");
        fields["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value);
        using var posted = await browser.PostAsync(path, new FormUrlEncodedContent(fields), ct);
        if (posted.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"POST {path} answered {(int)posted.StatusCode}, not a redirect: {(await posted.Content.ReadAsStringAsync(ct))[..Math.Min(500, (int)(posted.Content.Headers.ContentLength ?? 500))]}");
    }

    [GeneratedRegex(@"(?:^|,\s*)(app|api);dur=([0-9.]+)(?:;desc=""(\d+) calls"")?")]
    private static partial Regex ServerTimingEntry();

    /// <summary>Warm-up, then the page requested back to back by the person's one client.</summary>
    private async Task<Measured> MeasureAsync(HttpClient client, PageVisit visit, CancellationToken ct)
    {
        var (server, api, clientTime) = (new Latencies(), new Latencies(), new Latencies());
        long bytes = 0, calls = 0;
        var failures = 0;
        string? firstFailure = null;
        for (var i = 0; i < settings.Warmup + settings.Requests; i++)
        {
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(visit.Path, HttpCompletionOption.ResponseContentRead, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            var elapsed = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            if (i < settings.Warmup)
                continue;
            // A page that shows a refusal (the pages' role="alert") answered, but not with what was measured for.
            if (response.StatusCode != HttpStatusCode.OK || System.Text.Encoding.UTF8.GetString(body).Contains("role=\"alert\"", StringComparison.Ordinal))
            {
                failures++;
                firstFailure ??= $"{(int)response.StatusCode} {response.Headers.Location}{AlertOf(body)}";
                continue;
            }
            clientTime.Add(elapsed);
            bytes += body.Length;
            foreach (Match entry in ServerTimingEntry().Matches(string.Join(", ", response.Headers.TryGetValues("Server-Timing", out var values) ? values : [])))
            {
                var ms = double.Parse(entry.Groups[2].Value, CultureInfo.InvariantCulture);
                if (entry.Groups[1].Value == "app")
                    server.Add(ms);
                else
                {
                    api.Add(ms);
                    calls += entry.Groups[3].Success ? long.Parse(entry.Groups[3].Value, CultureInfo.InvariantCulture) : 0;
                }
            }
        }
        var ok = Math.Max(1, clientTime.Count);
        return new Measured(server, api, clientTime, (double)calls / ok, bytes / ok, failures, firstFailure);
    }

    [GeneratedRegex("role=\"alert\">([^<]*)<")]
    private static partial Regex Alert();

    private static string AlertOf(byte[] body) => Alert().Match(System.Text.Encoding.UTF8.GetString(body)) is { Success: true } alert ? $": {WebUtility.HtmlDecode(alert.Groups[1].Value)}" : "";

    private string Report(List<(string Name, string Value)> facts, ReportsBenchmark reports, ReportsBenchmark.GeneratedYear year, List<(PageVisit Visit, Measured Result)> results)
    {
        var args = new List<string>();
        if (settings.Year != DateTime.UtcNow.Year + 1) args.Add($"--year {settings.Year}");
        if (Math.Abs(settings.Density - 0.08) > 1e-9) args.Add($"--density {settings.Density.ToString(CultureInfo.InvariantCulture)}");
        if (settings.Requests != 100) args.Add($"--requests {settings.Requests}");
        if (settings.Warmup != 10) args.Add($"--warmup {settings.Warmup}");
        if (settings.Writers != 16) args.Add($"--writers {settings.Writers}");
        var md = new Markdown()
            .Line("```")
            .Line($"dotnet run -c Release --project bench/Allmende.Bench -- pages{(args.Count > 0 ? " " + string.Join(' ', args) : "")}")
            .Line("```")
            .Line()
            .Facts(facts);
        reports.DescribeYear(md, year.World, year.Phases, year.Contents);
        md.Line("**Pages.** A staff person (admin), a member (a person of one organisation) and a funder's person, each invited through " +
                "`POST /api/access/accounts`, setting a password on the invitation page and signing in through the sign-in form; afterwards each " +
                $"has one keep-alive client with only its session cookie. Per page {settings.Warmup} warm-up requests, then {settings.Requests} " +
                "measured, one at a time. **Server**: the host's own time from the first middleware until the answer's headers (its `Server-Timing` " +
                "header; a page renders into a buffer before it sends, so that is the page's whole work); **API**: the time of the page's in-process " +
                "API calls, summed (calls made in parallel add up), and how many; **client**: from sending the request to having the whole body, " +
                "over 127.0.0.1. Dates: the year's 15 June.")
          .Line();
        md.Table(["Person", "Page", "Path", "Server p50", "p95", "p99", "API p95", "API calls", "Client p95", "Body", $"p95 ≤ {TargetMs:0} ms"], results.Select(r => (IReadOnlyList<string>)
        [
            r.Visit.Person, r.Visit.Page, $"`{Shorten(r.Visit.Path, year.World)}`", r.Result.Server.Format(50), r.Result.Server.Format(95), r.Result.Server.Format(99),
            r.Result.Api.Format(95), r.Result.ApiCalls.ToString("0.#", CultureInfo.InvariantCulture), r.Result.Client.Format(95), $"{r.Result.Bytes / 1024.0:0.0} KiB",
            r.Result.Failures > 0 ? $"{r.Result.Failures} failed" : r.Result.Server.Percentile(95) <= TargetMs ? "yes" : "**no**",
        ]), "lllrrrrrrrl");
        foreach (var failed in results.Where(r => r.Result.FirstFailure is not null))
            md.Line($"- {failed.Visit.Person} {failed.Visit.Path}: {failed.Result.FirstFailure}");
        var missed = results.Where(r => r.Result.Failures > 0 || !(r.Result.Server.Percentile(95) <= TargetMs)).ToList();
        md.Line($"Target: every page's server time p95 at most {TargetMs:0} ms — **{(missed.Count == 0 ? "met" : $"not met by {missed.Count} of {results.Count} pages")}**.");
        return md.ToString();
    }

    /// <summary>Ids in a path shown as their kind, so the table stays readable.</summary>
    private static string Shorten(string path, ReportsBenchmark.World world)
    {
        var text = path;
        foreach (var (ids, name) in new (IEnumerable<Guid>, string)[]
                 {
                     (world.Sites, "{site}"), (world.Spaces.Select(s => s.Id), "{space}"), (world.Organisations, "{organisation}"), (world.Grants, "{grant}"),
                     (world.MemberPeople.Select(m => m.Person), "{person}"),
                 })
            foreach (var id in ids)
                text = text.Replace(id.ToString(), name, StringComparison.Ordinal);
        return Regex.Replace(text, "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "{booking}");
    }
}
