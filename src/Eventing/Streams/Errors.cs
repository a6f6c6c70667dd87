namespace Allmende.Eventing.Streams;

/// <summary>Someone else wrote to the stream first. The HTTP layer answers 409.</summary>
public sealed class ConcurrencyException(string streamId, long expectedVersion, long? actualVersion)
    : Exception(actualVersion is null
        ? $"Stream '{streamId}' was expected at version {expectedVersion} but does not exist."
        : $"Stream '{streamId}' was expected at version {expectedVersion} but is at version {actualVersion}.")
{
    public string StreamId { get; } = streamId;
    public long ExpectedVersion { get; } = expectedVersion;
    public long? ActualVersion { get; } = actualVersion;
}

/// <summary>A stream was started with an id that is already taken. The HTTP layer answers 409.</summary>
public sealed class StreamAlreadyExistsException(string streamId)
    : Exception($"Stream '{streamId}' already exists.")
{
    public string StreamId { get; } = streamId;
}

public sealed class StreamNotFoundException(string streamId)
    : Exception($"Stream '{streamId}' does not exist.")
{
    public string StreamId { get; } = streamId;
}
