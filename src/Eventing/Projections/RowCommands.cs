using Allmende.Eventing.Streams;
using Npgsql;

namespace Allmende.Eventing.Projections;

/// <summary>
/// The statement an inline projection writes for one event into a read model keyed by its aggregate:
/// $1 the aggregate's id, $2 the event's stream version, $3 its global sequence (for the
/// <c>last_seq &lt; $3</c> guard that makes a replay idempotent), then the given values from $4 on
/// (an <see cref="NpgsqlParameter"/> as it is, to give a type where the value cannot).
/// Modules import it with <c>using static</c>.
/// </summary>
public static class RowCommands
{
    public static NpgsqlBatchCommand Command(string sql, Guid id, StoredEvent e, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.StreamVersion });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = e.Sequence });
        foreach (var value in values)
            command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value });
        return command;
    }
}
