using Allmende.Eventing;
using Allmende.Eventing.CritterStack;
using Allmende.Eventing.Schema;
using Marten;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Tests.Eventing;

public sealed class SchemaMigrationTests(StoreApp app) : IClassFixture<StoreApp>
{
    private IReadOnlyList<Migration> AllMigrations =>
        ((IOptions<EventingOptions>)app.Services.GetService(typeof(IOptions<EventingOptions>))!).Value.Migrations;

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Hosts_starting_at_once_on_an_empty_database_apply_each_migration_exactly_once()
    {
        var database = await TestPostgres.CreateEmptyDatabaseAsync();
        var migrations = AllMigrations;
        var sources = Enumerable.Range(0, 4).Select(_ => NpgsqlDataSource.Create(database)).ToList();
        // Marten's tables first, as the host lays them out before ours (ours guard its log).
        var types = ((IOptions<EventingOptions>)app.Services.GetService(typeof(IOptions<EventingOptions>))!).Value.Types;
        using (var marten = new DocumentStore(CritterStackRegistration.MartenOptions(database, "test", types)))
            await marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        try
        {
            var applied = await Task.WhenAll(sources.Select(source =>
                Task.Run(() => new SchemaMigrator(source, migrations, NullLogger<SchemaMigrator>.Instance).MigrateAsync())));

            applied.Sum().ShouldBe(migrations.Count);
            applied.Count(n => n == migrations.Count).ShouldBe(1);
            (await ScalarAsync(database, "select count(*) from eventing.schema_versions")).ShouldBe(migrations.Count);
            (await ScalarAsync(database, "select count(*) from information_schema.triggers where event_object_schema = 'marten' and event_object_table = 'mt_events' and trigger_name = 'events_append_only'")).ShouldBe(2);

            // Running again changes nothing.
            (await new SchemaMigrator(sources[0], migrations, NullLogger<SchemaMigrator>.Instance).MigrateAsync()).ShouldBe(0);
        }
        finally
        {
            foreach (var source in sources)
                await source.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_stops_the_start_up()
    {
        var edited = AllMigrations.Select(m => m.Module == "tests" ? m with { Sql = m.Sql + "\n-- edited" } : m).ToList();

        var error = await Should.ThrowAsync<InvalidOperationException>(() =>
            new SchemaMigrator(app.DataSource, edited, NullLogger<SchemaMigrator>.Instance).MigrateAsync());

        error.Message.ShouldContain("tests v1 ('tally totals') was changed after it was applied");
    }

    [Fact]
    public async Task A_database_whose_log_is_still_in_eventing_events_refuses_the_start_up_until_import_log_copies_it_whole()
    {
        // A developer's database from before the move: the old log holds an event, Marten's is empty.
        var database = await TestPostgres.CreateEmptyDatabaseAsync();
        var before = AllMigrations.Where(m => m.Module == "eventing" && m.Version < 6).ToList();
        await using var source = NpgsqlDataSource.Create(database);
        await new SchemaMigrator(source, before, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        await using (var old = source.CreateCommand("""
            insert into eventing.streams (stream_id, stream_type, version, created_at, updated_at)
            values ('tally-old', 'tally', 1, '2026-01-02 03:04:05.123456+00', '2026-02-03 04:05:06.654321+00');
            insert into eventing.events (event_id, stream_id, stream_version, event_type, data, recorded_at, actor, correlation_id, causation_id)
            values (gen_random_uuid(), 'tally-old', 1, 'tests.tally-opened', '{"name": "Alt"}', '2026-01-02 03:04:05.123456+00', 'alice', 'corr-1', 'cause-1');
            """))
            await old.ExecuteNonQueryAsync();
        var types = ((IOptions<EventingOptions>)app.Services.GetService(typeof(IOptions<EventingOptions>))!).Value.Types;
        using var marten = new DocumentStore(CritterStackRegistration.MartenOptions(database, "test", types));

        // What the host runs first at start-up: Marten's tables, then ours.
        var refusal = await Should.ThrowAsync<PostgresException>(() => new SchemaMigrator(source, AllMigrations, NullLogger<SchemaMigrator>.Instance,
            _ => marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync()).MigrateAsync());

        (refusal.MessageText, refusal.Hint).ShouldBe((
            "This database holds 1 events in eventing.events, the log from before it moved to Marten (docs/adr/0015), and this version reads only marten.mt_events.",
            "Copy it once with the verb import-log (dotnet run --project src/Host -- import-log), or start this version on a new database."));
        (await ScalarAsync(database, "select count(*) from eventing.events")).ShouldBe(1);
        (await ScalarAsync(database, "select count(*) from marten.mt_events")).ShouldBe(0);
        (await ScalarAsync(database, "select max(version) from eventing.schema_versions where module = 'eventing'")).ShouldBe(5);

        // import-log: every column kept, then the start-up's migration passes and drops the old tables.
        var oldRows = await TextAsync(database, OldRows);
        (await new LogImport(source, marten).ImportAsync()).ShouldBe(1);
        await new SchemaMigrator(source, AllMigrations, NullLogger<SchemaMigrator>.Instance).MigrateAsync();

        (await TextAsync(database, ImportedRows)).ShouldBe(oldRows);
        (await ScalarAsync(database, "select count(*) from information_schema.tables where table_schema = 'eventing' and table_name in ('events', 'streams')")).ShouldBe(0);
        (await ScalarAsync(database, "select nextval('marten.mt_events_sequence')")).ShouldBe(2);
    }

    [Fact]
    public async Task A_database_with_deliveries_not_yet_done_in_our_outbox_refuses_the_start_up_until_they_are_done()
    {
        // A database from before every message moved to Wolverine: one delivery due, one dead, one done.
        var database = await TestPostgres.CreateEmptyDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var types = ((IOptions<EventingOptions>)app.Services.GetService(typeof(IOptions<EventingOptions>))!).Value.Types;
        using var marten = new DocumentStore(CritterStackRegistration.MartenOptions(database, "test", types));
        var before = AllMigrations.Where(m => m.Module == "eventing" && m.Version < 7).ToList();
        await new SchemaMigrator(source, before, NullLogger<SchemaMigrator>.Instance, _ => marten.Storage.ApplyAllConfiguredChangesToDatabaseAsync()).MigrateAsync();
        await using (var old = source.CreateCommand("""
            insert into eventing.outbox (message_id, message_type, kind, body, created_at, deliver_at)
            values ('00000000-0000-7000-8000-000000000001', 'tests.greeted', 'event', '{"id": "x"}', now(), now());
            insert into eventing.deliveries (message_id, handler, status, due_at)
            values ('00000000-0000-7000-8000-000000000001', 'due', 'pending', now() + interval '1 day'),
                   ('00000000-0000-7000-8000-000000000001', 'dead', 'dead', now()),
                   ('00000000-0000-7000-8000-000000000001', 'done', 'done', now());
            """))
            await old.ExecuteNonQueryAsync();

        var refusal = await Should.ThrowAsync<PostgresException>(() => new SchemaMigrator(source, AllMigrations, NullLogger<SchemaMigrator>.Instance).MigrateAsync());

        (refusal.MessageText, refusal.Hint).ShouldBe((
            "This database holds 2 deliveries in eventing.deliveries not yet done (1 of them dead letters), from before every message moved to Wolverine (docs/adr/0015), and this version delivers only Wolverine's.",
            "Run the previous version on this database until they are delivered (replay or discard its dead letters under /api/admin/dead-letters), or start this version on a new database."));
        (await ScalarAsync(database, "select count(*) from eventing.deliveries")).ShouldBe(3);
        (await ScalarAsync(database, "select max(version) from eventing.schema_versions where module = 'eventing'")).ShouldBe(6);

        // Once the previous version has delivered one and staff discarded the other, the tables go.
        await using (var done = source.CreateCommand("update eventing.deliveries set status = case status when 'dead' then 'discarded' else 'done' end"))
            await done.ExecuteNonQueryAsync();
        await new SchemaMigrator(source, AllMigrations, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        (await ScalarAsync(database, "select count(*) from information_schema.tables where table_schema = 'eventing' and table_name in ('outbox', 'deliveries')")).ShouldBe(0);
    }

    private const string OldRows = """
        select string_agg(concat_ws('|', e.seq, e.event_id, e.stream_id, e.stream_version, e.event_type, e.data::text, e.recorded_at,
                                    e.actor, e.correlation_id, e.causation_id, s.stream_type, s.version, s.created_at, s.updated_at), ';' order by e.seq)
        from eventing.events e join eventing.streams s using (stream_id)
        """;

    private const string ImportedRows = """
        select string_agg(concat_ws('|', e.seq_id, e.id, e.stream_id, e.version, e.type, e.data::text, e.timestamp,
                                    e.user_name, e.correlation_id, e.causation_id, s.type, s.version, s.created, s.timestamp), ';' order by e.seq_id)
        from marten.mt_events e join marten.mt_streams s on s.id = e.stream_id
        """;

    private static async Task<string> TextAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
