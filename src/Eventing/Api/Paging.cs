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
