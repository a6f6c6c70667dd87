using Microsoft.AspNetCore.Http;

namespace Allmende.Eventing.Api;

/// <summary>
/// ETag and If-Match carry a stream's version, so that two staff editing one record cannot
/// overwrite each other: the second gets 409 and reloads.
/// </summary>
public static class Versions
{
    public static string ETag(long version) => $"\"{version}\"";

    /// <summary>Sets the ETag of the version just read or written.</summary>
    public static void SetETag(this HttpResponse response, long version) => response.Headers.ETag = ETag(version);

    /// <summary>The version the client read, from If-Match; 428 if absent, 400 if it is not one of ours.</summary>
    public static long ExpectedVersion(this HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
            throw new PreconditionRequiredException();
        if (header.StartsWith("W/", StringComparison.Ordinal))
            header = header[2..];
        return header.Length > 2 && header[0] == '"' && header[^1] == '"' && long.TryParse(header[1..^1], out var version) && version > 0
            ? version
            : throw new BadInputException("If-Match", $"If-Match must be an ETag this API gave out, like \"3\"; got {request.Headers.IfMatch}.");
    }
}
