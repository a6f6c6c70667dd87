using System.Diagnostics.Metrics;

namespace Allmende.Eventing;

/// <summary>The store's instruments, under the meter "Allmende.Eventing".</summary>
public sealed class EventingMetrics : IDisposable
{
    public const string MeterName = "Allmende.Eventing";

    private readonly Meter _meter;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _projected;

    public EventingMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _appended = _meter.CreateCounter<long>("allmende.events.appended", "{event}", "Events committed to the log");
        _projected = _meter.CreateCounter<long>("allmende.projection.events", "{event}", "Events applied by async projections");
        _delivered = _meter.CreateCounter<long>("allmende.messages.delivered", "{delivery}", "Messages handled successfully");
        _retried = _meter.CreateCounter<long>("allmende.messages.retried", "{delivery}", "Handler failures scheduled for retry");
        _deadLettered = _meter.CreateCounter<long>("allmende.messages.dead_lettered", "{delivery}", "Deliveries given up as dead letters");
    }

    public Meter Meter => _meter;

    internal void EventsAppended(int count) => _appended.Add(count);
    internal void EventsProjected(string projection, int count) => _projected.Add(count, new KeyValuePair<string, object?>("projection", projection));
    internal void Delivered(string handler) => _delivered.Add(1, new KeyValuePair<string, object?>("handler", handler));
    internal void Retried(string handler) => _retried.Add(1, new KeyValuePair<string, object?>("handler", handler));
    internal void DeadLettered(string handler) => _deadLettered.Add(1, new KeyValuePair<string, object?>("handler", handler));

    public void Dispose() => _meter.Dispose();
}
