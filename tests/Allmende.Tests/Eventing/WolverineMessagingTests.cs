using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Eventing;

public sealed record Welcomed(Guid Id, string Text);
public sealed record Nudge(Guid Id, string Text);

public sealed class WelcomeLogger
{
    public async Task Handle(Welcomed message, MessageContext context, CancellationToken ct)
    {
        await Effects.RecordAsync(context, "welcome-logger", message.Id, ct);
        context.Work.Append($"welcomed-{message.Id}", new TallyCounted(context.Attempt));
    }
}

/// <summary>
/// Fails its first FailTimes attempts ("fail:N" in the text), always ("broken"), or until
/// <see cref="Fixed"/> ("broken until fixed").
/// </summary>
[RetryPolicy(MaxAttempts = 3, InitialDelayMilliseconds = 10, MaxDelayMilliseconds = 50)]
public sealed class WelcomeAuditor
{
    public static bool Fixed { get; set; }

    public async Task HandleAsync(Welcomed message, MessageContext context, CancellationToken ct)
    {
        // Write first, then fail: the write must roll back with the failed attempt.
        await Effects.RecordAsync(context, "welcome-auditor", message.Id, ct);
        if (message.Text == "broken" || (message.Text == "broken until fixed" && !Fixed) || (message.Text.StartsWith("fail:", StringComparison.Ordinal) && context.Attempt <= int.Parse(message.Text[5..])))
            throw new InvalidOperationException($"the welcome auditor failed attempt {context.Attempt}");
    }
}

public sealed class NudgeHandler
{
    public Task Handle(Nudge message, MessageContext context, CancellationToken ct) => Effects.RecordAsync(context, "nudge", message.Id, ct);
}

/// <summary>A host whose test messages travel on Wolverine's outbox and durable local queues.</summary>
public class WolverineBusApp : AllmendeApp
{
    // Scheduled messages, retries, dead letters and a dead node's envelopes.
    protected override bool WaitsOnScheduledMessages => true;

    public WolverineBusApp()
    {
    }

    internal WolverineBusApp(string connectionString, string hostId, bool runBackgroundWork = true) : base(connectionString, runBackgroundWork) =>
        With("Eventing:HostId", hostId);

    protected override void ConfigureServices(IServiceCollection services) =>
        services.Configure<EventingOptions>(o =>
        {
            o.RegisterTallies();
            o.AddMigrations(BusApp.Migrations);
            o.Types.Register<Welcomed>("tests.welcomed").Register<Nudge>("tests.nudge")
                .Register<FlakyGreeting>("tests.flaky-greeting").Register<Reminder>("tests.reminder")
                .Register<StalledGreeting>("tests.stalled-greeting").Register<SeveredGreeting>("tests.severed-greeting");
            // Short, so the stalled handlers' tests end soon; long enough that the severed handler's
            // terminate-and-wait never reaches it on a loaded machine (as in BusApp).
            o.HandlerTimeout = TimeSpan.FromSeconds(5);
            o.AddHandlers(typeof(WolverineBusApp).Assembly);
        });

    public Task<long> ScalarAsync(string sql, params object[] args) => TestPostgres.ScalarAsync(ConnectionString, sql, args);
}

/// <summary>Messages on Wolverine (docs/adr/0015, step 3): the same guarantees as our outbox gave.</summary>
public sealed class WolverineMessagingTests(WolverineBusApp app) : IClassFixture<WolverineBusApp>
{
    private async Task<Guid> PublishAsync(object message)
    {
        var uow = app.Store.Begin(new EventMetadata("member:test", "corr-wolverine"));
        var id = uow.Publish(message);
        await uow.CommitAsync();
        return id;
    }

    private Task<long> TimesAsync(string handler, Guid id) =>
        app.ScalarAsync("select coalesce(sum(times), 0) from tests.handled where handler = $1 and id = $2", handler, id);

