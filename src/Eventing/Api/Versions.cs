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

    /// <summary>
    /// The version the client read, from If-Match; 428 if absent, 400 if it is not one of ours. If-Match
    /// compares strongly (RFC 9110 13.1.1): we only give out strong ETags, so a weak one ("W/\"3\"") can
    /// never match and is refused as bad input rather than silently taken for the strong one.
    /// </summary>
    public static long ExpectedVersion(this HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
            throw new PreconditionRequiredException();
        if (header.StartsWith("W/", StringComparison.OrdinalIgnoreCase))
            throw new BadInputException("If-Match", $"If-Match compares strongly: send the ETag as given, like \"3\", without W/; got {request.Headers.IfMatch}.");
        return header.Length > 2 && header[0] == '"' && header[^1] == '"' && long.TryParse(header[1..^1], out var version) && version > 0
            ? version
            : throw new BadInputException("If-Match", $"If-Match must be an ETag this API gave out, like \"3\"; got {request.Headers.IfMatch}.");
    }
}
