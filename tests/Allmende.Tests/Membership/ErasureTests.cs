using System.Net;
using System.Text.Json.Nodes;
using Allmende.Eventing.Streams;
using Allmende.Membership.People;
using Allmende.Membership.People.Read;
using Allmende.Membership.Privacy;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Allmende.Tests.Membership;

/// <summary>
/// The proof of crypto-shredding: after "forget this person" nothing in the whole database (any
/// table of any schema, the event log and the outbox included) and nothing in the logs holds the
/// person's name, email or phone, while their organisation links, plans and figures stay.
/// </summary>
public sealed class ErasureTests(MembershipApp app) : IClassFixture<MembershipApp>
{
    // Distinctive values that occur nowhere else.
    private const string Name = "Zyxwvu Quorbelmann";
    private const string Email = "zq.8471@example.org";
    private const string Phone = "+49 151 84718471";
    private const string FormerName = "Zyxwvu Quorbelmann-Altname";
    private const string FormerEmail = "zq.altname.5526@example.org";

    private static readonly string[] Needles = ["Quorbelmann", "Zyxwvu", "zq.8471", "84718471", "altname", "5526@example"];

    private async Task<long> ScalarAsync(string sql, params object[] args)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<string> TextAsync(string sql, params object[] args)
    {
        await using var command = app.DataSource.CreateCommand(sql);
        foreach (var arg in args)
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A member of the neighbourhood association: registered, renamed, acting, on a plan and on the duty rota.</summary>
    private async Task<(Guid Person, Guid Organisation, Guid Site, string ETag)> MemberOfTheAssociationAsync(HttpClient client)
    {
        var (organisation, organisationEtag) = await OrganisationApiTests.RegisterAsync(client, OrganisationApiTests.NeighbourhoodAssociation("Nachbarschaftsverein Quorbelheim e.V."));
        await OrganisationApiTests.PostAsync(client, $"/api/organisations/{organisation.Id}/activate", null, organisationEtag);
        var site = Guid.NewGuid();
        var (person, etag) = await PeopleApiTests.RegisterAsync(client, FormerName, FormerEmail);
        var url = $"/api/people/{person.Id}";
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Put, url, new { Name, Email, Phone }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/organisations", new { OrganisationId = organisation.Id, Role = "representative" }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/plans",
            new { Plan = "civil-society", OrganisationId = organisation.Id, ValidFrom = new DateOnly(2026, 1, 1) }, etag);
        (_, etag) = await PeopleApiTests.SendAsync(client, HttpMethod.Post, $"{url}/duty-rota", new { SiteId = site }, etag);
        return (person.Id, organisation.Id, site, etag);
    }

