using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Allmende.Host.Web.SignIn;

/// <summary>
/// The session cookie and the forms' antiforgery tokens are protected with ASP.NET Core Data Protection,
/// whose keys by default live in the user profile of one machine: a second host (another container, a
/// rolling restart) would not read the first one's cookies, and a person would be signed out, or a form
/// refused, depending on which host answered. Here every host of one database keeps its key ring in
/// signin.data_protection_keys (sign-in migration 3), under one application name, so that any host
/// reads what any other protected. Decision and consequences: docs/adr/0024-passkeys.md.
/// </summary>
internal static class SharedKeyRing
{
    /// <summary>
    /// The discriminator of the protected payloads: by default it is the content root path, which differs
    /// between hosts installed in different folders and would split them again despite a shared ring.
    /// </summary>
    public const string ApplicationName = "Allmende";

    public static IServiceCollection AddSharedKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName);
        // After Data Protection's own defaults (a folder of the user profile): ours replaces that repository.
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((o, db) => o.XmlRepository = new PostgresXmlRepository(db));
        return services;
    }
}

/// <summary>
/// Data Protection's key elements in a table. The key manager calls this synchronously and rarely: at start,
/// when a key is due (every 90 days by default) and when a payload names a key it has not seen. Two hosts
/// starting at once on an empty table may each make a key; both are kept, and either host reads both.
/// </summary>
internal sealed class PostgresXmlRepository(NpgsqlDataSource database) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = database.CreateCommand("select xml from signin.data_protection_keys order by created_at, name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
            elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = database.CreateCommand("""
            insert into signin.data_protection_keys (name, xml) values ($1, $2) on conflict (name) do nothing
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = string.IsNullOrEmpty(friendlyName) ? $"element-{Guid.NewGuid():N}" : friendlyName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
