using System.Security.Cryptography;
using System.Text;

namespace Allmende.Eventing.Schema;

/// <summary>
/// One versioned step of a module's schema. Versions count up per module; an applied migration is
/// never edited (its checksum is recorded and checked), a change is a new version.
/// </summary>
public sealed record Migration(string Module, int Version, string Description, string Sql)
{
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}
