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
}
