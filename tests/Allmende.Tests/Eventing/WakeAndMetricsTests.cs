using System.Diagnostics.Metrics;
using Allmende.Eventing;
using Allmende.Eventing.Streams;
using Allmende.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Allmende.Tests.Eventing;

/// <summary>A host that would poll only every two minutes: anything faster is the notification.</summary>
public sealed class SlowPollingApp : BusApp
{
    public SlowPollingApp() => With("Eventing:PollInterval", "00:02:00");
}

public sealed class WakeAndMetricsTests(SlowPollingApp app) : IClassFixture<SlowPollingApp>
{
    [Fact]
    public async Task A_commit_wakes_the_projection_and_the_handlers_without_waiting_for_the_poll()
    {
        await app.StartAsync();
        var greeting = new Greeted(Guid.NewGuid(), "wake up");
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.Append($"wake-{greeting.Id}", new TallyCounted(1));
        uow.Publish(greeting);
        await uow.CommitAsync();

        // Well below the two-minute poll: only LISTEN/NOTIFY can have woken them.
        await Eventually.ReachedAsync(async () => await app.ScalarAsync("select count(*) from tests.handled where id = $1", greeting.Id) == 2,
            "handlers woken", timeoutSeconds: 20);
        await Eventually.ReachedAsync(async () => await app.ScalarAsync("select count(*) from tests.applied where stream_id = $1", $"wake-{greeting.Id}") == 1,
            "projection woken", timeoutSeconds: 20);
    }

    [Fact]
    public async Task Appends_deliveries_and_projection_progress_are_counted_in_metrics()
    {
        await app.StartAsync();
        var measured = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == EventingMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            lock (measured)
                measured[instrument.Name] = measured.GetValueOrDefault(instrument.Name) + value;
        });
        listener.Start();

        var greeting = new Greeted(Guid.NewGuid(), "metrics");
        var uow = app.Store.Begin(new EventMetadata("test"));
        uow.Append($"metrics-{greeting.Id}", new TallyCounted(1), new TallyCounted(2));
        uow.Publish(greeting);
        await uow.CommitAsync();
        await Eventually.ReachedAsync(async () => await app.ScalarAsync("select count(*) from tests.handled where id = $1", greeting.Id) == 2, "handled");
        // The counters move just after their transactions commit: wait for them as for the rows.
        await Eventually.ReachedAsync(() =>
        {
            lock (measured)
                return Task.FromResult(measured.GetValueOrDefault("allmende.projection.events") >= 2
                    && measured.GetValueOrDefault("allmende.messages.delivered") >= 2);
        }, "projection and deliveries counted");

        lock (measured)
        {
            measured.GetValueOrDefault("allmende.events.appended").ShouldBeGreaterThanOrEqualTo(2);
            measured.GetValueOrDefault("allmende.messages.delivered").ShouldBeGreaterThanOrEqualTo(2);
        }
    }
}
