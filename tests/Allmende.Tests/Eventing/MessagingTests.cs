using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Allmende.Eventing.Messaging;
using Allmende.Eventing.Streams;
using Microsoft.Extensions.DependencyInjection;
using Allmende.Tests.Infrastructure;

namespace Allmende.Tests.Eventing;

public sealed class MessagingTests(BusApp app) : IClassFixture<BusApp>
{
    private async Task<Guid> PublishAsync(object message)
    {
        var uow = app.Store.Begin(new EventMetadata("member:test", "corr-msg"));
        var id = uow.Publish(message);
        await uow.CommitAsync();
        return id;
    }

    private Task<long> TimesAsync(string handler, Guid id) =>
        app.ScalarAsync("select coalesce(sum(times), 0) from tests.handled where handler = $1 and id = $2", handler, id);

    private Task<long> DeliveryCountAsync(Guid messageId, string status) =>
        app.ScalarAsync("select count(*) from eventing.deliveries where message_id = $1 and status = $2", messageId, status);

    [Fact]
    public async Task A_published_event_reaches_every_subscribed_handler_once_with_its_own_delivery()
    {
        var greeting = new Greeted(Guid.NewGuid(), "hello");
        var messageId = await PublishAsync(greeting);

        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "done") == 2, "both handlers done");
        (await TimesAsync("logger", greeting.Id)).ShouldBe(1);
        (await TimesAsync("auditor", greeting.Id)).ShouldBe(1);
        (await app.ScalarAsync("select count(*) from eventing.outbox where message_id = $1 and actor = 'member:test' and correlation_id = 'corr-msg'", messageId))
            .ShouldBe(1);
    }

    [Fact]
    public async Task A_handler_failing_three_times_succeeds_on_the_fourth_attempt_and_its_failed_writes_roll_back()
    {
        var flaky = new FlakyGreeting(Guid.NewGuid(), FailTimes: 3);
        var messageId = await PublishAsync(flaky);

        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "done") == 1, "flaky handled");
        (await app.ScalarAsync("select attempts from eventing.deliveries where message_id = $1", messageId)).ShouldBe(4);
        (await TimesAsync("flaky", flaky.Id)).ShouldBe(1);
        // The event it appended carries the successful attempt, and its causation is the message.
        var events = await app.Store.ReadStreamAsync($"flaky-{flaky.Id}");
        events.Select(e => e.Data).ShouldBe([new TallyCounted(4)]);
        events[0].Metadata.ShouldBe(new EventMetadata("member:test", "corr-msg", messageId.ToString()));
    }

    [Fact]
    public async Task A_handler_that_always_fails_becomes_a_dead_letter_the_others_go_on_and_a_replay_after_the_fix_handles_it_once()
    {
        GreetingAuditor.Fixed = false;
        var greeting = new Greeted(Guid.NewGuid(), "please audit this");
        var messageId = await PublishAsync(greeting);

        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "dead") == 1, "auditor dead-lettered");
        // The logger's delivery is its own: it goes on whenever it is claimed, which may be after the auditor's
        // third failure, so it is waited for rather than read at once.
        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "done") == 1, "the logger goes on");
        (await TimesAsync("logger", greeting.Id)).ShouldBe(1);
        (await TimesAsync("auditor", greeting.Id)).ShouldBe(0);

        using var anonymous = app.CreateClient();
        (await anonymous.GetAsync("/api/admin/dead-letters")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AllmendeApp.AdminKey);
        var list = await client.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters?limit=500");
        var letter = list.GetProperty("items").EnumerateArray().Single(l => l.GetProperty("messageId").GetGuid() == messageId);
        letter.GetProperty("handler").GetString().ShouldBe($"{typeof(GreetingAuditor).FullName}:tests.greeted");
        letter.GetProperty("attempts").GetInt32().ShouldBe(3);
        letter.GetProperty("bus").GetString().ShouldBe("outbox");
        var id = letter.GetProperty("id").GetGuid();

        var shown = await client.GetFromJsonAsync<JsonElement>($"/api/admin/dead-letters/{id}");
        shown.GetProperty("error").GetString()!.ShouldContain("the auditor is broken");
        shown.GetProperty("message").GetProperty("text").GetString().ShouldBe("please audit this");

        var health = await client.GetFromJsonAsync<JsonElement>("/health/ready");
        health.GetProperty("checks").GetProperty("outbox").GetProperty("data").GetProperty("deadLetters").GetInt64().ShouldBeGreaterThanOrEqualTo(1);

        GreetingAuditor.Fixed = true;
        (await client.PostAsync($"/api/admin/dead-letters/{id}/replay", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "done") == 2, "auditor handled after replay");
        (await TimesAsync("auditor", greeting.Id)).ShouldBe(1);
        (await TimesAsync("logger", greeting.Id)).ShouldBe(1);
        (await client.PostAsync($"/api/admin/dead-letters/{id}/replay", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_discarded_dead_letter_leaves_the_list_but_keeps_its_message()
    {
        GreetingAuditor.Fixed = false;
        var greeting = new Greeted(Guid.NewGuid(), "audit and discard");
        var messageId = await PublishAsync(greeting);
        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "dead") == 1, "dead-lettered");
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("Authorization", $"Bearer {AllmendeApp.AdminKey}");
        var list = await client.GetFromJsonAsync<JsonElement>("/api/admin/dead-letters?limit=500");
        var id = list.GetProperty("items").EnumerateArray().Single(l => l.GetProperty("messageId").GetGuid() == messageId).GetProperty("id").GetGuid();
        (await client.DeleteAsync($"/api/admin/dead-letters/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync($"/api/admin/dead-letters/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await DeliveryCountAsync(messageId, "discarded")).ShouldBe(1);
        (await app.ScalarAsync("select count(*) from eventing.outbox where message_id = $1", messageId)).ShouldBe(1);
    }

    [Fact]
    public async Task A_cancelled_scheduled_message_never_fires()
    {
        var reminder = new Reminder(Guid.NewGuid(), "cancelled");
        var uow = app.Store.Begin(new EventMetadata("test"));
        // Due in 8 s: the cancellation must commit before then even on a loaded machine (0.8 s once lost that race in CI).
        var messageId = uow.Schedule(reminder, DateTimeOffset.UtcNow.AddSeconds(8));
        await uow.CommitAsync();

        var cancel = app.Store.Begin(new EventMetadata("test"));
        cancel.CancelScheduled(messageId);
        await cancel.CommitAsync();

        var control = new Reminder(Guid.NewGuid(), "control, due later than the cancelled one");
        var second = app.Store.Begin(new EventMetadata("test"));
        second.Schedule(control, DateTimeOffset.UtcNow.AddSeconds(9));
        await second.CommitAsync();
        await Eventually.ReachedAsync(async () => await TimesAsync("reminder", control.Id) == 1, "control fires");

        (await TimesAsync("reminder", reminder.Id)).ShouldBe(0);
        (await DeliveryCountAsync(messageId, "cancelled")).ShouldBe(1);
    }

    [Fact]
    public async Task Retention_deletes_only_deliveries_finished_long_ago_and_their_messages_never_what_still_waits()
    {
        var old = new Greeted(Guid.NewGuid(), "handled a month ago");
        var oldId = await PublishAsync(old);
        var recent = new Greeted(Guid.NewGuid(), "handled just now");
        var recentId = await PublishAsync(recent);
        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(oldId, "done") + await DeliveryCountAsync(recentId, "done") == 4, "both handled");
        var uow = app.Store.Begin(new EventMetadata("test"));
        var waitingId = uow.Schedule(new Reminder(Guid.NewGuid(), "due in an hour, published long ago"), DateTimeOffset.UtcNow.AddHours(1));
        await uow.CommitAsync();
        // A month passes for the old message and for the scheduled one.
        await app.ScalarAsync("""
            with aged as (update eventing.deliveries set finished_at = now() - interval '31 days' where message_id = $1 returning 1)
            select count(*) from aged
            """, oldId);
        await app.ScalarAsync("""
            with aged as (update eventing.outbox set created_at = now() - interval '31 days' where message_id = any($1) returning 1)
            select count(*) from aged
            """, new[] { oldId, waitingId });

        var pruned = await app.Services.GetRequiredService<OutboxRetention>().PruneAsync(CancellationToken.None);

        pruned.ShouldBe((2L, 1L));
        (await app.ScalarAsync("select count(*) from eventing.outbox where message_id = $1", oldId)).ShouldBe(0);
        (await app.ScalarAsync("select count(*) from eventing.outbox where message_id = $1", recentId)).ShouldBe(1);
        (await DeliveryCountAsync(recentId, "done")).ShouldBe(2);
        (await app.ScalarAsync("select count(*) from eventing.outbox where message_id = $1", waitingId)).ShouldBe(1);
        (await DeliveryCountAsync(waitingId, "pending")).ShouldBe(1);
    }

    [Fact]
    public async Task A_handler_past_its_time_limit_is_cancelled_and_the_attempt_counts()
    {
        var stalled = new StalledGreeting(Guid.NewGuid(), StallTimes: 1);
        var messageId = await PublishAsync(stalled);

        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "done") == 1, "handled on the second attempt");
        (await app.ScalarAsync("select attempts from eventing.deliveries where message_id = $1", messageId)).ShouldBe(2);
        (await app.ScalarAsync("select count(*) from eventing.deliveries where message_id = $1 and last_error like '%Eventing:HandlerTimeout%'", messageId))
            .ShouldBe(1);
        (await TimesAsync("stalled", stalled.Id)).ShouldBe(1);
    }

    [Fact]
    public async Task A_handler_always_past_its_time_limit_ends_as_a_dead_letter()
    {
        var stalled = new StalledGreeting(Guid.NewGuid(), StallTimes: int.MaxValue);
        var messageId = await PublishAsync(stalled);

        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "dead") == 1, "dead after three attempts");
        (await app.ScalarAsync("select attempts from eventing.deliveries where message_id = $1", messageId)).ShouldBe(3);
        (await TimesAsync("stalled", stalled.Id)).ShouldBe(0);
    }

    [Fact]
    public async Task An_attempt_whose_connection_the_server_ended_still_counts()
    {
        var severed = new SeveredGreeting(Guid.NewGuid());
        var messageId = await PublishAsync(severed);

        await Eventually.ReachedAsync(async () => await DeliveryCountAsync(messageId, "done") == 1, "handled on the second attempt");
        (await app.ScalarAsync("select attempts from eventing.deliveries where message_id = $1", messageId)).ShouldBe(2);
        (await app.ScalarAsync("select count(*) from eventing.deliveries where message_id = $1 and last_error like 'The connection broke during the delivery%'", messageId))
            .ShouldBe(1);
        (await TimesAsync("severed", severed.Id)).ShouldBe(1);
    }
}
