using System.Collections.Concurrent;
using System.Net;
using System.Text;
using MimeKit;
using netDumbster.smtp;

namespace Allmende.Tests.Infrastructure;

/// <summary>A real SMTP server on a free loopback port (netDumbster), for hosts that send mail; tests read what arrived.</summary>
public sealed class TestMailServer : IDisposable
{
    private readonly SimpleSmtpServer _server = Configuration.Configure().WithAddress(IPAddress.Loopback).WithRandomPort().Build();

    // Our own copy: netDumbster's ReceivedEmail copies a list its session threads append to without a
    // lock, and a read while a mail arrived threw IndexOutOfRangeException in a CI run.
    private readonly ConcurrentQueue<MimeMessage> _received = new();

    public TestMailServer() =>
        _server.MessageReceived += (_, e) => _received.Enqueue(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(e.Message.Data))));

    public int Port => _server.Configuration.Port;

    /// <summary>Every mail received so far, parsed as sent.</summary>
    public IReadOnlyList<MimeMessage> Received => [.. _received];

    /// <summary>The mails to <paramref name="address"/>, once <paramref name="count"/> of them arrived.</summary>
    public async Task<IReadOnlyList<MimeMessage>> ArrivedAsync(string address, int count = 1)
    {
        IReadOnlyList<MimeMessage> To() => [.. Received.Where(m => m.To.Mailboxes.Any(b => b.Address == address))];
        await Eventually.ReachedAsync(() => Task.FromResult(To().Count >= count), $"{count} mail(s) to {address}");
        return To();
    }

    public void Dispose() => _server.Dispose();
}
