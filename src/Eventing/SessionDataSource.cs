using Npgsql;

namespace Allmende.Eventing;

/// <summary>
/// Connections that hold session state (advisory locks, LISTEN): the pool resets them when they
/// come back, unlike the main pool, so nothing of theirs can leak to the next user.
/// </summary>
public sealed class SessionDataSource(NpgsqlDataSource inner) : IAsyncDisposable
{
    public NpgsqlDataSource Inner { get; } = inner;

    public ValueTask DisposeAsync() => Inner.DisposeAsync();
}
