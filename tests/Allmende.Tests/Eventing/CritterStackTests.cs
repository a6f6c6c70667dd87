using System.Net;
using System.Net.Http.Json;
using Allmende.Tests.Infrastructure;
using JasperFx.CodeGeneration;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Wolverine.Runtime;
using Wolverine.Runtime.Handlers;

namespace Allmende.Tests.Eventing;

/// <summary>
/// Step 1 of the move onto Marten and Wolverine (docs/adr/0015): both run in the real host beside our
/// store, with the settings later steps rely on, and nothing is written twice meanwhile.
/// </summary>
public sealed class CritterStackTests(AllmendeApp app) : IClassFixture<AllmendeApp>
{
    [Fact]
    public void Martens_log_keeps_string_stream_ids_quick_appends_with_our_timestamps_metadata_columns_and_no_archiving()
    {
        var options = app.Services.GetRequiredService<StoreOptions>();
        var events = options.Events;

        new
        {
            events.DatabaseSchemaName,
            events.StreamIdentity,
            events.AppendMode,
            events.UseArchivedStreamPartitioning,
            events.MetadataConfig.UserNameEnabled,
            events.MetadataConfig.CorrelationIdEnabled,
            events.MetadataConfig.CausationIdEnabled,
            Logger = options.Logger().GetType().Name,
        }.ShouldBe(new
        {
            DatabaseSchemaName = "marten",
            StreamIdentity = StreamIdentity.AsString,
            AppendMode = EventAppendMode.QuickWithServerTimestamps, // writes the timestamps the writer sets (ours)
            UseArchivedStreamPartitioning = false,
            UserNameEnabled = true,
            CorrelationIdEnabled = true,
            CausationIdEnabled = true,
            Logger = "MartenLog", // failed commands without their parameters
        });
    }

    [Fact]
    public async Task Every_database_has_Martens_and_Wolverines_tables_from_start_up()
    {
        var tables = new List<string>();
        await using (var command = app.DataSource.CreateCommand("""
            select table_schema || '.' || table_name from information_schema.tables
            where (table_schema = 'marten' and table_name in ('mt_events', 'mt_streams', 'mt_event_progression'))
               or (table_schema = 'wolverine' and table_name in ('wolverine_incoming_envelopes', 'wolverine_outgoing_envelopes', 'wolverine_dead_letters', 'wolverine_nodes'))
            order by 1
            """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                tables.Add(reader.GetString(0));
        }

        tables.ShouldBe([
            "marten.mt_event_progression", "marten.mt_events", "marten.mt_streams",
            "wolverine.wolverine_dead_letters", "wolverine.wolverine_incoming_envelopes",
            "wolverine.wolverine_nodes", "wolverine.wolverine_outgoing_envelopes",
        ]);
    }

    [Fact]
    public async Task A_command_writes_its_events_to_Martens_log_which_Marten_reads_back_as_written()
    {
        using var admin = app.AdminClient();
        var response = await admin.PostAsJsonAsync("/api/sites", new
        {
            name = "Stadtteilladen",
            address = new { street = "Ringstraße 9", postalCode = "12345", city = "Musterstadt" },
            openingHours = new[] { new { day = "tuesday", opens = "09:00", closes = "13:00" } },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var stream = $"site-{response.Headers.Location!.ToString().Split('/')[^1]}";

        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from marten.mt_events where stream_id = $1", stream)).ShouldBe(2);
        (await TestPostgres.ScalarAsync(app.ConnectionString,
            "select count(*) from information_schema.tables where table_schema = 'eventing' and table_name in ('events', 'streams')")).ShouldBe(0);
        // One log, in Marten's shape: Marten's own reader folds what our unit of work wrote, with our
        // type names, versions, sequence numbers, instants and metadata.
        var ours = await app.Services.GetRequiredService<Allmende.Eventing.Streams.EventStore>().ReadStreamAsync(stream);
        await using (var session = app.Services.GetRequiredService<IDocumentStore>().QuerySession())
        {
            var martens = await session.Events.FetchStreamAsync(stream);
            martens.Select(e => new { e.Sequence, e.Id, e.StreamKey, e.Version, e.EventTypeName, e.Data, e.Timestamp, e.UserName, e.CorrelationId, e.CausationId })
                .ShouldBe(ours.Select(e => new { e.Sequence, Id = e.EventId, StreamKey = (string?)e.StreamId, Version = e.StreamVersion, EventTypeName = e.EventType, e.Data,
                    Timestamp = e.RecordedAt, UserName = e.Metadata.Actor, e.Metadata.CorrelationId, e.Metadata.CausationId }));
        }
        (await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from wolverine.wolverine_outgoing_envelopes")).ShouldBe(0);
    }

    [Fact]
    public void Marten_runs_the_modules_inline_read_models_as_its_inline_projections_in_their_order()
    {
        var ours = app.Services.GetRequiredService<Allmende.Eventing.Projections.ProjectionSet>().Inline;
        var martens = app.Services.GetRequiredService<StoreOptions>().Projections.All;

        var inline = martens.Where(p => p.Lifecycle == JasperFx.Events.Projections.ProjectionLifecycle.Inline).ToList();
        inline.Select(p => p.Name).ShouldBe(ours.Select(p => p.Name)); // as the modules registered them (the slot guard first of Bookings')
        inline.Select(p => ((JasperFx.Events.Projections.IProjectionWrapper)p).InnerProjection)
            .Cast<Allmende.Eventing.Projections.InlineProjection>().Select(p => p.Projection).ShouldBe(ours);
        ours.Count.ShouldBeGreaterThan(20);
    }

    [Fact]
    public void Wolverine_takes_our_handler_registry_instead_of_scanning_for_handlers()
    {
        // In TypeLoadMode.Static Wolverine looks for a HandlerRegistry among the application assembly's exported
        // types at every start; without one it warns and scans that assembly (issue 13 item 6).
        var options = app.Services.GetRequiredService<IWolverineRuntime>().Options;

        options.CodeGeneration.TypeLoadMode.ShouldBe(TypeLoadMode.Static);
        options.ApplicationAssembly!.ExportedTypes.Where(t => t.IsAssignableTo(typeof(HandlerRegistry)))
            .ShouldBe([typeof(Allmende.Eventing.Messaging.PrebuiltHandlerRegistry)]);
    }

    [Fact]
    public async Task The_host_joins_Wolverines_cluster_as_a_node()
    {
        // Started here, not by whichever test of the class happened to run first (run alone, it never was).
        await app.StartAsync();
        await Eventually.ReachedAsync(
            async () => await TestPostgres.ScalarAsync(app.ConnectionString, "select count(*) from wolverine.wolverine_nodes") == 1,
            "this host registered as Wolverine's one node", timeoutSeconds: 90); // 26 s once in a loaded CI run
    }
}
