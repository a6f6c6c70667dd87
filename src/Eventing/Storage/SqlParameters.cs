using Npgsql;
using NpgsqlTypes;

namespace Allmende.Eventing.Storage;

/// <summary>
/// Parameters that may be null, with their database type named: a null alone carries no type, and
/// PostgreSQL cannot infer one for <c>$1::uuid is null or …</c>-style filters or untyped inserts.
/// Modules call <see cref="OrNull"/>, or import the typed shortcuts with <c>using static</c>.
/// </summary>
public static class SqlParameters
{
    public static NpgsqlParameter OrNull(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };

    public static NpgsqlParameter Uuid(Guid? value) => OrNull(value, NpgsqlDbType.Uuid);

    public static NpgsqlParameter Text(string? value) => OrNull(value, NpgsqlDbType.Text);

    public static NpgsqlParameter Int(int? value) => OrNull(value, NpgsqlDbType.Integer);

    public static NpgsqlParameter Instant(DateTimeOffset? value) => OrNull(value, NpgsqlDbType.TimestampTz);
}
