using System.Net;
using System.Text.Json.Nodes;
using Npgsql;

namespace Allmende.Tests.Membership;

/// <summary>
/// What other modules learn from Membership: the integration events in the outbox, written in the
/// same unit of work as the events that caused them, with stable names and no personal data.
/// </summary>
public sealed class ContractOutboxTests(MembershipApp app) : IClassFixture<MembershipApp>
{
    private HttpClient Client(string correlation)
    {
        var client = app.AdminClient();
        client.DefaultRequestHeaders.Add("X-Correlation-Id", correlation);
        return client;
    }

    /// <summary>The messages of one test, in the order they were written, with "at" checked and removed.</summary>
    private async Task<List<(string Type, JsonNode Body)>> OutboxAsync(string correlation)
    {
        var messages = new List<(string, JsonNode)>();
        await using var command = app.DataSource.CreateCommand(
            """
            select message_type, body::text from eventing.outbox
            where correlation_id = $1 and message_type like 'membership.%'
            order by created_at, message_id
            """);
        // Other modules' reactions carry the same correlation (Funding allocates a share payment): only Membership's own here.
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = correlation });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var body = JsonNode.Parse(reader.GetString(1))!.AsObject();
            if (body.Remove("at", out var at))
                DateTimeOffset.Parse(at!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)
                    .ShouldBe(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));
            messages.Add((reader.GetString(0), body));
        }
        return messages;
    }

    private async Task<long> OrphansAsync(string correlation)
    {
        // Written by the same unit of work: same correlation and the same commit instant as an event.
        await using var command = app.DataSource.CreateCommand("""
            select count(*) from eventing.outbox o where o.correlation_id = $1
              and not exists (select from marten.mt_events e where e.correlation_id = o.correlation_id and e.timestamp = o.created_at)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = correlation });
        return (long)(await command.ExecuteScalarAsync())!;
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
        var (authority, etag) = await OrganisationApiTests.RegisterAsync(client, OrganisationApiTests.SocialAuthority());
        var url = $"/api/organisations/{authority.Id}";
        (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/activate", null, etag);
        etag = (await (await client.PutAsync(url, OrganisationApiTests.SocialAuthority("Behörde für Arbeit, Gesundheit, Soziales"), etag)).ShouldBeAsync(HttpStatusCode.OK)).ETag();
        (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/shares/subscription", new { Shares = 10, CentsPerShare = 50_000 }, etag);
        (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/shares/payments", new { Date = new DateOnly(2026, 1, 15), AmountCents = 200_000 }, etag);
        (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/suspend", new { Reason = "Usage fee for the floor unpaid" }, etag);
        (_, etag) = await OrganisationApiTests.PostAsync(client, $"{url}/reactivate", null, etag);
        await OrganisationApiTests.PostAsync(client, $"{url}/end", new { Reason = "Five-year agreement over" }, etag);

        ShouldMatch(await OutboxAsync(correlation),
            ("membership.organisation-activated", new { OrganisationId = authority.Id, Name = "Sozialbehörde der Stadt", Kind = "public-body", NonProfit = true }),
            ("membership.organisation-changed", new { OrganisationId = authority.Id, Name = "Behörde für Arbeit, Gesundheit, Soziales", Kind = "public-body", NonProfit = true }),
            ("membership.cooperative-shares-subscribed", new { OrganisationId = authority.Id, Shares = 10, CentsPerShare = 50_000 }),
            ("membership.cooperative-share-payment-recorded", new { OrganisationId = authority.Id, PaidOn = "2026-01-15", AmountCents = 200_000, PaidCents = 200_000, SubscribedCents = 500_000 }),
            ("membership.organisation-suspended", new { OrganisationId = authority.Id, Reason = "Usage fee for the floor unpaid" }),
            ("membership.organisation-activated", new { OrganisationId = authority.Id, Name = "Behörde für Arbeit, Gesundheit, Soziales", Kind = "public-body", NonProfit = true }),
            ("membership.organisation-ended", new { OrganisationId = authority.Id, Reason = "Five-year agreement over" }));
        (await OrphansAsync(correlation)).ShouldBe(0);
    }

    [Fact]
    public async Task A_persons_acting_plans_rota_and_forgetting_are_published_without_personal_data()
    {
        var correlation = $"person-{Guid.NewGuid():N}";
        using var client = Client(correlation);
        var (verein, _) = await OrganisationApiTests.RegisterAsync(client, OrganisationApiTests.NeighbourhoodAssociation());
        var site = Guid.NewGuid();
        var (person, etag) = await PeopleApiTests.RegisterAsync(client, "Jonas Ehrenamt", "jonas@verein.example", "0341 555 0102");
        var url = $"/api/people/{person.Id}";
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Put, url, new { Name = "Jonas Weber", Email = "jonas.weber@verein.example" }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/organisations", new { OrganisationId = verein.Id, Role = "representative" }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/plans",
            new { Plan = "civil-society", OrganisationId = verein.Id, ValidFrom = new DateOnly(2026, 1, 1), ValidUntil = new DateOnly(2026, 12, 31) }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/duty-rota", new { SiteId = site }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Delete, $"{url}/duty-rota/{site}", null, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Delete, $"{url}/organisations/{verein.Id}", null, etag);
        await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/forget", null, etag);

        var outbox = await OutboxAsync(correlation);
        ShouldMatch(outbox,
            ("membership.person-acts-for-organisation", new { PersonId = person.Id, OrganisationId = verein.Id, Role = "representative", PersonVersion = 3 }),
            ("membership.membership-plan-changed", new { PersonId = person.Id, OrganisationId = verein.Id, Plan = "civil-society", ValidFrom = "2026-01-01", ValidUntil = "2026-12-31" }),
            ("membership.person-joined-duty-rota", new { PersonId = person.Id, SiteId = site }),
            ("membership.person-left-duty-rota", new { PersonId = person.Id, SiteId = site }),
            ("membership.person-stopped-acting-for-organisation", new { PersonId = person.Id, OrganisationId = verein.Id, PersonVersion = 7 }),
            ("membership.person-forgotten", new { PersonId = person.Id, PersonVersion = 8 }));
        outbox.ShouldAllBe(m => !m.Body.ToJsonString().Contains("jonas", StringComparison.OrdinalIgnoreCase)
            && !m.Body.ToJsonString().Contains("weber", StringComparison.OrdinalIgnoreCase) && !m.Body.ToJsonString().Contains("0341"));
        (await OrphansAsync(correlation)).ShouldBe(0);
    }

    [Fact]
    public async Task A_freelancer_acting_on_their_own_gets_a_personal_plan_published_without_an_organisation()
    {
        var correlation = $"freelancer-{Guid.NewGuid():N}";
        using var client = Client(correlation);
        var (person, etag) = await PeopleApiTests.RegisterAsync(client, "Mara Selbständig", "mara@freelance.example");

        await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"/api/people/{person.Id}/plans", new { Plan = "flexible-desk", ValidFrom = new DateOnly(2026, 2, 1) }, etag);

        ShouldMatch(await OutboxAsync(correlation),
            ("membership.membership-plan-changed", new { PersonId = person.Id, OrganisationId = (Guid?)null, Plan = "flexible-desk", ValidFrom = "2026-02-01", ValidUntil = (string?)null }));
    }
}
