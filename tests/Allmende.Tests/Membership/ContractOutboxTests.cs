using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Allmende.Eventing;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Storage;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine;
using Wolverine.Tracking;

namespace Allmende.Tests.Membership;

/// <summary>
/// What other modules learn from Membership: the integration events it publishes, with stable names and no
/// personal data; those a module subscribes to are written in the same unit of work as the events that caused them.
/// </summary>
public sealed class ContractOutboxTests(MembershipApp app) : IClassFixture<MembershipApp>
{
    private HttpClient Client(string correlation)
    {
        var client = app.AdminClient();
        client.DefaultRequestHeaders.Add("X-Correlation-Id", correlation);
        return client;
    }

    /// <summary>
    /// The messages Membership publishes while <paramref name="requests"/> run, in the order published, with "at"
    /// checked and removed. Read from Wolverine's message tracking: it sees every published message, also one no
    /// module subscribes to, which Wolverine routes nowhere and stores nothing of (docs/adr/0015). The session
    /// ends when every routed message is handled.
    /// </summary>
    private async Task<List<(string Type, JsonNode Body)>> PublishedAsync(string correlation, Func<Task> requests)
    {
        var session = await app.Services.GetRequiredService<IHost>().TrackActivity(TimeSpan.FromSeconds(30))
            .ExecuteAndWaitAsync((IMessageContext _) => requests());
        var types = app.Services.GetRequiredService<IOptions<EventingOptions>>().Value.Types;
        var messages = new List<(string, JsonNode)>();
        var routed = new HashSet<string>();
        foreach (var record in session.AllRecordsInOrder().Where(r => r.MessageEventType is MessageEventType.Sent or MessageEventType.NoRoutes))
        {
            var envelope = record.Envelope!;
            // Other modules' reactions publish too (Funding allocates a share payment): only Membership's own here.
            if (envelope.Message is not { } message || message.GetType().Namespace?.StartsWith("Allmende.Membership", StringComparison.Ordinal) != true)
                continue;
            if (record.MessageEventType == MessageEventType.Sent)
            {
                envelope.CorrelationId.ShouldBe(correlation);
                // One envelope per subscribed handler: the message once.
                if (!routed.Add(envelope.Headers[WolverineOutbox.MessageIdHeader]!))
                    continue;
            }
            var body = JsonSerializer.SerializeToNode(message, message.GetType(), EventingJson.Options)!.AsObject();
            if (body.Remove("at", out var at))
                DateTimeOffset.Parse(at!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
                    .ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
            messages.Add((types.NameOf(message.GetType()), body));
        }
        (await StoredAsync(correlation)).ShouldBe(routed.Count, "every routed message is stored");
        return messages;
    }

    /// <summary>Membership's messages of this correlation stored in Wolverine's inbox, each paired with an event.</summary>
    private async Task<int> StoredAsync(string correlation)
    {
        var stored = (await WolverineEnvelopes.EnvelopesAsync(app.DataSource))
            .Where(e => e.CorrelationId == correlation && e.MessageType!.StartsWith("membership.", StringComparison.Ordinal))
            .GroupBy(e => e.Headers[WolverineOutbox.MessageIdHeader]).Select(g => g.First()).ToList();
        // Written by the same unit of work: same correlation and the same commit instant as an event.
        foreach (var envelope in stored)
        {
            await using var command = app.DataSource.CreateCommand(
                "select count(*) from marten.mt_events where correlation_id = $1 and timestamp = $2");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = correlation });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = envelope.SentAt });
            ((long)(await command.ExecuteScalarAsync())!).ShouldBeGreaterThan(0, $"{envelope.MessageType} has no event of its unit of work");
        }
        return stored.Count;
    }

    private static void ShouldMatch(List<(string Type, JsonNode Body)> actual, params (string Type, object Body)[] expected)
    {
        actual.Select(m => m.Type).ShouldBe(expected.Select(e => e.Type));
        for (var i = 0; i < expected.Length; i++)
        {
            var want = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(expected[i].Body, Allmende.Eventing.Storage.EventingJson.Options));
            JsonNode.DeepEquals(actual[i].Body, want).ShouldBeTrue($"{actual[i].Type}: {actual[i].Body.ToJsonString()} is not {want!.ToJsonString()}");
        }
    }

    [Fact]
    public async Task The_city_authoritys_way_through_the_cooperative_is_published_step_by_step()
    {
        var correlation = $"authority-{Guid.NewGuid():N}";
        using var client = Client(correlation);
        var authority = Guid.Empty;
        var published = await PublishedAsync(correlation, async () =>
        {
            var (registered, etag) = await OrganisationApiTests.RegisterAsync(client, OrganisationApiTests.SocialAuthority());
            authority = registered.Id;
            var url = $"/api/organisations/{authority}";
            (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/activate", null, etag);
            etag = (await (await client.PutAsync(url, OrganisationApiTests.SocialAuthority("Behörde für Arbeit, Gesundheit, Soziales"), etag)).ShouldBeAsync(HttpStatusCode.OK)).ETag();
            (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/shares/subscription", new { Shares = 10, CentsPerShare = 50_000 }, etag);
            (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/shares/payments", new { Date = new DateOnly(2026, 1, 15), AmountCents = 200_000 }, etag);
            (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/suspend", new { Reason = "Usage fee for the floor unpaid" }, etag);
            (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/reactivate", null, etag);
            await OrganisationApiTests.PostAsync(client, $"{url}/end", new { Reason = "Five-year agreement over" }, etag);
        });

        ShouldMatch(published,
            ("membership.organisation-activated", new { OrganisationId = authority, Name = "Sozialbehörde der Stadt", Kind = "public-body", NonProfit = true }),
            ("membership.organisation-changed", new { OrganisationId = authority, Name = "Behörde für Arbeit, Gesundheit, Soziales", Kind = "public-body", NonProfit = true }),
            ("membership.cooperative-shares-subscribed", new { OrganisationId = authority, Shares = 10, CentsPerShare = 50_000 }),
            ("membership.cooperative-share-payment-recorded", new { OrganisationId = authority, PaidOn = "2026-01-15", AmountCents = 200_000, PaidCents = 200_000, SubscribedCents = 500_000 }),
            ("membership.organisation-suspended", new { OrganisationId = authority, Reason = "Usage fee for the floor unpaid" }),
            ("membership.organisation-activated", new { OrganisationId = authority, Name = "Behörde für Arbeit, Gesundheit, Soziales", Kind = "public-body", NonProfit = true }),
            ("membership.organisation-ended", new { OrganisationId = authority, Reason = "Five-year agreement over" }));
    }

    [Fact]
    public async Task A_persons_acting_plans_rota_and_forgetting_are_published_without_personal_data()
    {
        var correlation = $"person-{Guid.NewGuid():N}";
        using var client = Client(correlation);
        var site = Guid.NewGuid();
        var (verein, person) = (Guid.Empty, Guid.Empty);
        var outbox = await PublishedAsync(correlation, async () =>
        {
            verein = (await OrganisationApiTests.RegisterAsync(client, OrganisationApiTests.NeighbourhoodAssociation())).Item1.Id;
            var (registered, etag) = await PeopleApiTests.RegisterAsync(client, "Jonas Ehrenamt", "jonas@verein.example", "0341 555 0102");
            person = registered.Id;
            var url = $"/api/people/{person}";
            (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Put, url, new { Name = "Jonas Weber", Email = "jonas.weber@verein.example" }, etag);
            (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/organisations", new { OrganisationId = verein, Role = "representative" }, etag);
            (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/plans",
                new { Plan = "civil-society", OrganisationId = verein, ValidFrom = new DateOnly(2026, 1, 1), ValidUntil = new DateOnly(2026, 12, 31) }, etag);
            (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/duty-rota", new { SiteId = site }, etag);
            (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Delete, $"{url}/duty-rota/{site}", null, etag);
            (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Delete, $"{url}/organisations/{verein}", null, etag);
            await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/forget", null, etag);
        });

        ShouldMatch(outbox,
            ("membership.person-acts-for-organisation", new { PersonId = person, OrganisationId = verein, Role = "representative", PersonVersion = 3 }),
            ("membership.membership-plan-changed", new { PersonId = person, OrganisationId = verein, Plan = "civil-society", ValidFrom = "2026-01-01", ValidUntil = "2026-12-31" }),
            ("membership.person-joined-duty-rota", new { PersonId = person, SiteId = site }),
            ("membership.person-left-duty-rota", new { PersonId = person, SiteId = site }),
            ("membership.person-stopped-acting-for-organisation", new { PersonId = person, OrganisationId = verein, PersonVersion = 7 }),
            ("membership.person-forgotten", new { PersonId = person, PersonVersion = 8 }));
        outbox.ShouldAllBe(m => !m.Body.ToJsonString().Contains("jonas", StringComparison.OrdinalIgnoreCase)
            && !m.Body.ToJsonString().Contains("weber", StringComparison.OrdinalIgnoreCase) && !m.Body.ToJsonString().Contains("0341"));
    }

    [Fact]
    public async Task A_freelancer_acting_on_their_own_gets_a_personal_plan_published_without_an_organisation()
    {
        var correlation = $"freelancer-{Guid.NewGuid():N}";
        using var client = Client(correlation);
        var person = Guid.Empty;
        var published = await PublishedAsync(correlation, async () =>
        {
            var (registered, etag) = await PeopleApiTests.RegisterAsync(client, "Mara Selbständig", "mara@freelance.example");
            person = registered.Id;
            await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"/api/people/{person}/plans", new { Plan = "flexible-desk", ValidFrom = new DateOnly(2026, 2, 1) }, etag);
        });

        ShouldMatch(published,
            ("membership.membership-plan-changed", new { PersonId = person, OrganisationId = (Guid?)null, Plan = "flexible-desk", ValidFrom = "2026-02-01", ValidUntil = (string?)null }));
    }
}