    private Task<long> EnvelopesAsync(string status) =>
        app.ScalarAsync("select count(*) from wolverine.wolverine_incoming_envelopes where status = $1", status);

    [Fact]
    public async Task A_published_message_reaches_each_handler_once_in_its_own_transaction_with_the_publishers_metadata()
    {
        var welcome = new Welcomed(Guid.NewGuid(), "hello");
        var messageId = await PublishAsync(welcome);

        await Eventually.ReachedAsync(async () => await TimesAsync("welcome-logger", welcome.Id) == 1 && await TimesAsync("welcome-auditor", welcome.Id) == 1,
            "both handlers ran");
        var events = await app.Store.ReadStreamAsync($"welcomed-{welcome.Id}");
        events.Select(e => e.Data).ShouldBe([new TallyCounted(1)]);
        events[0].Metadata.ShouldBe(new EventMetadata("member:test", "corr-wolverine", messageId.ToString()));
        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("select count(*) from wolverine.wolverine_incoming_envelopes where message_type = 'tests.welcomed' and status = 'Handled'") >= 2,
            "both envelopes handled");
        (await TimesAsync("welcome-logger", welcome.Id)).ShouldBe(1);
        (await TimesAsync("welcome-auditor", welcome.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_message_of_a_unit_of_work_that_rolls_back_is_never_stored_nor_handled()
    {
        var stream = $"tally-{Guid.NewGuid()}";
        var start = app.Store.Begin(new EventMetadata("test"));
        start.StartStream("tally", stream, new TallyOpened("rollback"));
        await start.CommitAsync();

        var welcome = new Welcomed(Guid.NewGuid(), "never");
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.Append(stream, expectedVersion: 5, new TallyCounted(1));
        uow.Publish(welcome);
        await Should.ThrowAsync<ConcurrencyException>(() => uow.CommitAsync());

        // A message committed after it is handled; by then the rolled-back one would have been too.
        var control = new Welcomed(Guid.NewGuid(), "control");
        await PublishAsync(control);
        await Eventually.ReachedAsync(async () => await TimesAsync("welcome-logger", control.Id) == 1, "control handled");
        (await app.ScalarAsync("select count(*) from tests.handled where id = $1", welcome.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task A_handler_failing_twice_succeeds_on_the_third_attempt_and_its_failed_writes_roll_back()
    {
        var welcome = new Welcomed(Guid.NewGuid(), "fail:2");
        await PublishAsync(welcome);

        await Eventually.ReachedAsync(async () => await TimesAsync("welcome-auditor", welcome.Id) == 1, "auditor handled");
        await Eventually.ReachedAsync(async () => await TimesAsync("welcome-logger", welcome.Id) == 1, "logger handled");
        (await TimesAsync("welcome-auditor", welcome.Id)).ShouldBe(1); // the two failed attempts' writes rolled back
    }

    [Fact]
    public async Task A_handler_failing_three_times_succeeds_on_the_fourth_attempt_and_its_failed_writes_roll_back()
    {
        var flaky = new FlakyGreeting(Guid.NewGuid(), FailTimes: 3);
        var messageId = await PublishAsync(flaky);

        await Eventually.ReachedAsync(async () => await WolverineEnvelopes.HandledAsync(app.DataSource, messageId) == 1, "flaky handled");
        (await TimesAsync("flaky", flaky.Id)).ShouldBe(1);
        // The event it appended carries the successful attempt (the fourth: Wolverine's count), and its causation is the message.
        var events = await app.Store.ReadStreamAsync($"flaky-{flaky.Id}");
        events.Select(e => e.Data).ShouldBe([new TallyCounted(4)]);
        events[0].Metadata.ShouldBe(new EventMetadata("member:test", "corr-wolverine", messageId.ToString()));
    }

    [Fact]
    public async Task A_handler_that_always_fails_becomes_a_dead_letter_after_its_attempts_and_the_other_handler_goes_on()
    {
        var before = await app.ScalarAsync("select count(*) from wolverine.wolverine_dead_letters where exception_message = 'the welcome auditor failed attempt 3'");
        var welcome = new Welcomed(Guid.NewGuid(), "broken");
        await PublishAsync(welcome);

        await Eventually.ReachedAsync(async () =>
            await app.ScalarAsync("select count(*) from wolverine.wolverine_dead_letters where exception_message = 'the welcome auditor failed attempt 3'") == before + 1,
            "auditor dead-lettered after three attempts");
        (await TimesAsync("welcome-auditor", welcome.Id)).ShouldBe(0);
        await Eventually.ReachedAsync(async () => await TimesAsync("welcome-logger", welcome.Id) == 1, "the logger goes on");

        // Staff see it in /health/ready.
        using var client = app.AdminClient();
        var health = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        var outbox = health.GetProperty("checks").GetProperty("outbox").GetProperty("data");
        outbox.GetProperty("wolverineDeadLetters").GetInt64().ShouldBeGreaterThanOrEqualTo(1);
        outbox.GetProperty("deadLetters").GetInt64().ShouldBeGreaterThanOrEqualTo(outbox.GetProperty("wolverineDeadLetters").GetInt64());
    }

    [Fact]
    public async Task Staff_list_show_and_replay_a_dead_letter_after_the_fix_and_it_is_handled_once()
    {
        WelcomeAuditor.Fixed = false;
        var welcome = new Welcomed(Guid.NewGuid(), "broken until fixed");
        var messageId = await PublishAsync(welcome);
        using var client = app.AdminClient();
        var letter = await DeadLetterAsync(client, messageId);

        letter.GetProperty("messageType").GetString().ShouldBe("tests.welcomed");
        letter.GetProperty("handler").GetString().ShouldBe($"{typeof(WelcomeAuditor).FullName}:tests.welcomed");
        letter.GetProperty("attempts").GetInt32().ShouldBe(3);
        var id = letter.GetProperty("id").GetGuid();

        var shown = await client.GetFromJsonAsync<JsonElement>($"/api/admin/dead-letters/{id}");
        shown.GetProperty("id").GetGuid().ShouldBe(id);
        shown.GetProperty("messageId").GetGuid().ShouldBe(messageId);
        shown.GetProperty("error").GetString().ShouldBe("System.InvalidOperationException: the welcome auditor failed attempt 3");
        shown.GetProperty("message").GetRawText().ShouldBe($$"""{"id":"{{welcome.Id}}","text":"broken until fixed"}""");
        shown.GetProperty("failedAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(shown.GetProperty("createdAt").GetDateTimeOffset());
        (await TimesAsync("welcome-auditor", welcome.Id)).ShouldBe(0);

        WelcomeAuditor.Fixed = true;
        (await client.PostAsync($"/api/admin/dead-letters/{id}/replay", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await client.PostAsync($"/api/admin/dead-letters/{id}/replay", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await Eventually.ReachedAsync(async () => await TimesAsync("welcome-auditor", welcome.Id) == 1, "auditor handled after replay");
        (await client.GetAsync($"/api/admin/dead-letters/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await TimesAsync("welcome-logger", welcome.Id)).ShouldBe(1);
        (await TimesAsync("welcome-auditor", welcome.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_discarded_dead_letter_leaves_the_list_and_Wolverine_keeps_it_archived()
    {
        var welcome = new Welcomed(Guid.NewGuid(), "broken");
        var messageId = await PublishAsync(welcome);
        using var client = app.AdminClient();
        var id = (await DeadLetterAsync(client, messageId)).GetProperty("id").GetGuid();

        (await client.DeleteAsync($"/api/admin/dead-letters/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/api/admin/dead-letters/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.DeleteAsync($"/api/admin/dead-letters/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await client.PostAsync($"/api/admin/dead-letters/{id}/replay", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var list = await client.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters?limit=500");
        list.GetProperty("items").EnumerateArray().ShouldNotContain(l => l.GetProperty("id").GetGuid() == id);
        (await app.ScalarAsync("select count(*) from wolverine.wolverine_dead_letters where id = $1 and archived_at is not null", id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_handler_past_its_time_limit_is_cancelled_and_the_attempt_counts()
    {
        var stalled = new StalledGreeting(Guid.NewGuid(), StallTimes: 1);
        var messageId = await PublishAsync(stalled);

        await Eventually.ReachedAsync(async () => await WolverineEnvelopes.HandledAsync(app.DataSource, messageId) == 1, "handled on the second attempt");
        // The handler records the attempt it succeeded on: Wolverine counted the cancelled one.
        (await app.Store.ReadStreamAsync($"stalled-{stalled.Id}")).Select(e => e.Data).ShouldBe([new TallyCounted(2)]);
        app.Log.Lines.ShouldContain(l => l.Contains("tests.stalled-greeting", StringComparison.Ordinal) && l.Contains("Eventing:HandlerTimeout", StringComparison.Ordinal));
        (await TimesAsync("stalled", stalled.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_handler_always_past_its_time_limit_ends_as_a_dead_letter()
    {
        var stalled = new StalledGreeting(Guid.NewGuid(), StallTimes: int.MaxValue);
        var messageId = await PublishAsync(stalled);
        using var client = app.AdminClient();

        var letter = await DeadLetterAsync(client, messageId);
        letter.GetProperty("attempts").GetInt32().ShouldBe(3);
        var shown = await client.GetFromJsonAsync<JsonElement>($"/api/admin/dead-letters/{letter.GetProperty("id").GetGuid()}");
        shown.GetProperty("error").GetString()!.ShouldContain("Eventing:HandlerTimeout");
        (await TimesAsync("stalled", stalled.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task An_attempt_whose_connection_the_server_ended_still_counts()
    {
        var severed = new SeveredGreeting(Guid.NewGuid());
        var messageId = await PublishAsync(severed);

        await Eventually.ReachedAsync(async () => await WolverineEnvelopes.HandledAsync(app.DataSource, messageId) == 1, "handled on the second attempt");
        // The broken attempt counted: the one that succeeded was the second.
        (await app.Store.ReadStreamAsync($"severed-{severed.Id}")).Select(e => e.Data).ShouldBe([new TallyCounted(2)]);
        app.Log.Lines.ShouldContain(l => l.Contains("The connection broke during the delivery of", StringComparison.Ordinal) && l.Contains("tests.severed-greeting", StringComparison.Ordinal));
        (await TimesAsync("severed", severed.Id)).ShouldBe(1);
    }

    /// <summary>Waits until the API lists the message's dead letter (its retries take a moment).</summary>
    private static async Task<JsonElement> DeadLetterAsync(HttpClient client, Guid messageId)
    {
        JsonElement letter = default;
        await Eventually.ReachedAsync(async () =>
        {
            var list = await client.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters?limit=500");
            letter = list.GetProperty("items").EnumerateArray().FirstOrDefault(l => l.GetProperty("messageId").GetGuid() == messageId);
            return letter.ValueKind == JsonValueKind.Object;
        }, "the auditor's dead letter is listed");
        return letter;
    }

    [Fact]
    public async Task A_scheduled_message_fires_once_when_due_and_a_cancelled_one_never()
    {
        var cancelled = new Nudge(Guid.NewGuid(), "cancelled");
        var uow = app.Store.Begin(new EventMetadata("test"));
        var cancelledId = uow.Schedule(cancelled, DateTimeOffset.UtcNow.AddSeconds(4));
        await uow.CommitAsync();
        (await app.ScalarAsync("select count(*) from wolverine.wolverine_incoming_envelopes where message_type = 'tests.nudge' and status = 'Scheduled'"))
            .ShouldBeGreaterThanOrEqualTo(1);

        var cancel = app.Store.Begin(new EventMetadata("test"));
        cancel.CancelScheduled(cancelledId);
        await cancel.CommitAsync();

        var control = new Nudge(Guid.NewGuid(), "control, due later than the cancelled one");
        var second = app.Store.Begin(new EventMetadata("test"));
        second.Schedule(control, DateTimeOffset.UtcNow.AddSeconds(5));
        await second.CommitAsync();
        (await TimesAsync("nudge", control.Id)).ShouldBe(0);

        await Eventually.ReachedAsync(async () => await TimesAsync("nudge", control.Id) == 1, "control fires");
        (await TimesAsync("nudge", cancelled.Id)).ShouldBe(0);
    }
}

/// <summary>Hosts that die with Wolverine's envelopes committed but not yet handled.</summary>
public sealed class WolverineDurabilityTests : IAsyncLifetime
{
    private string _database = "";

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("wdur");

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<long> ScalarAsync(string sql, params object[] args) => TestPostgres.ScalarAsync(_database, sql, args);

    private async Task KillAsync(WolverineBusApp host, string id)
    {
        await ScalarAsync("select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name like $1", $"allmende:{id}%");
        await host.DisposeAsync();
    }

    [Fact]
    public async Task A_message_committed_by_a_host_that_dies_before_delivering_is_handled_once_after_restart()
    {
        var welcome = new Welcomed(Guid.NewGuid(), "survives");
        var first = new WolverineBusApp(_database, "wfirst", runBackgroundWork: false); // commits, never delivers: the crash window
        await first.StartAsync();
        var uow = first.Store.Begin(new EventMetadata("test"));
        uow.Publish(welcome);
        await uow.CommitAsync();
        await KillAsync(first, "wfirst");
        (await ScalarAsync("select count(*) from wolverine.wolverine_incoming_envelopes where message_type = 'tests.welcomed' and status = 'Incoming'")).ShouldBe(2);

        await using var second = new WolverineBusApp(_database, "wsecond");
        await second.StartAsync();
        await Eventually.ReachedAsync(async () => await ScalarAsync("select coalesce(sum(times), 0) from tests.handled where id = $1", welcome.Id) == 2,
            "delivered after restart", timeoutSeconds: 90);
        (await ScalarAsync("select count(*) from tests.handled where id = $1 and times = 1", welcome.Id)).ShouldBe(2); // logger + auditor, once each
    }

    [Fact]
    public async Task A_scheduled_message_survives_a_restart_and_fires_once()
    {
        var reminder = new Reminder(Guid.NewGuid(), "after restart");
        // The first host schedules it and dies without ever delivering: however slowly it stops under
        // load, it cannot fire the reminder first.
        var first = new WolverineBusApp(_database, "wsched-1", runBackgroundWork: false);
        await first.StartAsync();
        var uow = first.Store.Begin(new EventMetadata("test"));
        var messageId = uow.Schedule(reminder, DateTimeOffset.UtcNow.AddSeconds(2));
        await uow.CommitAsync();
        await KillAsync(first, "wsched-1");
        (await ScalarAsync("select count(*) from tests.handled where id = $1", reminder.Id)).ShouldBe(0);

        // Two hosts come back; exactly one of them fires it, once.
        await using var second = new WolverineBusApp(_database, "wsched-2");
        await using var third = new WolverineBusApp(_database, "wsched-3");
        await Task.WhenAll(second.StartAsync(), third.StartAsync());
        await Eventually.ReachedAsync(async () => await ScalarAsync("select count(*) from tests.handled where id = $1", reminder.Id) == 1, "reminder fires",
            timeoutSeconds: 90);
        await Eventually.ReachedAsync(async () => await WolverineEnvelopes.HandledAsync(second.DataSource, messageId) == 1, "envelope handled");
        (await ScalarAsync("select times from tests.handled where id = $1", reminder.Id)).ShouldBe(1);
    }
}
