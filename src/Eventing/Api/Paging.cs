using Npgsql;

namespace Allmende.Eventing.Api;

/// <summary>One page of a list, with the total so that clients can page on.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long Total, int Offset, int Limit);

/// <summary>Paging of every list endpoint: ?offset=0&amp;limit=50, limit at most 500.</summary>
public readonly record struct PageRequest(int Offset, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static PageRequest From(int? offset, int? limit)
    {
        if (offset is < 0)
            throw new BadInputException("offset", "offset must be 0 or more.");
        if (limit is < 1 or > MaxLimit)
            throw new BadInputException("limit", $"limit must be between 1 and {MaxLimit}.");
        return new PageRequest(offset ?? 0, limit ?? DefaultLimit);
    }
}

/// <summary>Every list endpoint's read: the total and one page, in one round trip.</summary>
public static class PagedQuery
{
    /// <summary>
    /// Runs <paramref name="countSql"/> and <paramref name="listSql"/> in one batch. Both take the filter's
    /// parameters ($1 … $n, added by <paramref name="filter"/>); the list also takes offset and limit as
    /// $n+1 and $n+2.
    /// </summary>
    public static async Task<Page<T>> ReadAsync<T>(NpgsqlDataSource db, string countSql, string listSql, Action<NpgsqlParameterCollection> filter,
        PageRequest page, Func<NpgsqlDataReader, T> read, CancellationToken ct)
    {
        await using var batch = db.CreateBatch();
        var count = new NpgsqlBatchCommand(countSql);
        filter(count.Parameters);
        var list = new NpgsqlBatchCommand(listSql);
        filter(list.Parameters);
        list.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Offset });
        list.Parameters.Add(new NpgsqlParameter<int> { TypedValue = page.Limit });
        batch.BatchCommands.Add(count);
        batch.BatchCommands.Add(list);

        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        var items = new List<T>();
        while (await reader.ReadAsync(ct))
            items.Add(read(reader));
        return new Page<T>(items, total, page.Offset, page.Limit);
    }
}
