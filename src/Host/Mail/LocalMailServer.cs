using System.Net;
using MailKit.Security;
using netDumbster.smtp;

namespace Allmende.Host.Mail;

/// <summary>
/// Development's mail server: an SMTP server in this process on a free loopback port (netDumbster),
/// started when Development has no Mail:Host. Every mail it receives is written, as it arrived, to
/// .mail/ at the repository root (git-ignored): open the .eml files with any mail program.
/// </summary>
internal sealed class LocalMailServer(string folder, ILogger<LocalMailServer> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private SimpleSmtpServer? _server;

    public string Folder { get; } = folder;

    public MailServer Start()
    {
        lock (_gate)
        {
            if (_server is null)
            {
                Directory.CreateDirectory(Folder);
                _server = Configuration.Configure().WithAddress(IPAddress.Loopback).WithRandomPort().Build();
                _server.MessageReceived += (_, e) => Keep(e.Message.Data);
                Console.WriteLine($"Mail for Development: SMTP on 127.0.0.1:{_server.Configuration.Port}, every mail kept as a file in {Folder}.");
            }
            return new MailServer("127.0.0.1", _server.Configuration.Port, SecureSocketOptions.None);
        }
    }

    private void Keep(string data)
    {
        try
        {
            // Time first: the folder lists in the order the mails came.
            File.WriteAllText(Path.Combine(Folder, $"{DateTime.UtcNow:yyyyMMdd-HHmmss-fff}-{Guid.NewGuid():N}.eml"), data);
        }
        catch (IOException e)
        {
            logger.LogWarning(e, "A mail for Development could not be kept in {Folder}", Folder);
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _server?.Dispose();
    }
}

/// <summary>The server mail goes to, decided once: configured, local (Development), or none (mail off).</summary>
internal sealed class MailServerLocator(Microsoft.Extensions.Options.IOptions<MailOptions> options, LocalMailServer? local = null)
{
    public MailServer? Server => options.Value.Host is { Length: > 0 } host
        ? new MailServer(host, options.Value.Port, options.Value.Security)
        : local?.Start();
}
