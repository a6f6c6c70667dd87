using Allmende.Eventing;

namespace Allmende.Host.Mail;

/// <summary>Mail from the outbox (ADR 18): settings, the transport, the local server of Development, the handlers' message types.</summary>
internal static class MailModule
{
    public static IServiceCollection AddMail(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.Configure<MailOptions>(configuration.GetSection(MailOptions.Section));
        if (environment.IsDevelopment() && string.IsNullOrEmpty(configuration[$"{MailOptions.Section}:Host"]))
        {
            services.AddSingleton(sp => new LocalMailServer(Path.Combine(Database.RepositoryRoot(environment.ContentRootPath), ".mail"),
                sp.GetRequiredService<ILogger<LocalMailServer>>()));
            // Started with the host, so that its one line (port and folder) shows before the first mail.
            services.AddHostedService<LocalMailServerStart>();
        }
        services.AddSingleton<MailServerLocator>();
        services.AddSingleton<MailTransport>();
        services.AddSingleton<MailSending>();
        // The handlers live in the host's assembly, which AccessModule already gives the bus.
        services.Configure<EventingOptions>(o =>
        {
            o.Types.Register<InvitationMailDue>("host.mail.invitation-due");
        });
        return services;
    }
}

internal sealed class LocalMailServerStart(LocalMailServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        server.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
