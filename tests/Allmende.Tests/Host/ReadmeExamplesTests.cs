using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Allmende.Host.DemoData;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Host;

/// <summary>
/// The curl examples of README.md and the module READMEs, run as written against the real host over
/// the demo data: the keys and the ids in braces are filled in as a reader would, and every example
/// must succeed. A README that drifts from the API fails here, not in a reader's shell.
/// </summary>
public sealed class ReadmeExamplesTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    private sealed record Example(string File, string Line, string Method, string Url, List<(string Name, string Value)> Headers, string? Body);

    [Fact]
    public async Task Every_curl_example_of_the_readmes_succeeds_against_the_demo_data()
    {
        using var admin = app.AdminClient();
        var demo = await DemoData.SeedAsync(admin);
        demo.ShouldNotBeNull();
        using var member = app.CreateClient();
        member.DefaultRequestHeaders.Add("X-Api-Key", demo.MemberKey);
        var values = await PlaceholdersAsync(admin, member, demo.MemberKey!);

        var examples = Readmes().SelectMany(file => Examples(file)).ToList();
        examples.Count(e => e.File == "README.md").ShouldBeGreaterThanOrEqualTo(8, "the main README's API tour is found");

        var failures = new List<string>();
        using var client = app.CreateClient();
        foreach (var example in examples)
        {
            using var request = new HttpRequestMessage(new HttpMethod(example.Method), Fill(example.Url, values));
            string? contentType = null;
            foreach (var (name, value) in example.Headers)
            {
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                    contentType = value;
                else
                    request.Headers.TryAddWithoutValidation(name, Fill(value, values));
            }
            if (example.Body is not null)
                request.Content = new StringContent(Fill(example.Body, values), Encoding.UTF8, contentType ?? "application/x-www-form-urlencoded");
            using var response = await client.SendAsync(request);
            var answer = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
                failures.Add($"{example.File}: {example.Line}\n  -> {(int)response.StatusCode} {answer}");
            // $FEED is what the reader copies from the answer that made the feed.
            else if (response.Content.Headers.ContentType?.MediaType == "application/json"
                     && JsonSerializer.Deserialize<JsonElement>(answer) is { ValueKind: JsonValueKind.Object } json
                     && json.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String)
                values["$FEED"] = url.GetString()!;
        }
        failures.ShouldBeEmpty(string.Join("\n", failures));
    }

    /// <summary>What a reader puts in for $KEY, $MEMBER, $SITE and {grantId}, {organisationId}, {id} after starting the demo.</summary>
    private static async Task<Dictionary<string, string>> PlaceholdersAsync(HttpClient admin, HttpClient member, string memberKey)
    {
        async Task<string> FirstIdAsync(string list) =>
            (await admin.GetFromJsonAsync<JsonElement>(list)).GetProperty("items")[0].GetProperty("id").GetString()!;

        var site = await FirstIdAsync("/api/sites?limit=1");
        // $ASOF is "now" when the reader asks: an instant after the demo data, once the projections have passed it.
        var asOf = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await Eventually.ReachedAsync(async () =>
        {
            using var settled = await admin.GetAsync($"/api/reports/occupancy?siteId={site}&from=2026-11-01&to=2026-11-30&asOf={asOf}");
            return settled.StatusCode != System.Net.HttpStatusCode.Conflict;
        }, "the projections pass the instant");
        // $ORG is the member's own organisation, which the member sees once Membership's event has reached Access.
        string? organisation = null;
        await Eventually.ReachedAsync(async () =>
        {
            var page = await member.GetFromJsonAsync<JsonElement>("/api/organisations");
            organisation = page.GetProperty("items").GetArrayLength() == 1 ? page.GetProperty("items")[0].GetProperty("id").GetString() : null;
            return organisation is not null;
        }, "the member sees their organisation");
        return new Dictionary<string, string>
        {
            ["$ASOF"] = asOf,
            ["$ORG"] = organisation!,
            ["$KEY"] = AllmendeApp.AdminKey,
            ["$MEMBER"] = memberKey,
            ["$SITE"] = site,
            ["{siteId}"] = site,
            ["{grantId}"] = await FirstIdAsync("/api/funding/grants?limit=1"),
            // The city innovation fund's grant of the kiosk pilot (ADR 19), as the reader finds it in the list of grants.
            ["{fundGrantId}"] = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants?limit=100")).GetProperty("items").EnumerateArray()
                .Single(g => g.GetProperty("reference").GetString() == "IF-2026-07").GetProperty("id").GetString()!,
            // The region's grant of the rural pilot (ADR 21), likewise.
            ["{regionGrantId}"] = (await admin.GetFromJsonAsync<JsonElement>("/api/funding/grants?limit=100")).GetProperty("items").EnumerateArray()
                .Single(g => g.GetProperty("reference").GetString() == "REG-COWORK-01").GetProperty("id").GetString()!,
            ["{funderId}"] = await FirstIdAsync("/api/funding/funders?limit=1"),
            ["{organisationId}"] = await FirstIdAsync("/api/organisations?limit=1"),
            ["{spaceId}"] = await FirstIdAsync("/api/spaces?limit=1"),
            ["{bookingId}"] = await FirstIdAsync("/api/bookings?limit=1"),
        };
    }

    private static string Fill(string text, Dictionary<string, string> values)
    {
        foreach (var (placeholder, value) in values.OrderByDescending(v => v.Key.Length))
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        return text.Replace("http://localhost:5080", "", StringComparison.Ordinal);
    }

    private static IEnumerable<string> Readmes()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Allmende.slnx")))
            root = root.Parent;
        root.ShouldNotBeNull("the repository root is found");
        yield return Path.Combine(root.FullName, "README.md");
        foreach (var module in Directory.EnumerateFiles(Path.Combine(root.FullName, "src", "Modules"), "README.md", SearchOption.AllDirectories).Order())
            yield return module;
    }

    /// <summary>The curl commands of a file's fenced shell blocks, continuation lines joined.</summary>
    private static IEnumerable<Example> Examples(string path)
    {
        var file = Path.GetFileName(Path.GetDirectoryName(path)) is "Spaces" or "Bookings" or "Funding" or "Membership"
            ? $"{Path.GetFileName(Path.GetDirectoryName(path))}/README.md"
            : "README.md";
        var inShell = false;
        var command = new StringBuilder();
        foreach (var raw in File.ReadLines(path))
        {
            if (raw.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inShell = !inShell && raw.Trim() is "```bash" or "```sh" or "```shell";
                continue;
            }
            if (!inShell)
                continue;
            var line = raw.Trim();
            if (command.Length == 0 && !line.StartsWith("curl ", StringComparison.Ordinal))
                continue;
            if (line.EndsWith('\\'))
            {
                command.Append(line[..^1]).Append(' ');
                continue;
            }
            command.Append(line);
            // A quoted body may run over several lines, as in the shell.
            if (command.ToString().Count(c => c == '\'') % 2 == 1)
            {
                command.Append('\n');
                continue;
            }
            yield return Parse(file, command.ToString());
            command.Clear();
        }
    }

    private static Example Parse(string file, string line)
    {
        var words = Words(line);
        var method = "GET";
        string? url = null, body = null;
        var headers = new List<(string, string)>();
        for (var i = 1; i < words.Count; i++)
        {
            switch (words[i])
            {
                case ">":
                    i = words.Count; // the rest redirects the output
                    break;
                case "-H":
                    var header = words[++i];
                    var colon = header.IndexOf(':', StringComparison.Ordinal);
                    headers.Add((header[..colon].Trim(), header[(colon + 1)..].Trim()));
                    break;
                case "-d" or "--data":
                    body = words[++i];
                    method = method == "GET" ? "POST" : method;
                    break;
                case "-X":
                    method = words[++i];
                    break;
                case var word when word.StartsWith("http", StringComparison.Ordinal):
                    url = word;
                    break;
            }
        }
        url.ShouldNotBeNull($"{file}: {line} names a URL");
        return new Example(file, line, method, url, headers, body);
    }

    /// <summary>Shell words as bash splits them for these examples: single and double quotes, \" inside double quotes.</summary>
    private static List<string> Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var started = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\'')
            {
                var end = line.IndexOf('\'', i + 1);
                word.Append(line, i + 1, end - i - 1);
                i = end;
                started = true;
            }
            else if (c == '"')
            {
                for (i++; line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && line[i + 1] is '"' or '\\' or '$')
                        i++;
                    word.Append(line[i]);
                }
                started = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (started)
                    words.Add(word.ToString());
                word.Clear();
                started = false;
            }
            else
            {
                word.Append(c);
                started = true;
            }
        }
        if (started)
            words.Add(word.ToString());
        return words;
    }
}
