using Allmende.Tests.Infrastructure;
using System.Net;
using System.Text.Json.Nodes;
using Allmende.Membership.Organisations.Read;
using Allmende.Eventing.Api;
using Allmende.Membership.Organisations;

namespace Allmende.Tests.Membership;

[Collection(MembershipHost.Name)]
public sealed class OrganisationApiTests(MembershipApp app)
{
    internal static object SocialAuthority(string name = "Sozialbehörde der Stadt") => new
    {
        Name = name,
        Kind = "public-body",
        NonProfit = true,
        Address = new { Street = "Hamburger Straße 47", PostalCode = "22083", City = "Hamburg" },
        Contact = new { Email = "engagement@sozialbehoerde.example", Phone = "+49 40 42863 0" },
    };

    internal static object NeighbourhoodAssociation(string name = "Nachbarschaftsverein Südstadt e.V.") => new
    {
        Name = name, Kind = "association", NonProfit = true,
        Address = new { Street = "Werkstattweg 3", PostalCode = "04277", City = "Leipzig" },
    };

    internal static async Task<(OrganisationResponse Organisation, string ETag)> RegisterAsync(HttpClient client, object details)
    {
        var response = await (await client.PostAsync("/api/organisations", details)).ShouldBeAsync(HttpStatusCode.Created);
        return (await response.ReadAsync<OrganisationResponse>(), response.ETag());
    }

    internal static async Task<(OrganisationResponse Organisation, string ETag)> PostAsync(HttpClient client, string url, object? body, string etag,
        HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await (await client.PostAsync(url, body, etag)).ShouldBeAsync(expected);
        return expected == HttpStatusCode.OK ? (await response.ReadAsync<OrganisationResponse>(), response.ETag()) : (null!, "");
    }

