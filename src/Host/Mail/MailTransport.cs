using System.Net.Sockets;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Allmende.Host.Mail;

/// <summary>Where mail goes: the configured server, the local one of Development, or nowhere.</summary>
internal sealed record MailServer(string Host, int Port, SecureSocketOptions Security);

/// <summary>
/// One SMTP exchange per mail (MailKit). A failure becomes a <see cref="MailNotSentException"/> that
/// names the kind of failure only: server replies and socket errors can quote the recipient's address,
/// and the exception is logged and kept with the delivery (dead letter).
/// </summary>
internal sealed class MailTransport(IOptions<MailOptions> options, MailServerLocator locator)
{
    public bool Enabled => locator.Server is not null;

    public async Task SendAsync(MimeMessage message, CancellationToken ct)
    {
        var server = locator.Server ?? throw new InvalidOperationException("Mail is off: no SMTP server is configured.");
        var settings = options.Value;
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(server.Host, server.Port, server.Security, ct);
            if (!string.IsNullOrEmpty(settings.User))
                await client.AuthenticateAsync(settings.User, settings.Password ?? "", ct);
            await client.SendAsync(message, ct);
            await client.DisconnectAsync(true, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            throw new MailNotSentException(Describe(e, server));
        }
    }

    private static string Describe(Exception e, MailServer server) => e switch
    {
        SmtpCommandException c => $"the SMTP server {server.Host}:{server.Port} refused the mail ({c.ErrorCode}, status {(int)c.StatusCode})",
        SmtpProtocolException => $"the SMTP server {server.Host}:{server.Port} broke the protocol",
        AuthenticationException => $"the SMTP server {server.Host}:{server.Port} refused the credentials",
        SocketException s => $"the SMTP server {server.Host}:{server.Port} could not be reached ({s.SocketErrorCode})",
        SslHandshakeException => $"TLS with the SMTP server {server.Host}:{server.Port} failed",
        TimeoutException or OperationCanceledException => $"the SMTP server {server.Host}:{server.Port} did not answer in time",
        _ => $"sending through {server.Host}:{server.Port} failed ({e.GetType().Name})",
    };
}

/// <summary>A mail was not sent; the message says why without quoting anything the server said about the recipient.</summary>
internal sealed class MailNotSentException(string message) : Exception(message);