    [Fact]
    public async Task The_scan_finds_text_in_binary_message_bodies_as_stored_and_as_json_escapes_it()
    {
        // Wolverine keeps message bodies as bytea, the JSON inside written by System.Text.Json, which escapes "ü" as \u00FC.
        await using (var create = app.DataSource.CreateCommand("""
            create schema scancheck;
            create table scancheck.bodies (kind text, body bytea);
            insert into scancheck.bodies values ('escaped', convert_to('{"name":"Xanthippe Pr\u00FCfwerk"}', 'UTF8'));
            insert into scancheck.bodies values ('raw', convert_to('Yorrick Grünwälder', 'UTF8'));
            """))
            await create.ExecuteNonQueryAsync();
        try
        {
            (await DatabaseScan.HitsAsync(app.DataSource, "Prüfwerk")).ShouldBe(["scancheck.bodies.body"]);
            (await DatabaseScan.HitsAsync(app.DataSource, "xanthippe")).ShouldBe(["scancheck.bodies.body"]);
            (await DatabaseScan.HitsAsync(app.DataSource, "Grünwälder")).ShouldBe(["scancheck.bodies.body"]);
            (await DatabaseScan.HitsAsync(app.DataSource, "Prüfwerkzeug")).ShouldBeEmpty();
        }
        finally
        {
            await using var drop = app.DataSource.CreateCommand("drop schema scancheck cascade");
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Personal_data_is_never_stored_in_plain_text_not_even_before_forgetting()
    {
        using var client = app.AdminClient();
        var (person, organisation, _, _) = await MemberOfTheAssociationAsync(client);
        // Funding keeps the organisation's name for its reports: wait for its copy, so the scan below sees every table it will be in.
        await Allmende.Tests.Infrastructure.Eventually.ReachedAsync(async () => await Allmende.Tests.Infrastructure.TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from funding.organisations where organisation_id = $1", organisation) == 1, "Funding knows the organisation");

        (await (await client.GetAsync($"/api/people/{person}")).ReadAsync<PersonResponse>()).Name.ShouldBe(Name);
        foreach (var needle in Needles)
            (await DatabaseScan.HitsAsync(app.DataSource, needle)).ShouldBeEmpty($"'{needle}' is stored in plain text");
        // The scan does find what is stored in plain text: the organisation's name (not personal data), in the log, the outbox
        // (Wolverine's envelopes, bytea), the read model and Funding's copy (and, once delivered, in Bookings' copy for calendar
        // feeds, which may or may not have arrived yet).
        (await DatabaseScan.HitsAsync(app.DataSource, "Quorbelheim")).Except(["bookings.organisation_names.name"]).ShouldBe(
            ["marten.mt_events.data", "wolverine.wolverine_incoming_envelopes.body", "funding.organisations.name", "membership.organisations.name"],
            ignoreOrder: true);
        // The log holds the personal data sealed: present, but unreadable without the key.
        var registered = JsonNode.Parse(await TextAsync(
            "select data::text from marten.mt_events where stream_id = $1 and type = 'membership.person.registered'", Person.StreamId(person)))!;
        Convert.FromBase64String(registered["personalData"]!["name"]!.GetValue<string>()).Length.ShouldBe(12 + 16 + FormerName.Length);
    }

    [Fact]
    public async Task After_forgetting_a_person_no_table_event_outbox_message_or_log_line_holds_their_name_email_or_phone()
    {
        using var client = app.AdminClient();
        var (person, organisation, site, etag) = await MemberOfTheAssociationAsync(client);
        var eventsBefore = await ScalarAsync("select count(*) from marten.mt_events where stream_id = $1", Person.StreamId(person));

        var forgotten = await (await client.PostAsync($"/api/people/{person}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.OK);

        // Every read model shows the person as erased, and keeps links, plans and rota.
        var erased = await forgotten.ReadAsync<PersonResponse>();
        (erased.Name, erased.Email, erased.Phone, erased.Erased).ShouldBe(("(erased)", (string?)null, (string?)null, true));
        erased.Organisations.Single().ShouldBe(erased.Organisations.Single() with { OrganisationId = organisation, Role = "representative" });
        erased.Plans.ShouldBe([new PlanResponse("civil-society", organisation, new DateOnly(2026, 1, 1), null)]);
        erased.DutyRota.Single().SiteId.ShouldBe(site);
        var listed = await (await client.GetAsync($"/api/people?organisationId={organisation}")).ReadAsync<Allmende.Eventing.Api.Page<PersonResponse>>();
        (listed.Items.Single().Id, listed.Items.Single().Name).ShouldBe((person, "(erased)"));

        // The key is gone; PersonForgotten was appended (nothing personal in it) and published.
        (await ScalarAsync("select count(*) from membership.person_keys where person_id = $1", person)).ShouldBe(0);
        (await ScalarAsync("select count(*) from marten.mt_events where stream_id = $1", Person.StreamId(person))).ShouldBe(eventsBefore + 1);
        JsonNode.DeepEquals(JsonNode.Parse(await TextAsync(
                "select data::text from marten.mt_events where stream_id = $1 and type = 'membership.person.forgotten'", Person.StreamId(person))),
            new JsonObject { ["personId"] = person.ToString() }).ShouldBeTrue();
        var published = JsonNode.Parse((await Allmende.Tests.Infrastructure.WolverineEnvelopes.PublishedAsync(app.DataSource, "personId", person))
            .Single(p => p.Type == "membership.person-forgotten").Body)!;
        published.AsObject().Select(p => p.Key).ShouldBe(["personId", "at", "personVersion"], ignoreOrder: true);

        // Nowhere in the database, nor in any log line.
        (await DatabaseScan.ScanAsync(app.DataSource, Needles[0])).ColumnsSearched.ShouldBeGreaterThan(50);
        foreach (var needle in Needles)
        {
            (await DatabaseScan.HitsAsync(app.DataSource, needle)).ShouldBeEmpty($"'{needle}' survived forgetting");
            app.Logs.Lines.Where(l => l.Contains(needle, StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty($"'{needle}' was logged");
        }
        app.Logs.Lines.ShouldContain(l => l.Contains($"Person {person} was forgotten", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forgotten_persons_stream_still_loads_and_folds_and_its_sealed_data_reads_as_erased()
    {
        using var client = app.AdminClient();
        var (person, organisation, _, etag) = await MemberOfTheAssociationAsync(client);
        await (await client.SendAsync(HttpMethod.Delete, $"/api/people/{person}/personal-data", null, etag)).ShouldBeAsync(HttpStatusCode.OK);

        var loaded = await app.Store.LoadAsync<Person>(Person.StreamId(person));
        var events = await app.Store.ReadStreamAsync(Person.StreamId(person));
        var key = await app.Services.GetRequiredService<PersonKeys>().FindAsync(person, CancellationToken.None);

        loaded!.State.Forgotten.ShouldBeTrue();
        loaded.State.ActingFor.Keys.ShouldBe([organisation]);
        key.ShouldBeNull();
        var registered = (PersonRegistered)events[0].Data;
        PersonalDataCipher.Reveal(key, person, registered.PersonalData).ShouldBe(RevealedPersonalData.Gone);
        events[^1].Data.ShouldBe(new PersonForgotten(person));
    }

    [Fact]
    public async Task A_rebuilt_people_read_model_still_shows_the_forgotten_person_as_erased_with_their_links()
    {
        using var client = app.AdminClient();
        var (person, organisation, _, etag) = await MemberOfTheAssociationAsync(client);
        await (await client.PostAsync($"/api/people/{person}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.OK);

        await (await client.PostAsync("/api/admin/projections/membership.people/rebuild", null)).ShouldBeAsync(HttpStatusCode.Accepted);

        var rebuilt = await (await client.GetAsync($"/api/people/{person}")).ReadAsync<PersonResponse>();
        (rebuilt.Name, rebuilt.Email, rebuilt.Erased).ShouldBe(("(erased)", (string?)null, true));
        rebuilt.Organisations.Single().OrganisationId.ShouldBe(organisation);
        rebuilt.Plans.Count.ShouldBe(1);
        (await DatabaseScan.HitsAsync(app.DataSource, "Quorbelmann")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_forgotten_person_cannot_get_personal_data_back_nor_be_forgotten_twice()
    {
        using var client = app.AdminClient();
        var (person, _, _, etag) = await MemberOfTheAssociationAsync(client);
        var forgotten = await (await client.PostAsync($"/api/people/{person}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.OK);
        etag = forgotten.ETag();

        var put = await (await client.PutAsync($"/api/people/{person}", new { Name, Email }, etag)).ShouldBeAsync(HttpStatusCode.Conflict);
        var again = await (await client.PostAsync($"/api/people/{person}/forget", null, etag)).ShouldBeAsync(HttpStatusCode.Conflict);

        JsonNode.Parse(await put.Content.ReadAsStringAsync())!["rule"]!.GetValue<string>().ShouldBe("person-forgotten");
        JsonNode.Parse(await again.Content.ReadAsStringAsync())!["rule"]!.GetValue<string>().ShouldBe("person-already-forgotten");
        await (await client.PostAsync($"/api/people/{person}/forget", null)).ShouldBeAsync(HttpStatusCode.PreconditionRequired);
    }
}