    private static async Task<string?> RuleAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())?["rule"]?.GetValue<string>();

    private static async Task<IEnumerable<string>> InvalidFieldsAsync(HttpResponseMessage response)
    {
        await response.ShouldBeAsync(HttpStatusCode.BadRequest);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]!.AsObject().Select(p => p.Key);
    }

    [Fact]
    public async Task Registering_an_organisation_answers_201_with_location_etag_and_the_applied_organisation()
    {
        using var client = app.AdminClient();

        var response = await (await client.PostAsync("/api/organisations", SocialAuthority())).ShouldBeAsync(HttpStatusCode.Created);

        var organisation = await response.ReadAsync<OrganisationResponse>();
        response.Headers.Location!.ToString().ShouldBe($"/api/organisations/{organisation.Id}");
        response.ETag().ShouldBe("\"1\"");
        organisation.ShouldBe(organisation with
        {
            Name = "Sozialbehörde der Stadt", Kind = "public-body", NonProfit = true, Status = "applied", StatusReason = null,
            Address = new("Hamburger Straße 47", "22083", "Hamburg"),
            Contact = new("engagement@sozialbehoerde.example", "+49 40 42863 0"),
            Version = 1,
        });
        organisation.Shares.ShouldBe(new SharesResponse(0, 0, 0, 0, 0, []), new SharesComparer());

        var read = await client.GetAsync($"/api/organisations/{organisation.Id}");
        await read.ShouldBeAsync(HttpStatusCode.OK);
        read.ETag().ShouldBe("\"1\"");
        (await read.ReadAsync<OrganisationResponse>()).Name.ShouldBe("Sozialbehörde der Stadt");
    }

    [Fact]
    public async Task A_registration_with_bad_fields_is_a_400_naming_each_of_them()
    {
        using var client = app.AdminClient();

        var fields = await InvalidFieldsAsync(await client.PostAsync("/api/organisations", new
        {
            Name = "",
            Kind = "club",
            Address = new { Street = "Werkstattweg 3", PostalCode = "04277", City = "" },
            Contact = new { Email = "not-an-email", Phone = "call me" },
        }));

        fields.ShouldBe(["name", "kind", "nonProfit", "address.city", "contact.email", "contact.phone"], ignoreOrder: true);
    }

    [Fact]
    public async Task An_unknown_organisation_is_a_404_for_reads_and_writes()
    {
        using var client = app.AdminClient();
        var unknown = Guid.NewGuid();

        await (await client.GetAsync($"/api/organisations/{unknown}")).ShouldBeAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync($"/api/organisations/{unknown}/activate", null, "\"1\"")).ShouldBeAsync(HttpStatusCode.NotFound);
        await (await client.PutAsync($"/api/organisations/{unknown}", NeighbourhoodAssociation(), "\"1\"")).ShouldBeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_organisation_goes_from_applied_to_active_to_suspended_to_active_to_ended_and_stays_ended()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, NeighbourhoodAssociation());
        var url = $"/api/organisations/{organisation.Id}";

        (organisation, etag) = await PostAsync(client, $"{url}/activate", null, etag);
        organisation.Status.ShouldBe("active");
        etag.ShouldBe("\"2\"");

        (organisation, etag) = await PostAsync(client, $"{url}/suspend", new { Reason = "Usage fee unpaid for three months" }, etag);
        (organisation.Status, organisation.StatusReason).ShouldBe(("suspended", "Usage fee unpaid for three months"));

        (organisation, etag) = await PostAsync(client, $"{url}/reactivate", null, etag);
        (organisation.Status, organisation.StatusReason).ShouldBe(("active", null));

        (organisation, etag) = await PostAsync(client, $"{url}/end", new { Reason = "The association dissolved" }, etag);
        (organisation.Status, organisation.StatusReason, organisation.Version).ShouldBe(("ended", "The association dissolved", 5L));
        etag.ShouldBe("\"5\"");

        var refused = await (await client.PostAsync($"{url}/reactivate", null, etag)).ShouldBeAsync(HttpStatusCode.Conflict);
        (await RuleAsync(refused)).ShouldBe("organisation-ended");
    }

    [Fact]
    public async Task A_forbidden_transition_is_a_409_naming_the_rule()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, NeighbourhoodAssociation());

        var response = await (await client.PostAsync($"/api/organisations/{organisation.Id}/suspend", new { Reason = "Too early" }, etag))
            .ShouldBeAsync(HttpStatusCode.Conflict);

        (await RuleAsync(response)).ShouldBe("organisation-not-active");
    }

    [Fact]
    public async Task Suspending_or_ending_without_a_reason_is_a_400_naming_reason()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, NeighbourhoodAssociation());

        (await InvalidFieldsAsync(await client.PostAsync($"/api/organisations/{organisation.Id}/end", new { Reason = " " }, etag))).ShouldBe(["reason"]);
        (await InvalidFieldsAsync(await client.PostAsync($"/api/organisations/{organisation.Id}/suspend", new { }, etag))).ShouldBe(["reason"]);
    }

    [Fact]
    public async Task An_update_without_if_match_is_a_428_and_with_a_stale_one_a_409_and_nothing_is_written()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, NeighbourhoodAssociation());
        var url = $"/api/organisations/{organisation.Id}";
        await PostAsync(client, $"{url}/activate", null, etag);

        await (await client.PostAsync($"{url}/suspend", new { Reason = "No If-Match" })).ShouldBeAsync(HttpStatusCode.PreconditionRequired);
        await (await client.PutAsync(url, NeighbourhoodAssociation("Renamed"))).ShouldBeAsync(HttpStatusCode.PreconditionRequired);
        await (await client.PostAsync($"{url}/suspend", new { Reason = "Stale" }, etag)).ShouldBeAsync(HttpStatusCode.Conflict);
        await (await client.PutAsync(url, NeighbourhoodAssociation("Renamed"), etag)).ShouldBeAsync(HttpStatusCode.Conflict);
        (await (await client.PostAsync($"{url}/suspend", new { Reason = "Odd" }, "yesterday")).ShouldBeAsync(HttpStatusCode.BadRequest)).ShouldNotBeNull();

        var current = await (await client.GetAsync(url)).ReadAsync<OrganisationResponse>();
        (current.Status, current.Name, current.Version).ShouldBe(("active", "Nachbarschaftsverein Südstadt e.V.", 2L));
    }

    [Fact]
    public async Task Details_are_changed_with_put_and_an_unchanged_put_keeps_the_version()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, NeighbourhoodAssociation());
        var url = $"/api/organisations/{organisation.Id}";

        var changed = await (await client.PutAsync(url, new
        {
            Name = "Kiosk-Pilot Freiberufler eG", Kind = "cooperative", NonProfit = false,
            Contact = new { Email = "kiosk@freiberufler.example" },
        }, etag)).ShouldBeAsync(HttpStatusCode.OK);

        var after = await changed.ReadAsync<OrganisationResponse>();
        (after.Name, after.Kind, after.NonProfit, after.Address, after.Contact, after.Version)
            .ShouldBe(("Kiosk-Pilot Freiberufler eG", "cooperative", false, (Address?)null, new Contact("kiosk@freiberufler.example", null), 2L));
        var same = await (await client.PutAsync(url, new
        {
            Name = "Kiosk-Pilot Freiberufler eG", Kind = "cooperative", NonProfit = false,
            Contact = new { Email = "kiosk@freiberufler.example" },
        }, changed.ETag())).ShouldBeAsync(HttpStatusCode.OK);
        same.ETag().ShouldBe("\"2\"");
    }

    [Fact]
    public async Task The_city_authority_subscribes_cooperative_shares_and_pays_them_but_never_more()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, SocialAuthority());
        var url = $"/api/organisations/{organisation.Id}";
        (_, etag) = await PostAsync(client, $"{url}/activate", null, etag);

        (organisation, etag) = await PostAsync(client, $"{url}/shares/subscription", new { Shares = 20, CentsPerShare = 50_000 }, etag);
        (organisation, etag) = await PostAsync(client, $"{url}/shares/payments", new { Date = new DateOnly(2026, 1, 15), AmountCents = 600_000 }, etag);
        (organisation, etag) = await PostAsync(client, $"{url}/shares/payments", new { Date = new DateOnly(2026, 2, 16), AmountCents = 400_000 }, etag);

        organisation.Shares.ShouldBe(new SharesResponse(20, 50_000, 1_000_000, 1_000_000, 0,
            [new(new DateOnly(2026, 1, 15), 600_000), new(new DateOnly(2026, 2, 16), 400_000)]), new SharesComparer());
        var overpaid = await (await client.PostAsync($"{url}/shares/payments", new { Date = new DateOnly(2026, 3, 1), AmountCents = 1 }, etag))
            .ShouldBeAsync(HttpStatusCode.Conflict);
        (await RuleAsync(overpaid)).ShouldBe("shares-overpaid");
        var fewer = await (await client.PostAsync($"{url}/shares/subscription", new { Shares = 19, CentsPerShare = 50_000 }, etag))
            .ShouldBeAsync(HttpStatusCode.Conflict);
        (await RuleAsync(fewer)).ShouldBe("subscription-below-paid");
    }

    [Fact]
    public async Task Share_requests_with_bad_fields_are_400s_naming_them()
    {
        using var client = app.AdminClient();
        var (organisation, etag) = await RegisterAsync(client, SocialAuthority());
        var url = $"/api/organisations/{organisation.Id}/shares";

        (await InvalidFieldsAsync(await client.PostAsync($"{url}/subscription", new { Shares = 0 }, etag)))
            .ShouldBe(["shares", "centsPerShare"], ignoreOrder: true);
        (await InvalidFieldsAsync(await client.PostAsync($"{url}/payments", new { Date = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(3), AmountCents = -5 }, etag)))
            .ShouldBe(["date", "amountCents"], ignoreOrder: true);
        var unsubscribed = await (await client.PostAsync($"{url}/payments", new { Date = new DateOnly(2026, 1, 2), AmountCents = 5 }, etag))
            .ShouldBeAsync(HttpStatusCode.Conflict);
        (await RuleAsync(unsubscribed)).ShouldBe("no-shares-subscribed");
    }

    [Fact]
    public async Task The_list_pages_and_filters_by_kind_status_non_profit_and_name()
    {
        using var client = app.AdminClient();
        var tag = $"Liste{Guid.NewGuid():N}"[..14];
        var (authority, etag) = await RegisterAsync(client, SocialAuthority($"{tag} Sozialbehörde"));
        await PostAsync(client, $"/api/organisations/{authority.Id}/activate", null, etag);
        await RegisterAsync(client, NeighbourhoodAssociation($"{tag} Nachbarschaftsverein"));
        await RegisterAsync(client, new { Name = $"{tag} Wohnungsbau GmbH", Kind = "company", NonProfit = false });
        await RegisterAsync(client, new { Name = $"{tag} Landesnetzwerk Bürgerengagement", Kind = "initiative", NonProfit = true });

        async Task<Page<OrganisationResponse>> ListAsync(string query) =>
            await (await (await client.GetAsync($"/api/organisations?name={tag}&{query}")).ShouldBeAsync(HttpStatusCode.OK)).ReadAsync<Page<OrganisationResponse>>();

        var all = await ListAsync("");
        all.Total.ShouldBe(4);
        all.Items.Select(o => o.Name[(tag.Length + 1)..]).ShouldBe(["Landesnetzwerk Bürgerengagement", "Nachbarschaftsverein", "Sozialbehörde", "Wohnungsbau GmbH"]);
        var page = await ListAsync("offset=1&limit=2");
        (page.Total, page.Offset, page.Limit, page.Items.Count).ShouldBe((4L, 1, 2, 2));
        page.Items[0].Name.ShouldEndWith("Nachbarschaftsverein");
        (await ListAsync("kind=public-body")).Items.Single().Id.ShouldBe(authority.Id);
        (await ListAsync("status=active")).Items.Single().Id.ShouldBe(authority.Id);
        (await ListAsync("status=applied")).Total.ShouldBe(3);
        (await ListAsync("nonProfit=false")).Items.Single().Kind.ShouldBe("company");
        (await ListAsync("nonProfit=true&kind=initiative")).Items.Single().Name.ShouldEndWith("Bürgerengagement");
        (await client.GetAsync($"/api/organisations?name={tag}%25")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await (await client.GetAsync($"/api/organisations?name={tag}%25")).ReadAsync<Page<OrganisationResponse>>()).Total.ShouldBe(0);
        (await InvalidFieldsAsync(await client.GetAsync("/api/organisations?kind=club"))).ShouldBe(["kind"]);
        (await InvalidFieldsAsync(await client.GetAsync("/api/organisations?limit=0"))).ShouldBe(["limit"]);
    }

    [Fact]
    public async Task Without_a_key_every_organisation_endpoint_is_a_401()
    {
        using var anonymous = app.CreateClient();

        (await anonymous.GetAsync("/api/organisations")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync($"/api/organisations/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync("/api/organisations", SocialAuthority())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync($"/api/organisations/{Guid.NewGuid()}/activate", null, "\"1\"")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>Compares shares with their payments by value (records compare lists by reference).</summary>
    private sealed class SharesComparer : IEqualityComparer<SharesResponse>
    {
        public bool Equals(SharesResponse? x, SharesResponse? y) =>
            x is not null && y is not null && x with { Payments = [] } == y with { Payments = [] } && x.Payments.SequenceEqual(y.Payments);

        public int GetHashCode(SharesResponse obj) => obj.Subscribed;
    }
}
