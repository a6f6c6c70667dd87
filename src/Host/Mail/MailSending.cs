using Microsoft.Extensions.Options;
using MimeKit;

namespace Allmende.Host.Mail;

/// <summary>
/// The last step of every mail handler: drop with a reason, or build the message and send it. Log lines
/// name the kind and the id the mail is about, never the address or the words of the mail.
/// </summary>
internal sealed class MailSending(MailTransport transport, IOptions<MailOptions> options, ILogger<MailSending> logger)
{
    public string DefaultLanguage => MailTexts.Language(null, options.Value.Language);

    public bool Enabled(string kind, Guid about)
    {
        if (transport.Enabled)
            return true;
        logger.LogInformation("Mail {Kind} about {About} not sent: mail is off (no Mail:Host)", kind, about);
        return false;
    }

    public void Dropped(string kind, Guid about, string why) =>
        logger.LogInformation("Mail {Kind} about {About} dropped: {Why}", kind, about, why);

    public async Task SendAsync(string kind, Guid about, Guid messageId, Recipient to, MailText text, CancellationToken ct)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.Value.From));
        message.To.Add(new MailboxAddress(to.Name ?? "", to.Address));
        message.Subject = text.Subject;
        // Stable across retries: a mail sent twice (the reply lost after the server took it) reads as one.
        message.MessageId = $"{kind}.{messageId:N}@allmende";
        var body = new TextPart("plain") { Text = text.Body };
        body.Headers.Add(HeaderId.ContentLanguage, text.Language);
        message.Body = body;
        await transport.SendAsync(message, ct);
        logger.LogInformation("Mail {Kind} about {About} sent", kind, about);
    }
}
